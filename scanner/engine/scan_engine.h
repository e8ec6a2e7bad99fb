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

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scanner/engine/admission.h"
#include "scanner/engine/loop_extension.h"
#include "scanner/engine/loop_lag.h"
#include "scanner/engine/target_source.h"
#include "scanner/session/session_config.h"
#include "scanner/session/policy_fetch_session.h"
#include "scanner/session/smtp_session.h"
#include "scanner/smtp/scan_status.h"
#include "scanner/targets/ip_address.h"

namespace starttls {

struct EngineConfig {
  SessionConfig session;              // EHLO name, per-phase timeouts, reply bounds
  uint32_t max_open_sessions = 1000;  // concurrency cap over all rings
  // Sessions per ring; 0 = as many as RLIMIT_NOFILE allows. Rings (threads) are added until
  // max_open_sessions fit.
  uint32_t sessions_per_ring = 0;
  uint32_t threads = 1;  // at least this many rings, one thread each (--threads)
  unsigned buffer_count = 4096;       // provided receive buffers per ring (power of two)
  unsigned buffer_size = 4096;
  size_t max_deferred = 4096;         // endpoints parked because their IP is busy
  AdmissionPolicy* admission = nullptr;  // rate, per-IP, back-off; nullptr = none
  int64_t tick_ns = 1'000'000;        // timer wheel resolution
  // The MX name of an endpoint, sent as SNI and checked against its certificate; called once
  // per session as it starts, from the engine's threads (serialised by the caller's own
  // lock). Unset or empty: no name.
  std::function<std::string(const Endpoint&)> server_name;
  // Further event sources for the loop (the MX resolver); ring 0 drives it. May be null.
  LoopExtension* extension = nullptr;
  // --source-ip: connections to IPv4 / IPv6 endpoints are bound to this local address
  // first (its port chosen at connect). Unset: the kernel picks the source as usual. A
  // failed bind ends that session as connection-refused ("bind to source …: …").
  std::optional<IpAddress> source_v4;
  std::optional<IpAddress> source_v6;
};

// One finished session. Valid only during the callback (it lives in the engine's slab;
// verdict.ehlo points into session.conversation). For an MTA-STS policy fetch, `fetch` and
// `policy_domain` are set and `session` is an empty SMTP result.
struct ScanResult {
  const Endpoint& endpoint;
  int64_t started_unix_ms;  // wall clock when the session started
  const SessionResult& session;
  const PolicyFetchResult* fetch = nullptr;
  std::string_view policy_domain{};
};

using ResultCallback = std::function<void(const ScanResult&)>;

// Counters for benchmarks and the status line; read at any time.
struct EngineStats {
  uint64_t sessions_started = 0;
  uint64_t sessions_finished = 0;
  uint64_t open_sessions = 0;
  uint64_t peak_open_sessions = 0;
  uint64_t completions = 0;
  uint64_t stale_completions = 0;    // for a slot's earlier occupant (ignored)
  uint64_t receive_buffer_shortages = 0;  // recv ended with ENOBUFS and was re-armed
  uint32_t rings = 0;
  std::array<uint64_t, static_cast<size_t>(ScanStatus::kCount)> by_status{};
};

// The live counters behind EngineStats (shared by the workers).
struct EngineCounters {
  std::atomic<uint64_t> sessions_started{0};
  std::atomic<uint64_t> sessions_finished{0};
  std::atomic<uint64_t> open_sessions{0};
  std::atomic<uint64_t> peak_open_sessions{0};
  std::atomic<uint64_t> completions{0};
  std::atomic<uint64_t> stale_completions{0};
  std::atomic<uint64_t> receive_buffer_shortages{0};
  std::atomic<uint32_t> rings{0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ScanStatus::kCount)> by_status{};

  void SessionOpened();
  void SessionClosed() { open_sessions.fetch_sub(1, std::memory_order_relaxed); }
  EngineStats Snapshot() const;
};

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
