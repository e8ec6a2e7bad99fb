#include "scanner/scan/supervisor.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstring>

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

void Supervisor::Loop() {
  sigset_t set = StopSignals();
  absl::Time start = absl::Now();
  absl::Time next_status = start + absl::Seconds(1);
  while (!done_.load()) {
    timespec wait{0, 200'000'000};
    int signal = sigtimedwait(&set, nullptr, &wait);
    if (signal == SIGINT || signal == SIGTERM) {
      int count = ++signals_;
      std::fprintf(stderr, "starttls-scan: %s: %s\n", strsignal(signal),
                   count == 1 ? "no new sessions; open ones finish (signal again to cut them short)"
                              : "cutting open sessions short");
      if (count == 1) {
        engine_->Stop();
      } else {
        engine_->Abort();
      }
    }
    if (absl::Now() < next_status) continue;
    next_status += absl::Seconds(1);
    // TLS objects and replies are freed as sessions end, but malloc keeps the pages; handing
    // them back once a second lets RSS fall again after a burst of handshakes.
    malloc_trim(0);
    if (print_status_) {
      StatusInputs inputs;
      inputs.elapsed_s = absl::ToDoubleSeconds(absl::Now() - start);
      inputs.open_sessions = engine_->stats().open_sessions;
      inputs.tally = tally_->Snapshot();
      std::fprintf(stderr, "%s\n", FormatStatusLine(inputs).c_str());
    }
  }
}

}  // namespace starttls
