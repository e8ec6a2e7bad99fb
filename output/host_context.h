// What a host record says about how its endpoint came to be scanned, besides the session:
// the input line, the MX names that led to it, whether it is an input target (else only an
// MX host a domain leads to) and how many sessions it took.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace starttls {

struct HostContext {
  uint64_t line = 0;  // 0: none (an argument, or an MX host only)
  std::vector<std::string> names;
  bool from_input = false;
  uint32_t attempts = 1;  // 0 for a target no packet was sent to
};

}  // namespace starttls
