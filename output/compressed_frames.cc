#include "output/compressed_frames.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace starttls {
namespace {

constexpr size_t kReadBytes = 1 << 18;
constexpr size_t kOutputStep = 1 << 18;
constexpr int kZstdLevel = 3;
constexpr int kGzipLevel = 6;

// What a frame decoder says about the bytes given so far.
enum class Step { kNeedMore, kFrameDone, kStop, kTooLarge };

// One frame at a time, for either compression: Feed() consumes input and grows `text` until
// a frame ends (kFrameDone: `consumed` input bytes belong to it), the input runs out
// (kNeedMore), the data is corrupt (kStop) or the frame outgrows the cap (kTooLarge).
class FrameDecoder {
 public:
  FrameDecoder(Compression compression, size_t max_frame_bytes)
      : compression_(compression), max_frame_bytes_(max_frame_bytes) {
    if (compression_ == Compression::kZstd) {
      zstd_ = ZSTD_createDStream();
    } else {
      zlib_ok_ = inflateInit2(&zlib_, 16 + MAX_WBITS) == Z_OK;
    }
  }
  ~FrameDecoder() {
    if (zstd_ != nullptr) ZSTD_freeDStream(zstd_);
    if (zlib_ok_) inflateEnd(&zlib_);
  }
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  bool ready() const { return zstd_ != nullptr || zlib_ok_; }
  std::string_view text() const { return std::string_view(text_.data(), used_); }
  void StartNextFrame() {
    used_ = 0;
    if (zlib_ok_) inflateReset(&zlib_);
  }

  Step Feed(const char* data, size_t size, size_t* consumed) {
    size_t pos = 0;
    while (true) {
      if (used_ >= max_frame_bytes_) return Step::kTooLarge;
      size_t pos_before = pos;
      if (text_.size() - used_ < kOutputStep / 2) text_.resize(used_ + kOutputStep);
      char* out = text_.data() + used_;
      size_t room = text_.size() - used_;
      size_t produced = 0;
      bool done = false;
      if (compression_ == Compression::kZstd) {
        ZSTD_inBuffer in{data, size, pos};
        ZSTD_outBuffer sink{out, room, 0};
        size_t ret = ZSTD_decompressStream(zstd_, &sink, &in);
        if (ZSTD_isError(ret)) return Step::kStop;
        pos = in.pos;
        produced = sink.pos;
        done = ret == 0;
      } else {
        zlib_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data + pos));
        zlib_.avail_in = static_cast<uInt>(size - pos);
        zlib_.next_out = reinterpret_cast<Bytef*>(out);
        zlib_.avail_out = static_cast<uInt>(room);
        int ret = inflate(&zlib_, Z_NO_FLUSH);
        if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) return Step::kStop;
        pos = size - zlib_.avail_in;
        produced = room - zlib_.avail_out;
        done = ret == Z_STREAM_END;
      }
      used_ += produced;
      if (used_ > max_frame_bytes_) return Step::kTooLarge;
      if (done) {
        *consumed = pos;
        return Step::kFrameDone;
      }
      // Out of input, and the decoder has handed over all it could: wait for more.
      if (pos == size && produced < room) {
        *consumed = pos;
        return Step::kNeedMore;
      }
      if (pos == pos_before && produced == 0) return Step::kStop;  // no progress: not ours
    }
  }

 private:
  Compression compression_;
  size_t max_frame_bytes_;
  ZSTD_DStream* zstd_ = nullptr;
  z_stream zlib_{};
  bool zlib_ok_ = false;
  std::string text_;
  size_t used_ = 0;
};

}  // namespace

Compression CompressionForFileName(std::string_view path) {
  if (path.ends_with(".gz")) return Compression::kGzip;
  if (path.ends_with(".zst")) return Compression::kZstd;
  return Compression::kNone;
}

struct FrameEncoder::Contexts {
  ZSTD_CCtx* zstd = nullptr;
  z_stream zlib{};
  bool zlib_ok = false;
  ~Contexts() {
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
    if (zlib_ok) deflateEnd(&zlib);
  }
};

