// HostCache: the exchange hosts the resolver has looked up (or is looking up), shared by
// every domain that names them: a provider's MX host asked by a million domains is queried
// once and remembered for the run (bounded: the oldest finished entries are forgotten first).
//
// Entries live in fixed chunks of kChunk (they never move, so queries and the eviction order
// point at them) and are reused after eviction; the name sits inline when short, the
// addresses and the first waiter too in the common case, so a cached host costs no allocation
// of its own and the cache is freed chunk by chunk. The map is keyed by views of the entries'
// own names. Storage only: MxResolver fills the entries from DNS answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "base/ip_address.h"
#include "scanner/policy/dane_state.h"
#include "scanner/policy/tlsa_record.h"

namespace starttls {

// A domain job's interest in a host: which exchange of which domain it fills.
struct HostWaiter {
  uint64_t domain_id = 0;
  uint32_t exchange_index = 0;  // kPolicyHostWaiter: the domain's mta-sts host
};
inline constexpr uint32_t kPolicyHostWaiter = 0xFFFFFFFFu;

struct HostEntry {
  static constexpr size_t kInlineName = 40;

  char short_name[kInlineName];
  std::unique_ptr<char[]> long_name;  // names longer than kInlineName
  uint16_t name_length = 0;
  bool done = false;
  uint8_t pending_queries = 0;
  std::string_view rcode_v4, rcode_v6;  // static texts; empty when that family was not asked
  std::string_view failure_rcode;       // the first family's rcode other than NOERROR, if any
  // While running: the A answer; once done: what every waiter receives (A first, then AAAA).
  absl::InlinedVector<IpAddress, 2> addresses;
  std::vector<IpAddress> v6;  // the AAAA answer while running
  // Every address answer (NOERROR) carried AD: the host name is DNSSEC-signed (RFC 7672 §2.2.2).
  bool addresses_secure = true;
  bool any_address_answer = false;
  // `_25._tcp.<name>` TLSA, when asked (domain policy on).
  bool tlsa_asked = false;
  DnsLookupOutcome tlsa_lookup;
  std::vector<TlsaRecord> tlsa;
  std::string error;  // once done: empty when there are addresses
  absl::InlinedVector<HostWaiter, 1> waiters;

  std::string_view name() const {
    return std::string_view(long_name ? long_name.get() : short_name, name_length);
  }
};

class HostCache {
 public:
  explicit HostCache(size_t max_finished) : max_finished_(max_finished) {}

  // The entry for `name`, running or done; nullptr when unknown.
  HostEntry* Find(std::string_view name);
  // A fresh entry for `name` (not yet known), registered under its name.
  HostEntry* Create(std::string_view name);
  // `entry` is done: it joins the eviction order; the oldest done entries over the cap are
  // forgotten (their storage reused). Returns how many were evicted.
  size_t Finished(HostEntry* entry);

  size_t size() const { return hosts_.size(); }

 private:
  static constexpr size_t kChunk = 1024;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const {
      return absl::Hash<absl::string_view>{}(absl::string_view(name.data(), name.size()));
    }
  };
  struct NameEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  size_t max_finished_;
  absl::flat_hash_map<std::string_view, HostEntry*, NameHash, NameEq> hosts_;
  std::vector<std::unique_ptr<HostEntry[]>> chunks_;
  std::vector<HostEntry*> free_;     // unused entries of chunks_
  std::deque<HostEntry*> finished_;  // eviction order of done entries
};

}  // namespace starttls
