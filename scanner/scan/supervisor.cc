#include "scanner/scan/supervisor.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <string>

#include "absl/time/clock.h"
#include "scanner/scan/status_line.h"

namespace starttls {

namespace {

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

void BlockStopSignals() {
  sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void Supervisor::Start() {
  if (options_.status_csv != nullptr) {
    std::string header = StatusCsvHeader();
    std::fwrite(header.data(), 1, header.size(), options_.status_csv);
    std::fflush(options_.status_csv);
  }
  thread_ = std::thread([this] { Loop(); });
}

void Supervisor::Report(double elapsed_s, uint64_t* done_before) {
  StatusInputs inputs;
  inputs.elapsed_s = elapsed_s;
  inputs.open_sessions = engine_->stats().open_sessions;
  inputs.tally = tally_->Snapshot();
  inputs.now_unix_ms = absl::ToUnixMillis(absl::Now());
  uint64_t done = inputs.tally.targets_done();
  inputs.done_last_second = done >= *done_before ? done - *done_before : 0;
  *done_before = done;
  if (options_.print_status) std::fprintf(stderr, "%s\n", FormatStatusLine(inputs).c_str());
  if (options_.status_csv != nullptr) {
    std::string row = FormatStatusCsvRow(inputs);
    std::fwrite(row.data(), 1, row.size(), options_.status_csv);
    std::fflush(options_.status_csv);
  }
}

void Supervisor::Loop() {
  sigset_t set = StopSignals();
  absl::Time start = absl::Now();
  absl::Time next_status = start + absl::Seconds(1);
  uint64_t done_before = tally_->Snapshot().targets_done();
  while (!done_.load()) {
    timespec wait{0, 200'000'000};
    int signal = sigtimedwait(&set, nullptr, &wait);
    if (signal == SIGINT || signal == SIGTERM) {
      int count = ++signals_;
      log_->Line(std::string(strsignal(signal)) + ": " +
                 (count == 1 ? "no new sessions; open ones finish (signal again to cut them short)"
                             : "cutting open sessions short"));
      if (count == 1) {
        engine_->Stop();
      } else {
        engine_->Abort();
      }
    }
    double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
    if (options_.max_runtime_s > 0 && elapsed >= options_.max_runtime_s &&
        !runtime_reached_.exchange(true)) {
      log_->Line("--max-runtime reached: no new sessions; open ones finish");
      engine_->Stop();
    }
    if (absl::Now() < next_status) continue;
    next_status += absl::Seconds(1);
    // TLS objects and replies are freed as sessions end, but malloc keeps the pages; handing
    // them back once a second lets RSS fall again after a burst of handshakes.
    malloc_trim(0);
    if (options_.every_second) options_.every_second();
    Report(elapsed, &done_before);
  }
}

}  // namespace starttls
