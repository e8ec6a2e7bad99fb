// The closed list of anomalies of docs/rules.md §4. The enum is in the names' sorted order, so
// walking a set from the lowest bit up yields the sorted list the output requires.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/enum_names.h"

namespace starttls {

enum class Anomaly : uint8_t {
  kBannerMasked,
  kBareLf,
  kDuplicateKeyword,
  kEhloRejected,
  kGreetingIsKeyword,
  kLineTooLong,
  kMixedReplyCodes,
  kNoEsmtpInBanner,
  kNonAscii,
  kReplyTruncated,
  kStarttlsInGreeting,
  kStarttlsLowercase,
  kStarttlsMasked,
  kStarttlsReadvertised,
  kTrailingData,
  kCount,
};

inline constexpr std::array<std::string_view, static_cast<size_t>(Anomaly::kCount)> kAnomalyNames =
    {
        "banner_masked",
        "bare_lf",
        "duplicate_keyword",
        "ehlo_rejected",
        "greeting_is_keyword",
        "line_too_long",
        "mixed_reply_codes",
        "no_esmtp_in_banner",
        "non_ascii",
        "reply_truncated",
        "starttls_in_greeting",
        "starttls_lowercase",
        "starttls_masked",
        "starttls_readvertised",
        "trailing_data",
};

inline std::string_view AnomalyName(Anomaly anomaly) {
  return kAnomalyNames[static_cast<size_t>(anomaly)];
}

inline std::optional<Anomaly> AnomalyFromName(std::string_view name) {
  return EnumFromName<Anomaly>(kAnomalyNames, name);
}

class AnomalySet {
 public:
  void Add(Anomaly anomaly) { bits_ |= Bit(anomaly); }
  void AddIf(bool condition, Anomaly anomaly) {
    if (condition) Add(anomaly);
  }
  void Merge(AnomalySet other) { bits_ |= other.bits_; }
  bool Has(Anomaly anomaly) const { return (bits_ & Bit(anomaly)) != 0; }
  bool empty() const { return bits_ == 0; }
  uint32_t bits() const { return bits_; }

  // Calls fn(Anomaly) for each member, in sorted name order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t i = 0; i < static_cast<size_t>(Anomaly::kCount); ++i) {
      if (bits_ & (1u << i)) fn(static_cast<Anomaly>(i));
    }
  }

  friend bool operator==(AnomalySet, AnomalySet) = default;

 private:
  static uint32_t Bit(Anomaly anomaly) { return 1u << static_cast<unsigned>(anomaly); }
  uint32_t bits_ = 0;
};

}  // namespace starttls
