#include "scanner/targets/target_policy.h"

#include <string>
#include <utility>
#include <vector>

#include "scanner/targets/builtin_blocklist.h"

namespace starttls {
namespace {

// Reason texts for built-in ranges are "built-in blocklist: <description>", made once.
struct BuiltinReasons {
  std::vector<std::string> texts;
  BuiltinReasons() {
    for (const SpecialPurposeRange& r : BuiltinBlockedRanges()) {
      texts.push_back("built-in blocklist: " + std::string(r.description));
    }
  }
};

std::string_view BuiltinReasonFor(const IpAddress& ip) {
  static const BuiltinReasons* const reasons = new BuiltinReasons();
  std::string_view description = BuiltinBlockReason(ip);
  auto ranges = BuiltinBlockedRanges();
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].description.data() == description.data()) return reasons->texts[i];
  }
  return "built-in blocklist";
}

}  // namespace

TargetPolicy::TargetPolicy(bool allow_reserved, CidrSet user_blocklist,
                           std::optional<CidrSet> allowlist)
    : allow_reserved_(allow_reserved),
      user_blocklist_(std::move(user_blocklist)),
      allowlist_(std::move(allowlist)) {
  user_blocklist_.Finalize();
  if (allowlist_) allowlist_->Finalize();
}

TargetVerdict TargetPolicy::Decide(const IpAddress& ip) const {
  if (!allow_reserved_ && BuiltinBlocklist().Contains(ip)) {
    return {TargetDecision::kBuiltinBlocked, BuiltinReasonFor(ip)};
  }
  if (user_blocklist_.Contains(ip)) {
    return {TargetDecision::kUserBlocked, "in the blocklist file"};
  }
  if (allowlist_ && !allowlist_->Contains(ip)) {
    return {TargetDecision::kNotAllowlisted, "not in the allowlist file"};
  }
  return {TargetDecision::kAllowed, {}};
}

}  // namespace starttls
