#include "scanner/targets/input_source.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/monotonic_clock.h"

namespace starttls {

InputRead BlockingFdSource::Read(char* buffer, size_t capacity, size_t* got) {
  *got = 0;
  for (;;) {
    ssize_t n = ::read(fd_, buffer, capacity);
    if (n > 0) {
      *got = static_cast<size_t>(n);
      return InputRead::kBytes;
    }
    if (n == 0) return InputRead::kEnd;
    if (errno == EINTR) continue;
    error_ = std::string("read: ") + std::strerror(errno);
    return InputRead::kError;
  }
}

InputRead StdioSource::Read(char* buffer, size_t capacity, size_t* got) {
  *got = std::fread(buffer, 1, capacity, stream_);
  if (*got > 0) return InputRead::kBytes;
  if (std::ferror(stream_)) {
    error_ = "read error on input stream";
    return InputRead::kError;
  }
  return InputRead::kEnd;
}

BackgroundFdSource::BackgroundFdSource(int fd) : fd_(fd) {
  thread_ = std::thread([this] { Loop(); });
}

BackgroundFdSource::~BackgroundFdSource() {
  stop_.store(true);
  room_.notify_all();
  thread_.join();
}

void BackgroundFdSource::Loop() {
  std::string chunk;
  while (!stop_.load()) {
    {
      // Bounded: wait for room before reading more.
      std::unique_lock<std::mutex> lock(mutex_);
      room_.wait(lock, [this] { return stop_.load() || chunks_.size() < kMaxChunks; });
      if (stop_.load()) return;
    }
    // poll with a timeout, so destruction is noticed even if the producer stays silent.
    pollfd waiting{fd_, POLLIN, 0};
    int ready = ::poll(&waiting, 1, 100);
    if (ready < 0 && errno != EINTR) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::string("poll: ") + std::strerror(errno);
      ended_ = true;
      return;
    }
    if (ready <= 0) continue;
    chunk.resize(kChunkBytes);
    ssize_t n = ::read(fd_, chunk.data(), chunk.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (n <= 0) {
      if (n < 0) error_ = std::string("read: ") + std::strerror(errno);
      ended_ = true;
      return;
    }
    chunk.resize(static_cast<size_t>(n));
    chunks_.push_back(std::move(chunk));
    chunk = std::string();
    last_arrival_ns_.store(MonotonicNowNs());
  }
}

InputRead BackgroundFdSource::Read(char* buffer, size_t capacity, size_t* got) {
  *got = 0;
  std::lock_guard<std::mutex> lock(mutex_);
  while (*got < capacity && !chunks_.empty()) {
    const std::string& front = chunks_.front();
    size_t take = std::min(capacity - *got, front.size() - front_offset_);
    // Bytes, not a C string: no terminator belongs here.
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
    std::memcpy(buffer + *got, front.data() + front_offset_, take);
    *got += take;
    front_offset_ += take;
    if (front_offset_ == front.size()) {
      chunks_.pop_front();
      front_offset_ = 0;
      room_.notify_one();
    }
  }
  if (*got > 0) return InputRead::kBytes;
  if (!ended_) return InputRead::kNotYet;
  return error_.empty() ? InputRead::kEnd : InputRead::kError;
}

std::string BackgroundFdSource::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

std::unique_ptr<InputSource> SourceForDescriptor(int fd) {
  struct stat info {};
  if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) {
    return std::make_unique<BlockingFdSource>(fd);
  }
  return std::make_unique<BackgroundFdSource>(fd);
}

}  // namespace starttls
