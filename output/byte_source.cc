#include "output/byte_source.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace starttls {
namespace {

constexpr size_t kInputBufferBytes = 1 << 18;

// The file as it is, after the few bytes read to recognise it.
class FileSource {
 public:
  FileSource(FILE* file, bool owned, std::string name)
      : file_(file), owned_(owned), name_(std::move(name)) {}
  ~FileSource() {
    if (owned_ && file_ != nullptr) std::fclose(file_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Reads the first bytes ahead so the compression can be told; they are replayed.
  std::string_view Peek() {
    while (peeked_.size() < 4) {
      char buf[4];
      size_t n = std::fread(buf, 1, 4 - peeked_.size(), file_);
      if (n == 0) break;
      peeked_.append(buf, n);
    }
    CheckError();
    return peeked_;
  }

  size_t Read(char* out, size_t n) {
    if (peek_pos_ < peeked_.size()) {
      size_t take = std::min(n, peeked_.size() - peek_pos_);
      std::memcpy(out, peeked_.data() + peek_pos_, take);
      peek_pos_ += take;
      return take;
    }
    size_t got = std::fread(out, 1, n, file_);
    if (got == 0) CheckError();
    return got;
  }

  const absl::Status& status() const { return status_; }
  const std::string& name() const { return name_; }

 private:
  void CheckError() {
    if (std::ferror(file_) && status_.ok()) {
      status_ = absl::DataLossError("reading " + name_ + ": " + std::strerror(errno));
    }
  }

  FILE* file_;
  bool owned_;
  std::string name_;
  std::string peeked_;
  size_t peek_pos_ = 0;
  absl::Status status_;
};

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(std::unique_ptr<FileSource> file) : file_(std::move(file)) {}
  size_t Read(char* out, size_t n) override { return file_->Read(out, n); }
  absl::Status status() const override { return file_->status(); }
  Compression compression() const override { return Compression::kNone; }

 private:
  std::unique_ptr<FileSource> file_;
};

// gzip, also several members one after another (pigz, bgzip and `cat a.gz b.gz` write them).
class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<FileSource> file)
      : file_(std::move(file)), input_(kInputBufferBytes) {
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) Fail("cannot start zlib");
  }
  ~GzipSource() override { inflateEnd(&stream_); }

  size_t Read(char* out, size_t n) override {
    if (done_ || !status_.ok()) return 0;
    stream_.next_out = reinterpret_cast<Bytef*>(out);
    stream_.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt wanted = stream_.avail_out;
    while (stream_.avail_out == wanted) {
      if (stream_.avail_in == 0 && !Refill()) {
        if (!member_done_) Fail("truncated gzip input");
        done_ = true;
        break;
      }
      if (member_done_) {
        // Another member follows the last one.
        inflateReset(&stream_);
        member_done_ = false;
      }
      int rc = inflate(&stream_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        member_done_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        Fail(std::string("gzip data is corrupt: ") +
             (stream_.msg ? stream_.msg : "inflate failed"));
        break;
      }
    }
    return wanted - stream_.avail_out;
  }
  absl::Status status() const override { return !status_.ok() ? status_ : file_->status(); }
  Compression compression() const override { return Compression::kGzip; }

 private:
  bool Refill() {
    size_t got = file_->Read(reinterpret_cast<char*>(input_.data()), input_.size());
    stream_.next_in = input_.data();
    stream_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }
  void Fail(const std::string& what) {
    if (status_.ok()) status_ = absl::DataLossError(file_->name() + ": " + what);
  }

  std::unique_ptr<FileSource> file_;
  std::vector<Bytef> input_;
  z_stream stream_{};
  bool member_done_ = false;
  bool done_ = false;
  absl::Status status_;
};

// zstd; concatenated frames are one stream to the decoder. The window stays at the
// library's default cap, so memory is bounded whatever the file claims.
class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<FileSource> file)
      : file_(std::move(file)), input_(ZSTD_DStreamInSize()), context_(ZSTD_createDCtx()) {
    if (context_ == nullptr) Fail("cannot start zstd");
  }
  ~ZstdSource() override { ZSTD_freeDCtx(context_); }

  size_t Read(char* out, size_t n) override {
    if (done_ || !status_.ok()) return 0;
    ZSTD_outBuffer output{out, n, 0};
    while (output.pos == 0) {
      if (in_.pos == in_.size) {
        size_t got = file_->Read(input_.data(), input_.size());
        if (got == 0) {
          if (last_hint_ != 0) Fail("truncated zstd input");
          done_ = true;
          break;
        }
        in_ = ZSTD_inBuffer{input_.data(), got, 0};
      }
      size_t hint = ZSTD_decompressStream(context_, &output, &in_);
      if (ZSTD_isError(hint)) {
        Fail(std::string("zstd data is corrupt: ") + ZSTD_getErrorName(hint));
        break;
      }
      last_hint_ = hint;
    }
    return output.pos;
  }
  absl::Status status() const override { return !status_.ok() ? status_ : file_->status(); }
  Compression compression() const override { return Compression::kZstd; }

 private:
  void Fail(const std::string& what) {
    if (status_.ok()) status_ = absl::DataLossError(file_->name() + ": " + what);
  }

  std::unique_ptr<FileSource> file_;
  std::vector<char> input_;
  ZSTD_DCtx* context_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  size_t last_hint_ = 0;  // 0 once a frame is complete
  bool done_ = false;
  absl::Status status_;
};

std::unique_ptr<ByteSource> Wrap(std::unique_ptr<FileSource> file) {
  switch (DetectCompression(file->Peek())) {
    case Compression::kGzip:
      return std::make_unique<GzipSource>(std::move(file));
    case Compression::kZstd:
      return std::make_unique<ZstdSource>(std::move(file));
    case Compression::kNone:
      break;
  }
  return std::make_unique<PlainSource>(std::move(file));
}

}  // namespace

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kNone:
      break;
  }
  return "none";
}

Compression DetectCompression(std::string_view first) {
  if (first.size() >= 2 && first[0] == '\x1f' && first[1] == '\x8b') return Compression::kGzip;
  if (first.size() >= 4 && first.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4)) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

absl::StatusOr<std::unique_ptr<ByteSource>> OpenByteSource(const std::string& path) {
  if (path == "-") return Wrap(std::make_unique<FileSource>(stdin, false, "standard input"));
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError("cannot open " + path + ": " + std::strerror(errno));
  }
  return Wrap(std::make_unique<FileSource>(file, true, path));
}

std::unique_ptr<ByteSource> ByteSourceFromFile(FILE* file, std::string name) {
  return Wrap(std::make_unique<FileSource>(file, false, std::move(name)));
}

}  // namespace starttls
