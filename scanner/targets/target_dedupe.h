// TargetDedupe: every distinct target read so far, so that a repeated line is counted as a
// duplicate and never scanned twice, and so that every shard of a scan numbers the distinct
// targets alike (BalancedShards). It holds ALL targets of the input, not only this shard's.
//
// Memory per target: an IPv4 endpoint is kept exactly in 8 bytes (address, port); an IPv6
// endpoint exactly in 24; a domain as a 128-bit fingerprint made of two independent 64-bit
// hashes (Abseil's and FNV-1a), because hundreds of millions of names would not fit as
// text. Two different domains share a fingerprint with probability about n^2 / 2^129 (for a
// billion domains, below 10^-20): the one place where "exact" means "exact but for a chance
// far below a disk error". Flat hash sets add about a byte per slot and keep load under 7/8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "base/ip_address.h"

namespace starttls {

class TargetDedupe {
 public:
  // True the first time `endpoint` is inserted.
  bool InsertEndpoint(const Endpoint& endpoint);
  // True the first time `domain` (normalised: lower case, no trailing dot) is inserted.
  bool InsertDomain(std::string_view domain);

  size_t size() const { return v4_.size() + v6_.size() + domains_.size(); }

 private:
  struct V6Key {
    uint64_t high = 0;
    uint64_t low = 0;
    uint16_t port = 0;
    friend bool operator==(const V6Key&, const V6Key&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const V6Key& k) {
      return H::combine(std::move(h), k.high, k.low, k.port);
    }
  };
  struct Fingerprint {
    uint64_t first = 0;
    uint64_t second = 0;
    friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const Fingerprint& f) {
      return H::combine(std::move(h), f.first);
    }
  };

  absl::flat_hash_set<uint64_t> v4_;
  absl::flat_hash_set<V6Key> v6_;
  absl::flat_hash_set<Fingerprint> domains_;
};

}  // namespace starttls
