#include "scanner/scan/dry_run.h"

#include <string>
#include <thread>

#include "base/monotonic_clock.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/scan/scan_order.h"

namespace starttls {

int RunDryRun(InputTargets* input, const ScanOptions& options, FILE* out) {
  // The feed's own ScanOrder, with nothing to do on entry: the order is the scan's.
  ScanOrder order(input, options.seed, 65536, ScanOrder::Hooks{});
  InputTarget target;
  uint64_t printed = 0;
  char ip[64];
  while (options.max_targets == 0 || printed < options.max_targets) {
    ScanOrder::Step step = order.Next(MonotonicNowNs(), &target);
    if (step == ScanOrder::Step::kEnd) break;
    if (step == ScanOrder::Step::kWait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    ++printed;
    if (target.is_domain()) {
      std::fprintf(out, "%s\n", target.domain.c_str());
    } else if (options.ports.size() == 1 && target.endpoint.port == options.ports.front()) {
      target.endpoint.ip.FormatTo(ip, sizeof(ip));
      std::fprintf(out, "%s\n", ip);
    } else {
      std::fprintf(out, "%s\n", target.endpoint.ToString().c_str());
    }
  }
  if (std::fflush(out) != 0) return kExitFailed;
  const absl::Status& status = input->reader().status();
  if (!status.ok()) {
    std::fprintf(stderr, "starttls-scan: reading input: %s\n",
                 std::string(status.message()).c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace starttls