FrameEncoder::FrameEncoder(Compression compression)
    : compression_(compression), contexts_(std::make_unique<Contexts>()) {
  if (compression_ == Compression::kZstd) {
    contexts_->zstd = ZSTD_createCCtx();
    if (contexts_->zstd != nullptr) {
      ZSTD_CCtx_setParameter(contexts_->zstd, ZSTD_c_compressionLevel, kZstdLevel);
      // The checksum tells a frame damaged on disk from a whole one.
      ZSTD_CCtx_setParameter(contexts_->zstd, ZSTD_c_checksumFlag, 1);
    }
  } else if (compression_ == Compression::kGzip) {
    contexts_->zlib_ok = deflateInit2(&contexts_->zlib, kGzipLevel, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                      Z_DEFAULT_STRATEGY) == Z_OK;
  }
}

FrameEncoder::~FrameEncoder() = default;

std::string FrameEncoder::AppendFrame(std::string_view data, std::string* out) {
  if (data.empty()) return "";
  size_t old = out->size();
  if (compression_ == Compression::kNone) {
    out->append(data);
    return "";
  }
  if (compression_ == Compression::kZstd) {
    if (contexts_->zstd == nullptr) return "zstd: cannot create a compressor";
    size_t bound = ZSTD_compressBound(data.size());
    out->resize(old + bound);
    size_t written =
        ZSTD_compress2(contexts_->zstd, out->data() + old, bound, data.data(), data.size());
    if (ZSTD_isError(written)) {
      out->resize(old);
      return std::string("zstd: ") + ZSTD_getErrorName(written);
    }
    out->resize(old + written);
    return "";
  }
  z_stream& z = contexts_->zlib;
  if (!contexts_->zlib_ok || deflateReset(&z) != Z_OK) return "gzip: cannot reset the compressor";
  // deflateBound counts the gzip header and trailer of a stream set up with deflateInit2.
  size_t bound = deflateBound(&z, static_cast<uLong>(data.size())) + 64;
  out->resize(old + bound);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data() + old);
  z.avail_out = static_cast<uInt>(bound);
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
    out->resize(old);
    return "gzip: the compressed member did not fit its bound";
  }
  out->resize(old + (bound - z.avail_out));
  return "";
}

absl::Status ReadWholeFrames(
    int fd, Compression compression, size_t max_frame_bytes,
    const std::function<bool(std::string_view text, uint64_t end_offset)>& on_frame) {
  if (compression == Compression::kNone) {
    return absl::InvalidArgumentError("ReadWholeFrames: not a compressed file");
  }
  FrameDecoder decoder(compression, max_frame_bytes);
  if (!decoder.ready()) return absl::InternalError("cannot create a decompressor");
  std::vector<char> chunk(kReadBytes);
  uint64_t chunk_offset = 0;
  uint64_t frame_start = 0;
  while (true) {
    ssize_t n = read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::DataLossError(std::string("read: ") + std::strerror(errno));
    if (n == 0) return absl::OkStatus();  // the end: a frame begun here is torn
    size_t pos = 0;
    while (pos < static_cast<size_t>(n)) {
      size_t consumed = 0;
      Step step = decoder.Feed(chunk.data() + pos, static_cast<size_t>(n) - pos, &consumed);
      pos += consumed;
      if (step == Step::kStop) return absl::OkStatus();
      if (step == Step::kTooLarge) {
        return absl::ResourceExhaustedError("the frame at offset " + std::to_string(frame_start) +
                                            " holds more than " + std::to_string(max_frame_bytes) +
                                            " bytes: not written by a scan");
      }
      if (step == Step::kNeedMore) break;
      frame_start = chunk_offset + pos;
      if (!on_frame(decoder.text(), frame_start)) return absl::OkStatus();
      decoder.StartNextFrame();
    }
    chunk_offset += static_cast<uint64_t>(n);
  }
}

}  // namespace starttls
