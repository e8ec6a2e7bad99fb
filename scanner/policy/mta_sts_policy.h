// The MTA-STS policy text (RFC 8461 §3.2): `key: value` lines ended by LF or CRLF, keys
// case-sensitive. `version: STSv1`, `mode: enforce|testing|none`, `max_age:` seconds
// (1-10 digits, at most 31557600) and one or more `mx:` patterns (`*.` then a domain, or a
// domain); of a repeated key the first counts, except `mx`; unknown keys are ignored.
//
// Every syntax problem is one short text in `errors` (with its line number); `usable` says
// whether a sender can use the policy at all: version STSv1, a valid mode and max_age, and at
// least one valid mx pattern unless the mode is `none`. A bad line alone (an unknown mode
// aside) does not make the policy unusable: its key is skipped as if absent.
//
// Bounded: the caller caps the body at 64 KiB; a longer text is refused here too (unusable),
// at most kMaxMtaStsMxPatterns patterns and kMaxMtaStsErrors errors are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace starttls {

enum class MtaStsMode { kEnforce, kTesting, kNone };

inline constexpr size_t kMaxMtaStsPolicyBytes = 64 * 1024;
inline constexpr size_t kMaxMtaStsMxPatterns = 64;
inline constexpr size_t kMaxMtaStsErrors = 16;
inline constexpr uint32_t kMaxMtaStsMaxAge = 31557600;

struct MtaStsPolicy {
  bool usable = false;
  std::optional<MtaStsMode> mode;
  std::optional<uint32_t> max_age;
  std::vector<std::string> mx;  // the valid patterns, as given
  std::vector<std::string> errors;
};

MtaStsPolicy ParseMtaStsPolicy(std::string_view text);

// "enforce", "testing", "none" (docs/rules.md §8 `mta_sts.mode`).
std::string_view MtaStsModeName(MtaStsMode mode);

}  // namespace starttls
