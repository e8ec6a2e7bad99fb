#include <algorithm>

#include "scanner/engine/admission.h"
#include "scanner/schedule/network_prefix.h"

namespace starttls {
namespace {

double BurstOf(const ScheduleAdmissionOptions& options) {
  return options.burst > 0 ? options.burst : std::max(1.0, options.rate_per_second / 10);
}

}  // namespace

ScheduleAdmission::ScheduleAdmission(ScheduleAdmissionOptions options)
    : options_(options),
      bucket_(options.rate_per_second, BurstOf(options)),
      per_ip_(options.max_per_ip),
      per_prefix_(options.max_per_prefix) {}

bool ScheduleAdmission::RateReady(int64_t now_ns, int64_t* retry_at_ns) {
  int64_t wait = bucket_.NanosUntilNext(now_ns);
  if (wait == 0) return true;
  *retry_at_ns = now_ns + wait;
  return false;
}

bool ScheduleAdmission::HostReady(const Endpoint& endpoint, int64_t now_ns, int64_t* retry_at_ns) {
  if (per_ip_.IsBlocked(endpoint.ip, now_ns)) {
    *retry_at_ns = per_ip_.BlockedUntil(endpoint.ip);
    return false;
  }
  if (options_.max_per_ip != 0 && per_ip_.InFlight(endpoint.ip) >= options_.max_per_ip) {
    *retry_at_ns = 0;  // when one of its sessions finishes
    return false;
  }
  if (options_.max_per_prefix != 0 &&
      per_prefix_.InFlight(NetworkPrefix(endpoint.ip)) >= options_.max_per_prefix) {
    *retry_at_ns = 0;
    return false;
  }
  return true;
}

void ScheduleAdmission::Started(const Endpoint& endpoint, int64_t now_ns) {
  bucket_.TryTake(now_ns);
  per_ip_.TryAcquire(endpoint.ip);
  per_prefix_.TryAcquire(NetworkPrefix(endpoint.ip));
}

void ScheduleAdmission::Finished(const Endpoint& endpoint, bool back_off, int64_t now_ns) {
  per_ip_.Release(endpoint.ip);
  per_prefix_.Release(NetworkPrefix(endpoint.ip));
  if (back_off) per_ip_.BackOff(endpoint.ip, now_ns, options_.back_off_ms * 1'000'000);
}

}  // namespace starttls
