#include "scanner/scan/scan_order.h"

#include <utility>

namespace starttls {

ScanOrder::ScanOrder(InputTargets* input, uint64_t seed, size_t window, Hooks hooks)
    : input_(input), hooks_(std::move(hooks)), window_(seed, window) {}

ScanOrder::Step ScanOrder::Next(int64_t now_ns, InputTarget* out) {
  while (!closed_ && !input_->ended()) {
    switch (input_->Next(&scratch_)) {
      case InputTargets::Got::kTarget:
        waiting_since_ns_ = 0;
        if (hooks_.entered) hooks_.entered(scratch_);
        if (std::optional<InputTarget> evicted = window_.Push(std::move(scratch_))) {
          *out = std::move(*evicted);
          return Step::kTarget;
        }
        continue;
      case InputTargets::Got::kDuplicateName:
        if (hooks_.duplicate_name) hooks_.duplicate_name(scratch_);
        continue;
      case InputTargets::Got::kInvalidLine:
        if (hooks_.invalid_line) hooks_.invalid_line(input_->invalid_line());
        continue;
      case InputTargets::Got::kNotYet: {
        // The producer is slow: after a pause, scan what has arrived.
        if (waiting_since_ns_ == 0) waiting_since_ns_ = now_ns;
        int64_t since = input_->reader().source().last_arrival_ns();
        if (since == 0 || since < waiting_since_ns_) since = waiting_since_ns_;
        if (now_ns - since < kInputPauseNs || window_.empty()) return Step::kWait;
        *out = std::move(*window_.Pop());
        return Step::kTarget;
      }
      case InputTargets::Got::kEnd:
        break;
    }
  }
  if (closed_) return Step::kEnd;
  if (std::optional<InputTarget> rest = window_.Pop()) {
    *out = std::move(*rest);
    return Step::kTarget;
  }
  return Step::kEnd;
}

std::vector<InputTarget> ScanOrder::Close() {
  closed_ = true;
  std::vector<InputTarget> held;
  while (std::optional<InputTarget> item = window_.Pop()) held.push_back(std::move(*item));
  return held;
}

}  // namespace starttls
