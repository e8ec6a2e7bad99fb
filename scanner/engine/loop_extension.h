// Event sources the engine's loop drives besides SMTP sessions: plain file descriptors to
// poll and one deadline. The MX resolver plugs in here, so c-ares runs inside the same
// io_uring loop as the sessions (IORING_OP_POLL_ADD on its sockets, its timeouts on the
// loop's timer) with no thread and no blocking call of its own. Driven by ring 0 only; an extension
// that is also the TargetSource (other rings call its Next()) locks what the two share.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace starttls {

struct FdInterest {
  int fd = -1;
  bool read = false;
  bool write = false;  // read == write == false: the fd is gone, stop polling it
};

class LoopExtension {
 public:
  virtual ~LoopExtension() = default;

  // Interest changes since the last call, oldest first.
  virtual void TakeInterestChanges(std::vector<FdInterest>* changes) = 0;
  // `fd` is readable/writable (or in error: both reported). A stale call is harmless.
  virtual void OnReady(int fd, bool readable, bool writable, int64_t now_ns) = 0;
  // The absolute CLOCK_MONOTONIC time the extension next needs OnDeadline, if any.
  virtual std::optional<int64_t> NextDeadline(int64_t now_ns) = 0;
  virtual void OnDeadline(int64_t now_ns) = 0;
};

}  // namespace starttls
