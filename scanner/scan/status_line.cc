#include "scanner/scan/status_line.h"

#include <cstdio>

#include "output/rfc3339.h"

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

// The figures both forms show, computed once.
struct Figures {
  uint64_t done = 0;   // records of this shard's targets (this run and resumed parts)
  uint64_t total = 0;  // this shard's targets read so far
  bool total_known = false;
  double rate = 0;         // this run's targets done per second
  double success_pct = 0;  // of host records
  double percent = 0;
  double eta_s = -1;  // unknown: < 0
  uint64_t compliant = 0, misordered = 0, no_starttls = 0, errors = 0;
};

Figures Compute(const StatusInputs& in) {
  const TallySnapshot& t = in.tally;
  Figures f;
  f.done = t.targets_done();
  f.total = t.targets_seen;
  f.total_known = t.input_finished;
  uint64_t this_run = f.done >= t.restored_done ? f.done - t.restored_done : 0;
  f.rate = in.elapsed_s > 0 ? static_cast<double>(this_run) / in.elapsed_s : 0;
  uint64_t success = t.by_status[static_cast<size_t>(ScanStatus::kSuccess)];
  f.success_pct =
      t.hosts_done ? 100.0 * static_cast<double>(success) / static_cast<double>(t.hosts_done) : 0;
  if (f.total_known && f.total > 0) {
    f.percent = 100.0 * static_cast<double>(f.done) / static_cast<double>(f.total);
    if (f.rate > 0) f.eta_s = static_cast<double>(f.total > f.done ? f.total - f.done : 0) / f.rate;
  }
  f.compliant = t.by_class[static_cast<size_t>(EhloClass::kCompliant)];
  f.misordered = t.by_class[static_cast<size_t>(EhloClass::kStarttlsMisordered)];
  f.no_starttls = t.by_class[static_cast<size_t>(EhloClass::kNoStarttls)];
  f.errors = t.input_errors;
  return f;
}

}  // namespace

std::string FormatStatusLine(const StatusInputs& in) {
  Figures f = Compute(in);
  std::string total = std::to_string(f.total) + (f.total_known ? "" : "+");
  std::string eta = f.eta_s >= 0 ? Duration(f.eta_s) : "?";
  char line[512];
  std::snprintf(line, sizeof(line),
                "%s done %llu/%s | %.0f targets/s | open %llu | success %.1f%% | "
                "compliant %llu misordered %llu no_starttls %llu | errors %llu | ETA %s",
                Duration(in.elapsed_s).c_str(), static_cast<unsigned long long>(f.done),
                total.c_str(), f.rate, static_cast<unsigned long long>(in.open_sessions),
                f.success_pct, static_cast<unsigned long long>(f.compliant),
                static_cast<unsigned long long>(f.misordered),
                static_cast<unsigned long long>(f.no_starttls),
                static_cast<unsigned long long>(f.errors), eta.c_str());
  return line;
}

std::string StatusCsvHeader() {
  return "real-time,time-elapsed,time-remaining,percent-complete,done,total,total-known,"
         "rate,done-last-second,open-sessions,success-percent,compliant,starttls-misordered,"
         "no-starttls,input-errors\n";
}

std::string FormatStatusCsvRow(const StatusInputs& in) {
  Figures f = Compute(in);
  char row[512];
  std::snprintf(
      row, sizeof(row), "%s,%.0f,%s,%.2f,%llu,%llu,%d,%.1f,%llu,%llu,%.2f,%llu,%llu,%llu,%llu\n",
      FormatRfc3339UnixMillis(in.now_unix_ms).c_str(), in.elapsed_s,
      f.eta_s >= 0 ? std::to_string(static_cast<int64_t>(f.eta_s)).c_str() : "", f.percent,
      static_cast<unsigned long long>(f.done), static_cast<unsigned long long>(f.total),
      f.total_known ? 1 : 0, f.rate, static_cast<unsigned long long>(in.done_last_second),
      static_cast<unsigned long long>(in.open_sessions), f.success_pct,
      static_cast<unsigned long long>(f.compliant), static_cast<unsigned long long>(f.misordered),
      static_cast<unsigned long long>(f.no_starttls), static_cast<unsigned long long>(f.errors));
  return row;
}

}  // namespace starttls
