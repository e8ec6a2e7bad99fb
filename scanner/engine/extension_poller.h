// Drives a LoopExtension from one ring: arms a one-shot IORING_OP_POLL_ADD for every
// descriptor the extension wants watched, hands readiness back, and re-arms while the
// interest lasts. A poll completing for an interest that changed since it was armed is
// recognised by its generation and only re-armed as the current interest says, so a stale
// readiness (a descriptor closed and reused by c-ares) is harmless.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "scanner/engine/loop_extension.h"
#include "scanner/engine/session_table.h"
#include "scanner/engine/uring_loop.h"

namespace starttls {

class ExtensionPoller {
 public:
  ExtensionPoller(LoopExtension* extension, UringLoop* loop) : extension_(extension), loop_(loop) {}

  // Applies the extension's interest changes (arming polls), then fires its deadline when due.
  void Sync(int64_t now_ns);
  void OnPollCompletion(const Cookie& cookie, int result, int64_t now_ns);
  // When the loop must wake up for the extension at the latest.
  std::optional<int64_t> NextWake(int64_t now_ns);

 private:
  struct Watch {
    unsigned mask = 0;        // what the extension wants now (0: nothing)
    uint32_t generation = 0;  // bumped whenever the interest changes
    bool armed = false;       // a poll of this generation is in flight
  };
  void Arm(int fd, Watch& watch);
  // Arms polls for the extension's interest changes since the last call.
  void ApplyInterestChanges();

  LoopExtension* extension_;
  UringLoop* loop_;
  absl::flat_hash_map<int, Watch> watches_;
  std::vector<FdInterest> changes_;
};

}  // namespace starttls
