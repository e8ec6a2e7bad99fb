#include "scanner/engine/engine_feed.h"

#include <algorithm>

namespace starttls {
namespace {

// When a busy IP gives no time, look again after this long (or when a session ends).
constexpr int64_t kHostPollNs = 20'000'000;
// When the source has nothing yet but may later (names resolving), ask again after this long;
// the resolver's own completions wake the loop sooner.
constexpr int64_t kSourcePollNs = 5'000'000;

int64_t Earliest(int64_t a, int64_t b) { return a < b ? a : b; }

}  // namespace

bool EngineFeed::TakeDeferred(int64_t now_ns, EngineTarget* out, int64_t* retry_at_ns) {
  for (auto it = deferred_.begin(); it != deferred_.end(); ++it) {
    int64_t retry = 0;
    if (admission_->HostReady(it->endpoint, now_ns, &retry)) {
      *out = std::move(*it);
      deferred_.erase(it);
      return true;
    }
    *retry_at_ns = Earliest(*retry_at_ns, retry > now_ns ? retry : now_ns + kHostPollNs);
  }
  return false;
}

EngineFeed::Take EngineFeed::Next(int64_t now_ns, EngineTarget* out, int64_t* retry_at_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_.load(std::memory_order_relaxed)) return Take::kExhausted;
  if (admission_ == nullptr) {
    if (source_done_) return Take::kExhausted;
    if (source_.Next(out)) return Take::kGot;
    if (source_.Done()) {
      source_done_ = true;
      return Take::kExhausted;
    }
    *retry_at_ns = now_ns + kSourcePollNs;
    return Take::kWait;
  }
  *retry_at_ns = INT64_MAX;
  int64_t rate_retry = 0;
  if (!admission_->RateReady(now_ns, &rate_retry)) {
    if (source_done_ && deferred_.empty()) return Take::kExhausted;
    *retry_at_ns = rate_retry;
    return Take::kWait;
  }
  bool got = TakeDeferred(now_ns, out, retry_at_ns);
  // Pull new endpoints while parking busy ones, as long as there is room to park.
  while (!got && !source_done_ && deferred_.size() < max_deferred_) {
    EngineTarget next;
    if (!source_.Next(&next)) {
      if (source_.Done()) {
        source_done_ = true;
      } else {
        *retry_at_ns = Earliest(*retry_at_ns, now_ns + kSourcePollNs);
      }
      break;
    }
    int64_t retry = 0;
    if (admission_->HostReady(next.endpoint, now_ns, &retry)) {
      *out = std::move(next);
      got = true;
    } else {
      deferred_.push_back(std::move(next));
      *retry_at_ns = Earliest(*retry_at_ns, retry > now_ns ? retry : now_ns + kHostPollNs);
    }
  }
  if (got) {
    admission_->Started(out->endpoint, now_ns);
    return Take::kGot;
  }
  if (source_done_ && deferred_.empty()) return Take::kExhausted;
  if (*retry_at_ns == INT64_MAX) *retry_at_ns = now_ns + kHostPollNs;
  return Take::kWait;
}

std::vector<EngineTarget> EngineFeed::TakeDeferred() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<EngineTarget> parked(deferred_.begin(), deferred_.end());
  deferred_.clear();
  return parked;
}

void EngineFeed::Finished(const ScanResult& result) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (on_result_) on_result_(result);
}

void EngineFeed::Closed(const Endpoint& endpoint, bool back_off, int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (admission_ != nullptr) admission_->Finished(endpoint, back_off, now_ns);
}

}  // namespace starttls
