#include "scanner/scan/scan_tally.h"

namespace starttls {

void ScanTally::CountHost(ScanStatus status, const std::optional<EhloClass>& cls,
                          AnomalySet anomalies) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_.hosts_done;
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
