#include "scanner/engine/extension_poller.h"

#include <poll.h>

namespace starttls {

void ExtensionPoller::Arm(int fd, Watch& watch) {
  if (watch.mask == 0 || watch.armed) return;
  watch.armed = true;
  loop_->PrepPollAdd(fd, watch.mask,
                     Cookie{UringOp::kPoll, static_cast<uint32_t>(fd), watch.generation}.Encode());
}

void ExtensionPoller::Sync(int64_t now_ns) {
  ApplyInterestChanges();
  std::optional<int64_t> deadline = extension_->NextDeadline(now_ns);
  if (deadline.has_value() && *deadline <= now_ns) extension_->OnDeadline(now_ns);
}

void ExtensionPoller::ApplyInterestChanges() {
  changes_.clear();
  extension_->TakeInterestChanges(&changes_);
  for (const FdInterest& change : changes_) {
    Watch& watch = watches_[change.fd];
    unsigned mask = (change.read ? POLLIN : 0) | (change.write ? POLLOUT : 0);
    if (mask != watch.mask) {
      watch.mask = mask;
      watch.generation = (watch.generation + 1) & Cookie::kGenerationMask;
      // A poll armed for the old interest completes in its own time and is then ignored;
      // the new interest gets its own poll.
      watch.armed = false;
    }
    Arm(change.fd, watch);
  }
}

void ExtensionPoller::OnPollCompletion(const Cookie& cookie, int result, int64_t now_ns) {
  int fd = static_cast<int>(cookie.index);
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  Watch& watch = it->second;
  if (cookie.generation != watch.generation) return;  // armed for an earlier interest
  watch.armed = false;
  if (result > 0) {
    auto events = static_cast<unsigned>(result);
    bool error = (events & (POLLERR | POLLHUP)) != 0;
    extension_->OnReady(fd, (events & POLLIN) != 0 || error, (events & POLLOUT) != 0 || error,
                        now_ns);
  }
  if (watch.mask == 0) {
    watches_.erase(fd);
  } else {
    // The extension's reaction may have changed the interest: apply that first. Its deadline
    // waits for the loop's next Sync(), before the loop sleeps (one deadline check per loop
    // pass instead of one per readiness).
    ApplyInterestChanges();
    auto again = watches_.find(fd);
    if (again != watches_.end()) Arm(fd, again->second);
  }
}

std::optional<int64_t> ExtensionPoller::NextWake(int64_t now_ns) {
  return extension_->NextDeadline(now_ns);
}

}  // namespace starttls
