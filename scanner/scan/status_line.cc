#include "scanner/scan/status_line.h"

#include <cstdio>

namespace starttls {
namespace {

std::string Duration(double seconds) {
  auto total = static_cast<uint64_t>(seconds < 0 ? 0 : seconds);
  char text[32];
  std::snprintf(text, sizeof(text), "%llu:%02llu:%02llu",
                static_cast<unsigned long long>(total / 3600),
                static_cast<unsigned long long>(total / 60 % 60),
                static_cast<unsigned long long>(total % 60));
  return text;
}

}  // namespace

std::string FormatStatusLine(const StatusInputs& in) {
  const TallySnapshot& t = in.tally;
  double rate = in.elapsed_s > 0 ? static_cast<double>(t.hosts_done) / in.elapsed_s : 0;
  uint64_t success = t.by_status[static_cast<size_t>(ScanStatus::kSuccess)];
  double success_pct = t.hosts_done ? 100.0 * static_cast<double>(success) /
                                          static_cast<double>(t.hosts_done)
                                    : 0;
  // The total is known only once the whole input was read.
  std::string total = t.input_finished ? std::to_string(t.targets_seen)
                                       : std::to_string(t.targets_seen) + "+";
  std::string eta = "?";
  if (t.input_finished && rate > 0) {
    uint64_t left = t.targets_seen > t.hosts_done ? t.targets_seen - t.hosts_done : 0;
    eta = Duration(static_cast<double>(left) / rate);
  }
  char line[512];
  std::snprintf(line, sizeof(line),
                "%s done %llu/%s | %.0f hosts/s | open %llu | success %.1f%% | "
                "compliant %llu misordered %llu no_starttls %llu | errors %llu | ETA %s",
                Duration(in.elapsed_s).c_str(), static_cast<unsigned long long>(t.hosts_done),
                total.c_str(), rate, static_cast<unsigned long long>(in.open_sessions),
                success_pct,
                static_cast<unsigned long long>(t.by_class[static_cast<size_t>(EhloClass::kCompliant)]),
                static_cast<unsigned long long>(
                    t.by_class[static_cast<size_t>(EhloClass::kStarttlsMisordered)]),
                static_cast<unsigned long long>(t.by_class[static_cast<size_t>(EhloClass::kNoStarttls)]),
                static_cast<unsigned long long>(t.input_errors), eta.c_str());
  return line;
}

}  // namespace starttls
