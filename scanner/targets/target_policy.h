// TargetPolicy: decides whether an address may be scanned. Order of precedence (the first
// rule that applies wins, as in ZMap where the blocklist overrides the allowlist):
//   1. the built-in blocklist of special-purpose ranges, unless allow_reserved;
//   2. the user's --blocklist-file;
//   3. if an allowlist is given, only addresses inside it are allowed.
// Decisions are O(log n) and allocation-free; the reason text points at static storage.
#pragma once

#include <optional>
#include <string_view>

#include "base/ip_address.h"
#include "scanner/targets/cidr_set.h"

namespace starttls {

enum class TargetDecision { kAllowed, kBuiltinBlocked, kUserBlocked, kNotAllowlisted };

struct TargetVerdict {
  TargetDecision decision = TargetDecision::kAllowed;
  // Empty when allowed; else e.g. "built-in blocklist: 127.0.0.0/8 Loopback (RFC 1122)",
  // "in the blocklist file", "not in the allowlist file". Static storage.
  std::string_view reason;

  bool allowed() const { return decision == TargetDecision::kAllowed; }
};

class TargetPolicy {
 public:
  // No user lists; the built-in blocklist applies unless allow_reserved.
  explicit TargetPolicy(bool allow_reserved = false) : allow_reserved_(allow_reserved) {}
  TargetPolicy(bool allow_reserved, CidrSet user_blocklist, std::optional<CidrSet> allowlist);

  TargetVerdict Decide(const IpAddress& ip) const;

  bool allow_reserved() const { return allow_reserved_; }
  bool has_allowlist() const { return allowlist_.has_value(); }

 private:
  bool allow_reserved_;
  CidrSet user_blocklist_;
  std::optional<CidrSet> allowlist_;
};

}  // namespace starttls
