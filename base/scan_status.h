// The closed list of host statuses (docs/rules.md §6) and EHLO classes (docs/rules.md §4).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/enum_names.h"

namespace starttls {

enum class ScanStatus : uint8_t {
  kSuccess,
  kConnectionRefused,
  kConnectionTimeout,
  kConnectionReset,
  kBannerTimeout,
  kIoTimeout,
  kProtocolError,
  kRejected,
  kRateLimited,
  kBlocklisted,
  kCount,
};

inline constexpr std::array<std::string_view, static_cast<size_t>(ScanStatus::kCount)>
    kScanStatusNames = {
        "success",        "connection-refused", "connection-timeout", "connection-reset",
        "banner-timeout", "io-timeout",         "protocol-error",     "rejected",
        "rate-limited",   "blocklisted",
};

inline std::string_view ScanStatusName(ScanStatus status) {
  return kScanStatusNames[static_cast<size_t>(status)];
}

// Ordered weakest first: a domain's verdict is the minimum over its reached endpoints.
enum class EhloClass : uint8_t {
  kNoStarttls,
  kStarttlsMisordered,
  kCompliant,
  kCount,
};

inline constexpr std::array<std::string_view, static_cast<size_t>(EhloClass::kCount)>
    kEhloClassNames = {"no_starttls", "starttls_misordered", "compliant"};

inline std::string_view EhloClassName(EhloClass cls) {
  return kEhloClassNames[static_cast<size_t>(cls)];
}

}  // namespace starttls
