#include "scanner/targets/target_dedupe.h"

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace starttls {
namespace {

// FNV-1a, 64-bit (Fowler, Noll, Vo), then a final avalanche so short names spread well.
uint64_t Fnv1a64(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  return hash;
}

}  // namespace

bool TargetDedupe::InsertEndpoint(const Endpoint& endpoint) {
  if (endpoint.ip.is_v4()) {
    return v4_.insert((uint64_t{endpoint.ip.v4_value()} << 16) | endpoint.port).second;
  }
  Uint128 value = endpoint.ip.value();
  return v6_
      .insert(
          V6Key{static_cast<uint64_t>(value >> 64), static_cast<uint64_t>(value), endpoint.port})
      .second;
}

bool TargetDedupe::InsertDomain(std::string_view domain) {
  Fingerprint fingerprint{
      absl::Hash<absl::string_view>{}(absl::string_view(domain.data(), domain.size())),
      Fnv1a64(domain)};
  return domains_.insert(fingerprint).second;
}

}  // namespace starttls
