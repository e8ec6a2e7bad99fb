// The engine's vocabulary: what a caller configures (EngineConfig), what each finished session
// hands back (ScanResult) and the counters (EngineStats). Kept apart from the ScanEngine
// façade (scan_engine.h) so the engine's own files and its callers include the words without
// the loop, and the façade includes its parts, never the other way round.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/ip_address.h"
#include "base/scan_status.h"
#include "scanner/engine/admission.h"
#include "scanner/engine/loop_extension.h"
#include "scanner/engine/loop_lag.h"
#include "scanner/engine/target_source.h"
#include "scanner/session/policy_fetch_session.h"
#include "scanner/session/session_config.h"
#include "scanner/session/smtp_session.h"

namespace starttls {

struct EngineConfig {
  SessionConfig session;              // EHLO name, per-phase timeouts, reply bounds
  uint32_t max_open_sessions = 1000;  // concurrency cap over all rings
  // Sessions per ring; 0 = as many as RLIMIT_NOFILE allows. Rings (threads) are added until
  // max_open_sessions fit.
  uint32_t sessions_per_ring = 0;
  uint32_t threads = 1;          // at least this many rings, one thread each (--threads)
  unsigned buffer_count = 4096;  // provided receive buffers per ring (power of two)
  unsigned buffer_size = 4096;
  size_t max_deferred = 4096;            // endpoints parked because their IP is busy
  AdmissionPolicy* admission = nullptr;  // rate, per-IP, back-off; nullptr = none
  int64_t tick_ns = 1'000'000;           // timer wheel resolution
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
  uint64_t stale_completions = 0;         // for a slot's earlier occupant (ignored)
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

}  // namespace starttls
