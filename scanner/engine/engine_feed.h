// What the workers of one scan share: the target source, the admission policy and the
// endpoints parked because their IP was busy, behind one mutex; and the result callback,
// serialised. Everything else (ring, sessions, timers) is per worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "scanner/engine/admission.h"
#include "scanner/engine/engine_types.h"
#include "scanner/engine/target_source.h"

namespace starttls {

class EngineFeed {
 public:
  EngineFeed(TargetSource& source, AdmissionPolicy* admission, size_t max_deferred,
             const std::atomic<bool>& stop, const ResultCallback& on_result)
      : source_(source),
        admission_(admission),
        max_deferred_(max_deferred),
        stop_(stop),
        on_result_(on_result) {}

  enum class Take : uint8_t {
    kGot,        // *out may start now (already counted as started by the policy)
    kWait,       // nothing may start before *retry_at_ns
    kExhausted,  // no more endpoints (or stop requested)
  };
  Take Next(int64_t now_ns, EngineTarget* out, int64_t* retry_at_ns);

  // A session ended: hand the result on (serialised).
  void Finished(const ScanResult& result);
  // Its socket is closed: only now does it stop counting against the per-IP and per-prefix
  // caps (a peer counts a connection open until our close reaches it, not until our record
  // is made); `back_off`: the peer asked us to (421), so its IP waits --backoff.
  void Closed(const Endpoint& endpoint, bool back_off, int64_t now_ns);

  // The targets still parked (busy IP) when the scan stopped; they were never started.
  std::vector<EngineTarget> TakeDeferred();

 private:
  bool TakeDeferred(int64_t now_ns, EngineTarget* out, int64_t* retry_at_ns);

  std::mutex mutex_;
  TargetSource& source_;
  AdmissionPolicy* admission_;
  size_t max_deferred_;
  const std::atomic<bool>& stop_;
  const ResultCallback& on_result_;
  std::deque<EngineTarget> deferred_;
  bool source_done_ = false;
};

}  // namespace starttls
