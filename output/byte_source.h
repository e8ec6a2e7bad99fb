// Input bytes for the dataset tools: a file or standard input, plain or compressed. The
// compression is recognised by the first bytes (gzip 1F 8B, zstd 28 B5 2F FD), never by the
// file name, so `scan.ndjson` that is really gzip, or a pipe, reads the same. Reading is
// streamed through fixed buffers: memory does not grow with the input.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace starttls {

enum class Compression { kNone, kGzip, kZstd };

std::string_view CompressionName(Compression compression);
// From the first bytes of a stream (fewer than 4 bytes: kNone).
Compression DetectCompression(std::string_view first_bytes);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `out`; returns how many, 0 at the end or on an error
  // (then status() says which).
  virtual size_t Read(char* out, size_t n) = 0;
  virtual absl::Status status() const = 0;
  // Which decompression is applied.
  virtual Compression compression() const = 0;
};

// Opens `path` ("-" is standard input). The FILE is closed when the source is destroyed,
// unless it is stdin.
absl::StatusOr<std::unique_ptr<ByteSource>> OpenByteSource(const std::string& path);

// Reads from an open FILE the caller keeps owning (tests use fmemopen).
std::unique_ptr<ByteSource> ByteSourceFromFile(FILE* file, std::string name);

}  // namespace starttls
