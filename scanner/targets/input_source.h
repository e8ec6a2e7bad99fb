// Where target lines come from: a file read with blocking read(2), a FILE* (tests and
// in-memory argument lists), or — for a pipe, a terminal or a socket, as in
// `zmap -o - | starttls-scan -f -` — a descriptor read by a thread of its own into a
// bounded queue of chunks, so a slow producer never blocks the scan's event loop and the
// scan can start on what has arrived instead of waiting for the end of the input.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace starttls {

enum class InputRead : uint8_t {
  kBytes,   // *got > 0 bytes were copied
  kNotYet,  // nothing is ready now; more may come (only sources fed by a producer)
  kEnd,     // the input has ended
  kError,   // reading failed; error() says why
};

class InputSource {
 public:
  virtual ~InputSource() = default;
  // Copies up to `capacity` (> 0) bytes into `buffer`.
  virtual InputRead Read(char* buffer, size_t capacity, size_t* got) = 0;
  virtual std::string error() const = 0;
  // Monotonic nanoseconds when bytes last arrived (0: never); for sources that may say
  // kNotYet, so the caller can tell a paused producer from a busy one.
  virtual int64_t last_arrival_ns() const { return 0; }
};

// read(2) on a descriptor, blocking (regular files). Does not own the descriptor.
class BlockingFdSource : public InputSource {
 public:
  explicit BlockingFdSource(int fd) : fd_(fd) {}
  InputRead Read(char* buffer, size_t capacity, size_t* got) override;
  std::string error() const override { return error_; }

 private:
  int fd_;
  std::string error_;
};

// fread(3) on a stream. Does not own the stream.
class StdioSource : public InputSource {
 public:
  explicit StdioSource(std::FILE* stream) : stream_(stream) {}
  InputRead Read(char* buffer, size_t capacity, size_t* got) override;
  std::string error() const override { return error_; }

 private:
  std::FILE* stream_;
  std::string error_;
};

// A descriptor read by a background thread (poll + read) into at most kMaxChunks chunks of
// kChunkBytes; Read() never blocks. The thread stops at the end of the input, on an error,
// or when the source is destroyed. Does not own the descriptor.
class BackgroundFdSource : public InputSource {
 public:
  static constexpr size_t kChunkBytes = 64 * 1024;
  static constexpr size_t kMaxChunks = 16;

  explicit BackgroundFdSource(int fd);
  ~BackgroundFdSource() override;
  InputRead Read(char* buffer, size_t capacity, size_t* got) override;
  std::string error() const override;
  int64_t last_arrival_ns() const override { return last_arrival_ns_.load(); }

 private:
  void Loop();

  int fd_;
  mutable std::mutex mutex_;
  std::condition_variable room_;
  std::deque<std::string> chunks_;
  size_t front_offset_ = 0;  // bytes of chunks_.front() already handed out
  bool ended_ = false;
  std::string error_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> last_arrival_ns_{0};
  std::thread thread_;
};

// The source for a descriptor: blocking reads for a regular file, a background reader for
// anything else (pipe, terminal, socket). Does not own the descriptor.
std::unique_ptr<InputSource> SourceForDescriptor(int fd);

}  // namespace starttls
