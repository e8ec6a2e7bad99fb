// The scan's signal and status thread: SIGINT/SIGTERM are blocked in every thread and taken
// here with sigtimedwait, so no handler ever runs inside the engine. First signal: stop
// starting sessions; second: cut open ones short. Once a second it prints the status line
// (stderr) and the status CSV row (--status-updates-file), flushes the records written so
// far (a reader following the output, or a kill -9, never waits on a buffer), and ends the
// scan's starting of sessions when --max-runtime has passed.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>
#include <utility>

#include "scanner/engine/scan_engine.h"
#include "scanner/scan/scan_log.h"
#include "scanner/scan/scan_tally.h"

namespace starttls {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards.
void BlockStopSignals();

struct SupervisorOptions {
  bool print_status = true;
  FILE* status_csv = nullptr;          // owned by the caller; the header is written at Start
  double max_runtime_s = 0;            // 0: none
  std::function<void()> every_second;  // e.g. flush the records written so far
};

class Supervisor {
 public:
  Supervisor(ScanEngine* engine, const ScanTally* tally, ScanLog* log, SupervisorOptions options)
      : engine_(engine), tally_(tally), log_(log), options_(std::move(options)) {}

  void Start();
  void Finish() {
    done_.store(true);
    thread_.join();
  }
  int signals() const { return signals_.load(); }
  bool runtime_reached() const { return runtime_reached_.load(); }

 private:
  void Loop();
  void Report(double elapsed_s, uint64_t* done_before);

  ScanEngine* engine_;
  const ScanTally* tally_;
  ScanLog* log_;
  SupervisorOptions options_;
  std::atomic<bool> done_{false};
  std::atomic<int> signals_{0};
  std::atomic<bool> runtime_reached_{false};
  std::thread thread_;
};

}  // namespace starttls
