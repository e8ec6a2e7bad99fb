// One worker: a thread's ring, its slab of sessions and its timer wheel. It turns
// completions into session events and session actions into SQEs; it owns nothing another
// worker touches (the shared feed aside).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "scanner/engine/engine_feed.h"
#include "scanner/engine/engine_types.h"
#include "scanner/engine/extension_poller.h"
#include "scanner/engine/loop_lag.h"
#include "scanner/engine/session_table.h"
#include "scanner/engine/source_binding.h"
#include "scanner/engine/timer_wheel.h"
#include "scanner/engine/uring_loop.h"

namespace starttls {

class EngineWorker {
 public:
  // `extension` (may be null) is driven by this worker's ring.
  EngineWorker(const EngineConfig& config, uint32_t capacity, EngineFeed& feed,
               EngineCounters& counters, const std::atomic<bool>& abort, LoopExtension* extension);

  // Runs until the feed is exhausted and every session has finished. False with *error when
  // the ring could not be set up.
  bool Run(std::string* error);

  // How prompt this ring's loop was (valid after Run).
  const LoopLag& lag() const { return lag_; }

 private:
  // Completions handled per chunk (each chunk with a fresh clock), the most time one turn
  // spends on completions, the turn length past which fewer sessions start, and the bounds of
  // the sessions started per turn.
  static constexpr unsigned kCompletionChunk = 64;
  static constexpr int64_t kMaxDrainNs = 20'000'000;
  static constexpr int64_t kTargetPassNs = 10'000'000;
  static constexpr uint32_t kMinStartsPerPass = 16;
  static constexpr uint32_t kMaxStartsPerPass = 1024;

  // Handles ready completions until none is left or kMaxDrainNs passed; returns the time.
  int64_t DrainReady(int64_t now);
  void AdjustStartBudget(int64_t pass_ns);
  // Starts sessions while there is room; returns when to try again (INT64_MAX: no need).
  int64_t StartSessions(int64_t now_ns);
  void Begin(const EngineTarget& target, int64_t now_ns);
  void Execute(uint32_t index, const SessionActions& actions, int64_t now_ns);
  void OnCompletion(const io_uring_cqe& cqe, int64_t now_ns);
  void OnReceive(uint32_t index, const io_uring_cqe& cqe, int64_t now_ns);
  void OnSent(uint32_t index, int result, int64_t now_ns);
  void OnDeadline(uint32_t index, int64_t now_ns);
  void ArmReceive(uint32_t index);
  // Prepares the session's socket and connect: created in the kernel straight into its
  // file slot, or (with a --source-ip for its family) made and bound here first. Returns 0,
  // or the errno that ends the session before anything was submitted.
  int Connect(uint32_t index);
  // The result handed on for a session whose bind failed: the session's own, with the
  // bind error as its error text.
  const SessionResult& BindFailureResult(const SessionSlot& slot);
  void DeliverResult(uint32_t index);
  void InterruptAll(int64_t now_ns);
  // Frees a finished slot once nothing of its socket is in flight (the close included).
  void MaybeRelease(uint32_t index, int64_t now_ns);
  uint64_t CookieFor(UringOp op, uint32_t index);

  uint64_t TickOf(int64_t ns) const { return static_cast<uint64_t>(ns / config_.tick_ns); }
  uint64_t TickAtOrAfter(int64_t ns) const {
    return static_cast<uint64_t>((ns + config_.tick_ns - 1) / config_.tick_ns);
  }

  const EngineConfig& config_;
  EngineFeed& feed_;
  EngineCounters& counters_;
  SessionTable table_;
  std::unique_ptr<TimerWheel> wheel_;
  UringLoop loop_;
  bool feed_exhausted_ = false;
  std::unique_ptr<ExtensionPoller> poller_;
  const std::atomic<bool>& abort_;
  bool interrupted_ = false;
  SourceBinding sources_;
  SessionResult bind_failure_;  // filled by BindFailureResult, valid during one callback
  uint32_t start_budget_ = kMaxStartsPerPass;
  EngineTarget next_target_;  // StartSessions' scratch (keeps its string's buffer)
  LoopLag lag_;
};

}  // namespace starttls
