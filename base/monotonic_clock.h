// CLOCK_MONOTONIC now, in ns: the one time base of sessions, the timer wheel, the kernel
// timeout and the resolver's deadlines (they are compared with each other in the loop).
#pragma once

#include <time.h>

#include <cstdint>

namespace starttls {

inline int64_t MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace starttls
