// Compressed output a killed scan can continue: `scan --output-file x.ndjson.zst` (or .gz)
// writes its records as a series of self-contained frames — one zstd frame, or one gzip
// member, per flush, each holding whole records only. Concatenated frames are one valid
// stream (zstd's format and RFC 1952 §2.2 both say so), so a resumed scan appends new frames
// after the old ones. A frame torn by a kill is told by its missing end (and checksum):
// --resume cuts the file back to the end of the last whole frame (scanner/scan/resume.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "output/byte_source.h"

namespace starttls {

// The compression an output file's name asks for: ".gz" gzip, ".zst" zstd, else none.
Compression CompressionForFileName(std::string_view path);

// Turns data into whole frames of one compression (kNone: the data as it is).
class FrameEncoder {
 public:
  explicit FrameEncoder(Compression compression);
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  // Appends one complete frame holding `data` to `out` (nothing for empty data). Returns ""
  // or the compressor's error.
  std::string AppendFrame(std::string_view data, std::string* out);
  Compression compression() const { return compression_; }

 private:
  struct Contexts;
  Compression compression_;
  std::unique_ptr<Contexts> contexts_;
};

// Reads the whole frames at the start of an open file (from offset 0). `on_frame` gets each
// frame's decompressed bytes and the file offset just past it, and returns false to stop.
// Reading stops without an error at the first frame that is torn (the file ends inside it)
// or corrupt: everything from its start is not ours to keep. A frame that would decompress
// to more than `max_frame_bytes` is not one a scan writes (a file compressed afterwards, as
// one frame): ResourceExhausted ("... not written by a scan"), so the caller can leave such a
// file alone. Other errors: the file cannot be read.
absl::Status ReadWholeFrames(
    int fd, Compression compression, size_t max_frame_bytes,
    const std::function<bool(std::string_view text, uint64_t end_offset)>& on_frame);

}  // namespace starttls
