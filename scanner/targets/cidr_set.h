// CidrSet: a set of address blocks with O(log n) membership. Blocks are kept per family as
// sorted, merged, disjoint intervals [first, last] of host-order values, so a lookup is one
// binary search whatever the overlap in the input. Build with Add() then Finalize(); a set
// that is not finalised still answers correctly, by a linear scan.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/ip_address.h"
#include "scanner/targets/cidr.h"

namespace starttls {

class CidrSet {
 public:
  CidrSet() = default;

  void Add(const Cidr& cidr);
  // Sorts and merges; call once after the last Add() for O(log n) lookups.
  void Finalize();

  bool Contains(const IpAddress& ip) const;

  bool empty() const { return v4_.empty() && v6_.empty(); }
  // Disjoint intervals held per family (after Finalize(): merged count).
  size_t v4_interval_count() const { return v4_.size(); }
  size_t v6_interval_count() const { return v6_.size(); }

  // One CIDR or address per line; '#' starts a comment; blank lines skipped; surrounding
  // whitespace trimmed. A bad line fails the whole load with
  // "<source_name>:<line>: not an IP address or CIDR: <text>". Lines are capped at 1024 bytes.
  static absl::StatusOr<CidrSet> LoadFile(const std::string& path);
  static absl::StatusOr<CidrSet> LoadStream(std::FILE* stream, const std::string& source_name);
  // The same format from a string (for flags and tests).
  static absl::StatusOr<CidrSet> ParseText(std::string_view text, const std::string& source_name);

 private:
  struct V4Interval {
    uint32_t first, last;
  };
  struct V6Interval {
    Uint128 first, last;
  };

  template <typename Interval>
  static void SortAndMerge(std::vector<Interval>* intervals);

  std::vector<V4Interval> v4_;
  std::vector<V6Interval> v6_;
  bool finalized_ = true;  // an empty set is trivially finalised
};

// Shared by CidrSet loading and the target-line parser: strips a '#' comment and trims
// ASCII whitespace (SP, TAB, CR, LF, VT, FF) from both ends.
std::string_view StripCommentAndTrim(std::string_view line);
// Renders untrusted bytes for an error message: printable ASCII kept, others as \xHH,
// cut to max_bytes of input with "..." appended when cut.
std::string EscapeForMessage(std::string_view bytes, size_t max_bytes = 64);

}  // namespace starttls
