// MTA-STS MX patterns (RFC 8461 §4.1, docs/rules.md §8): an MX host name is covered by a
// policy's `mx:` pattern when it equals the pattern, ASCII case ignored, or when the pattern
// is `*.` followed by a name and the host name is exactly one label more than that name
// (`*.example.com` covers `mx.example.com`, not `a.b.example.com`, not `example.com`).
// A trailing dot on either side is ignored.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace starttls {

bool MxPatternMatches(std::string_view pattern, std::string_view mx_host);

// True when some pattern in `patterns` covers `mx_host`.
bool MxCoveredByPolicy(std::span<const std::string> patterns, std::string_view mx_host);

}  // namespace starttls
