#include "scanner/policy/mx_pattern.h"

#include "scanner/smtp/ascii.h"

namespace starttls {
namespace {

std::string_view WithoutTrailingDot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

}  // namespace

bool MxPatternMatches(std::string_view pattern, std::string_view mx_host) {
  pattern = WithoutTrailingDot(pattern);
  mx_host = WithoutTrailingDot(mx_host);
  if (pattern.empty() || mx_host.empty()) return false;
  if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    const std::string_view base = pattern.substr(2);
    const size_t dot = mx_host.find('.');
    // The wildcard is one whole, non-empty leftmost label.
    if (base.empty() || dot == 0 || dot == std::string_view::npos) return false;
    return EqualsIgnoreCase(mx_host.substr(dot + 1), base);
  }
  return EqualsIgnoreCase(pattern, mx_host);
}

bool MxCoveredByPolicy(std::span<const std::string> patterns, std::string_view mx_host) {
  for (const std::string& pattern : patterns) {
    if (MxPatternMatches(pattern, mx_host)) return true;
  }
  return false;
}

}  // namespace starttls
