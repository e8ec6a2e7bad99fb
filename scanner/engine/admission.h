// The scheduling hooks the engine calls before and after every session: the rate of new
// connections, the per-IP and per-prefix caps and the 421 back-off. The concurrency cap (open
// sessions) is the engine's own (EngineConfig::max_open_sessions).
//
// The engine serialises all calls (one mutex), so implementations need not be thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "base/ip_address.h"
#include "base/token_bucket.h"
#include "scanner/schedule/per_ip_limiter.h"

namespace starttls {

class AdmissionPolicy {
 public:
  virtual ~AdmissionPolicy() = default;

  // Whether the rate allows a new connection at now_ns; if not, *retry_at_ns says when it
  // will. Does not consume anything.
  virtual bool RateReady(int64_t now_ns, int64_t* retry_at_ns) = 0;
  // Whether `endpoint`'s IP may get one more connection now (per-IP cap, back-off). If not,
  // *retry_at_ns is when to ask again (a guess is fine; 0 = when some session finishes).
  virtual bool HostReady(const Endpoint& endpoint, int64_t now_ns, int64_t* retry_at_ns) = 0;
  // A connection to `endpoint` starts now: consume a rate token, count it against the IP.
  virtual void Started(const Endpoint& endpoint, int64_t now_ns) = 0;
  // Its session finished; `back_off` when the server said 421.
  virtual void Finished(const Endpoint& endpoint, bool back_off, int64_t now_ns) = 0;
};

struct ScheduleAdmissionOptions {
  double rate_per_second = 0;    // new connections per second; 0 = unlimited
  double burst = 0;              // connections at once; 0 = max(1, rate / 10)
  uint32_t max_per_ip = 0;       // open connections per IP; 0 = unlimited
  uint32_t max_per_prefix = 0;   // open connections per IPv4 /24 or IPv6 /48; 0 = unlimited
  int64_t back_off_ms = 60'000;  // after a 421, no new connection to that IP for this long
};

// The policy the CLI uses: scanner/schedule's TokenBucket and two PerIpLimiters (one keyed
// by address, one by NetworkPrefix) behind the engine's hooks.
class ScheduleAdmission : public AdmissionPolicy {
 public:
  explicit ScheduleAdmission(ScheduleAdmissionOptions options);

  bool RateReady(int64_t now_ns, int64_t* retry_at_ns) override;
  bool HostReady(const Endpoint& endpoint, int64_t now_ns, int64_t* retry_at_ns) override;
  void Started(const Endpoint& endpoint, int64_t now_ns) override;
  void Finished(const Endpoint& endpoint, bool back_off, int64_t now_ns) override;

 private:
  ScheduleAdmissionOptions options_;
  TokenBucket bucket_;
  PerIpLimiter per_ip_;
  PerIpLimiter per_prefix_;  // keyed by NetworkPrefix(ip); its back-off is never used
};

}  // namespace starttls
