// A minimal poll(2) loop driving an MxResolver, for tests, benchmarks and tools that have no
// event loop of their own. The scan engine drives the resolver from its io_uring loop instead.
#pragma once

#include <cstdint>

#include "resolver/mx_resolver.h"

namespace starttls {

// Runs until the resolver is no longer busy (every Resolve() answered) or until the
// CLOCK_MONOTONIC time `deadline_ns` (0: none). Returns true when it became idle.
// `pass_delay_ns` is spent asleep after each pass, as a loop busy with other sessions
// spends it on them.
bool RunUntilIdle(MxResolver& resolver, int64_t deadline_ns = 0, int64_t pass_delay_ns = 0);

}  // namespace starttls
