// The built-in blocklist: address ranges no Internet survey should connect to — the IANA
// special-purpose registries plus multicast (see the table in builtin_blocklist.cc for the
// sources). `--allow-reserved` lifts it (the lab and tests scan loopback).
#pragma once

#include <span>
#include <string_view>

#include "base/ip_address.h"
#include "scanner/targets/cidr_set.h"

namespace starttls {

struct SpecialPurposeRange {
  std::string_view cidr;         // "127.0.0.0/8"
  std::string_view description;  // "127.0.0.0/8 Loopback (RFC 1122)": used as a reason text
};

// The table, in registry order.
std::span<const SpecialPurposeRange> BuiltinBlockedRanges();

// The table as a finalised CidrSet, built once (thread-safe).
const CidrSet& BuiltinBlocklist();

// The description of the most specific built-in range that holds ip; empty if none does.
// (A linear scan of ~45 entries: call it only to explain a block, not to decide one.)
std::string_view BuiltinBlockReason(const IpAddress& ip);

}  // namespace starttls
