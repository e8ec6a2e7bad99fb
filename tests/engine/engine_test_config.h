// The engine configuration the engine tests share: short deadlines so failure paths end
// quickly, and small buffers and session tables so slots and buffers get reused.
#pragma once

#include <cstddef>

#include "scanner/engine/scan_engine.h"

namespace starttls::testing {

inline EngineConfig TestEngineConfig(int banner_ms, size_t max_open_sessions) {
  SessionTimeouts timeouts;
  timeouts.connect_ms = 2000;
  timeouts.banner_ms = banner_ms;
  timeouts.command_ms = 2000;
  timeouts.session_ms = 10'000;
  EngineConfig config;
  config.session = SessionConfig("scanner.test", timeouts);
  config.max_open_sessions = max_open_sessions;
  config.buffer_count = 256;
  config.buffer_size = 1024;
  return config;
}

}  // namespace starttls::testing
