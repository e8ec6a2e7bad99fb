#include "scanner/scan/scan_tally.h"

namespace starttls {

void ScanTally::Restore(const TallySnapshot& counts) {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_ = counts;
  counts_.targets_seen = 0;
  counts_.input_finished = false;
  counts_.restored_done = counts.targets_done();
}

void ScanTally::CountHost(ScanStatus status, const std::optional<EhloClass>& cls,
                          AnomalySet anomalies, bool from_input) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.hosts_done;
  if (!from_input) ++counts_.hosts_from_mx;
  ++counts_.by_status[static_cast<size_t>(status)];
  if (cls.has_value()) ++counts_.by_class[static_cast<size_t>(*cls)];
  anomalies.ForEach([this](Anomaly a) { ++counts_.by_anomaly[static_cast<size_t>(a)]; });
}

void ScanTally::CountTarget() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.targets_seen;
}

void ScanTally::CountInputError() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.input_errors;
}

void ScanTally::CountDomain() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.domains;
}

void ScanTally::InputFinished() {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_.input_finished = true;
}

TallySnapshot ScanTally::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

}  // namespace starttls
