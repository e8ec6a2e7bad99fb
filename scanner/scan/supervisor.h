// The scan's signal and status thread: SIGINT/SIGTERM are blocked in every thread and taken
// here with sigtimedwait, so no handler ever runs inside the engine. First signal: stop
// starting sessions; second: cut open ones short. Once a second it prints the status line.
#pragma once

#include <atomic>
#include <thread>

#include "scanner/engine/scan_engine.h"
#include "scanner/scan/scan_tally.h"

namespace starttls {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards.
void BlockStopSignals();

class Supervisor {
 public:
  Supervisor(ScanEngine* engine, const ScanTally* tally, bool print_status)
      : engine_(engine), tally_(tally), print_status_(print_status) {}

  void Start() { thread_ = std::thread([this] { Loop(); }); }
  void Finish() {
    done_.store(true);
    thread_.join();
  }
  int signals() const { return signals_.load(); }

 private:
  void Loop();

  ScanEngine* engine_;
  const ScanTally* tally_;
  bool print_status_;
  std::atomic<bool> done_{false};
  std::atomic<int> signals_{0};
  std::thread thread_;
};

}  // namespace starttls
