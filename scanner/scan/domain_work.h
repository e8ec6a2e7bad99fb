// What resolving a scan's domains cost, counted by DomainTargets.
#pragma once

#include <cstdint>

namespace starttls {

// What resolving the domains cost (this part): the metadata's `dns` and `dnssec` objects, and
// the policy benchmark's per-domain figures.
struct DomainWork {
  uint64_t queries = 0;         // DNS queries sent (requeries after a CNAME included)
  uint64_t query_timeouts = 0;  // queries that got no answer at all
  uint64_t ad_seen = 0;         // answers that carried the AD bit
  uint64_t policy_fetches = 0;  // MTA-STS policy fetches started (one per domain and host)
};

}  // namespace starttls
