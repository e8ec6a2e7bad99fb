// ScanEngine: runs SMTP sessions against endpoints pulled from a TargetSource and hands each
// finished session to a callback. One io_uring ring per worker thread, shared-nothing; a
// ring holds up to `sessions_per_ring` sessions (its registered file table is capped by
// RLIMIT_NOFILE, and each ring has its own), so 60k open sessions take three rings here.
//
//   EngineConfig config;                       // timeouts, EHLO name, caps
//   config.max_open_sessions = 50'000;
//   ScheduleAdmission admission({.rate_per_second = 5000, .max_per_ip = 2});
//   config.admission = &admission;
//   ScanEngine engine;
//   std::string error;
//   engine.Run(source, config, [&](const ScanResult& r) { ... }, &error);
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "scanner/engine/engine_types.h"
#include "scanner/engine/loop_lag.h"
#include "scanner/engine/target_source.h"

namespace starttls {

class ScanEngine {
 public:
  ScanEngine() = default;
  ScanEngine(const ScanEngine&) = delete;
  ScanEngine& operator=(const ScanEngine&) = delete;

  // Scans every endpoint `source` yields and calls on_result once per endpoint, serialised
  // (never two calls at once), from the engine's threads. Returns when the source is
  // exhausted (or Stop() was called) and every open session has finished. False with *error
  // when a ring could not be set up (sessions already started still finish first).
  bool Run(TargetSource& source, const EngineConfig& config, const ResultCallback& on_result,
           std::string* error);

  // Stop starting sessions; open ones finish or time out. Thread-safe; Run() then returns.
  void Stop() { stop_.store(true, std::memory_order_relaxed); }
  // Stop, and end every open session now; each still gets its result, recorded as its
  // phase's timeout with the reason "interrupted". Thread-safe.
  void Abort() {
    stop_.store(true, std::memory_order_relaxed);
    abort_.store(true, std::memory_order_relaxed);
  }

  // After Run(): targets taken from the source but never started (parked because their IP
  // was busy when the scan stopped). Empty after a complete run.
  std::vector<EngineTarget> TakeUnstarted() { return std::move(unstarted_); }

  EngineStats stats() const { return counters_.Snapshot(); }
  // How prompt the rings' loops were over the last Run() (all rings together).
  const LoopLag& loop_lag() const { return lag_; }

  // The number of rings Run() would use for `config`.
  static uint32_t RingsFor(const EngineConfig& config, uint32_t* sessions_per_ring);

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> abort_{false};
  EngineCounters counters_;
  std::vector<EngineTarget> unstarted_;
  LoopLag lag_;
};

}  // namespace starttls
