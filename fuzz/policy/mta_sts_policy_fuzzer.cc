// Fuzzes the MTA-STS policy parser: caps hold, a usable policy has what a sender needs, and
// every pattern it keeps covers the host names it stands for (MX pattern matching).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scanner/policy/mta_sts_policy.h"
#include "scanner/policy/mx_pattern.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const starttls::MtaStsPolicy policy = starttls::ParseMtaStsPolicy(text);
  if (policy.mx.size() > starttls::kMaxMtaStsMxPatterns) std::abort();
  if (policy.errors.size() > starttls::kMaxMtaStsErrors) std::abort();
  for (const std::string& error : policy.errors) {
    if (error.empty() || error.size() > 64) std::abort();
  }
  if (policy.max_age.has_value() && *policy.max_age > starttls::kMaxMtaStsMaxAge) std::abort();
  if (policy.usable) {
    if (!policy.mode.has_value() || !policy.max_age.has_value()) std::abort();
    if (*policy.mode != starttls::MtaStsMode::kNone && policy.mx.empty()) std::abort();
  }
  for (const std::string& pattern : policy.mx) {
    if (pattern.empty() || text.find(pattern) == std::string_view::npos) std::abort();
    if (pattern.rfind("*.", 0) == 0) {
      if (!starttls::MxPatternMatches(pattern, "mx" + pattern.substr(1))) std::abort();
      if (starttls::MxPatternMatches(pattern, pattern.substr(2))) std::abort();
    } else if (!starttls::MxPatternMatches(pattern, pattern)) {
      std::abort();
    }
  }
  return 0;
}
