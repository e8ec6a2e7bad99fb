#include "tests/resolver/poll_driver.h"

#include <poll.h>

#include <algorithm>
#include <ctime>
#include <vector>

#include "base/monotonic_clock.h"

namespace starttls {
bool RunUntilIdle(MxResolver& resolver, int64_t deadline_ns, int64_t pass_delay_ns) {
  std::vector<pollfd> fds;
  while (resolver.busy()) {
    int64_t now = MonotonicNowNs();
    if (deadline_ns != 0 && now >= deadline_ns) return false;
    fds.clear();
    for (const auto& [fd, bits] : resolver.sockets()) {
      short events = 0;
      if (bits & 1) events |= POLLIN;
      if (bits & 2) events |= POLLOUT;
      fds.push_back(pollfd{fd, events, 0});
    }
    int64_t wake = deadline_ns != 0 ? deadline_ns : now + 1000000000;  // re-check each second
    if (std::optional<int64_t> next = resolver.NextTimeout(now)) wake = std::min(wake, *next);
    // Round up to whole ms so the timer has really expired when we call OnTimer.
    const int64_t wait_ms = std::max<int64_t>(0, (wake - now + 999999) / 1000000);
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(wait_ms));
    if (ready > 0) {
      for (const pollfd& p : fds) {
        if (p.revents & (POLLIN | POLLERR | POLLHUP)) resolver.OnReadable(p.fd);
        if (p.revents & POLLOUT) resolver.OnWritable(p.fd);
      }
    }
    now = MonotonicNowNs();
    if (std::optional<int64_t> next = resolver.NextTimeout(now); next && *next <= now) {
      resolver.OnTimer(now);
    }
    if (pass_delay_ns > 0) {
      timespec pause{pass_delay_ns / 1'000'000'000, pass_delay_ns % 1'000'000'000};
      nanosleep(&pause, nullptr);
    }
  }
  return true;
}

}  // namespace starttls
