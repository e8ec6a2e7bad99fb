// Running counts of a scan, for the status line and the metadata file: records by status,
// class and anomaly, targets read / done / in flight. Updated from the engine's threads.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>

#include "base/scan_status.h"
#include "scanner/smtp/anomaly.h"

namespace starttls {

struct TallySnapshot {
  std::array<uint64_t, static_cast<size_t>(ScanStatus::kCount)> by_status{};
  std::array<uint64_t, static_cast<size_t>(EhloClass::kCount)> by_class{};
  std::array<uint64_t, static_cast<size_t>(Anomaly::kCount)> by_anomaly{};
  uint64_t targets_seen = 0;   // this shard's targets read so far (addresses and domains)
  uint64_t hosts_done = 0;     // host records written
  uint64_t hosts_from_mx = 0;  // of those, MX hosts only (not input targets)
  uint64_t input_errors = 0;   // error records for bad lines
  uint64_t domains = 0;        // domain records
  uint64_t restored_done = 0;  // targets_done() of the parts a resumed scan continues
  bool input_finished = false;

  // Records of this shard's targets: input hosts and domains (the status line's "done").
  uint64_t targets_done() const { return hosts_done - hosts_from_mx + domains; }
};

class ScanTally {
 public:
  // A resumed scan starts from the counts of the records already written.
  void Restore(const TallySnapshot& counts);
  void CountHost(ScanStatus status, const std::optional<EhloClass>& cls, AnomalySet anomalies,
                 bool from_input);
  void CountTarget();
  void CountInputError();
  void CountDomain();
  void InputFinished();
  TallySnapshot Snapshot() const;

 private:
  mutable std::mutex mutex_;
  TallySnapshot counts_;
};

}  // namespace starttls
