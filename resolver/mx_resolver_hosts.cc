// MxResolver: an exchange's addresses (A, AAAA) and, with domain policy, its TLSA records,
// through the host cache every domain shares. Why a cache with waiters: thousands of domains
// name the same few exchanges; each name is asked once, and every domain job that wants it
// waits on the one entry and is filled when it completes.
#include "resolver/mx_resolver.h"

#include <ares.h>

#include <algorithm>
#include <utility>

#include "resolver/dns_query.h"

namespace starttls {

void MxResolver::LookupHost(std::string_view name, HostWaiter waiter, DomainJob& job,
                            bool want_tlsa) {
  if (HostEntry* entry = hosts_.Find(name); entry != nullptr) {
    ++stats_.host_cache_hits;
    if (entry->done) {
      FillWaiter(*entry, waiter);
    } else {
      entry->waiters.push_back(waiter);
      ++job.pending;
    }
    return;
  }
  ++stats_.host_lookups;
  HostEntry& entry = *hosts_.Create(name);
  entry.waiters.push_back(waiter);
  ++job.pending;
  const bool want_v4 = options_.families != AddressFamilies::kIpv6Only;
  const bool want_v6 = options_.families != AddressFamilies::kIpv4Only;
  auto ask = [&](uint16_t type, std::string_view qname) {
    ++entry.pending_queries;
    std::unique_ptr<Query> query = NewQuery(Query::Kind::kHost, type, qname);
    query->host = &entry;
    Send(std::move(query));
  };
  if (want_v4) ask(kDnsTypeA, entry.name());
  if (want_v6) ask(kDnsTypeAaaa, entry.name());
  if (want_tlsa) {
    entry.tlsa_asked = true;
    ask(kDnsTypeTlsa, PolicyQueryName("_25._tcp", entry.name()));
  }
}

void MxResolver::HandleHostAnswer(Query& query, int status, const uint8_t* answer, size_t length) {
  HostEntry& entry = *query.host;
  if (entry.done) return;
  std::string_view rcode;
  bool requeried = false;
  const size_t cap = query.type == kDnsTypeTlsa ? size_t{64} : options_.max_addresses_per_exchange;
  bool ok = ReadAnswer(query, status, answer, length, cap, &rcode, &requeried);
  if (requeried) return;
  const bool answered = status == ARES_SUCCESS && rcode != "BADRESP";
  if (query.type == kDnsTypeTlsa) {
    if (answered) {
      entry.tlsa_lookup.rcode = answer_.rcode;
      entry.tlsa_lookup.authenticated_data = answer_.authenticated_data;
    }
    if (ok) entry.tlsa.assign(answer_.tlsa.begin(), answer_.tlsa.end());
  } else {
    const bool is_a = query.type == kDnsTypeA;
    if (ok) {
      if (is_a) {
        entry.addresses.assign(answer_.addresses.begin(), answer_.addresses.end());
      } else {
        entry.v6.assign(answer_.addresses.begin(), answer_.addresses.end());
      }
      entry.any_address_answer = true;
      entry.addresses_secure &= answer_.authenticated_data;
    }
    (is_a ? entry.rcode_v4 : entry.rcode_v6) = rcode;
    if (rcode != "NOERROR" && entry.failure_rcode.empty()) entry.failure_rcode = rcode;
  }
  if (--entry.pending_queries == 0) CompleteHost(entry);
}

void MxResolver::CompleteHost(HostEntry& entry) {
  entry.done = true;
  entry.addresses_secure = entry.addresses_secure && entry.any_address_answer;
  // At most max_addresses_per_exchange, A first; when both families overflow the cap, each
  // gets half so that neither is starved by the other.
  const size_t cap = options_.max_addresses_per_exchange;
  size_t n4 = entry.addresses.size();
  size_t n6 = entry.v6.size();
  if (n4 + n6 > cap) {
    n4 = std::min(n4, std::max(cap / 2, cap - std::min(cap, n6)));
    n6 = std::min(n6, cap - n4);
  }
  entry.addresses.resize(n4);
  entry.addresses.insert(entry.addresses.end(), entry.v6.begin(),
                         entry.v6.begin() + static_cast<ptrdiff_t>(n6));
  entry.v6 = {};
  if (entry.addresses.empty()) {
    if (entry.failure_rcode.empty()) {
      entry.error = "no address records";
    } else {
      entry.error = "address lookup failed:";
      if (!entry.rcode_v4.empty()) entry.error += " A " + std::string(entry.rcode_v4);
      if (!entry.rcode_v6.empty()) entry.error += " AAAA " + std::string(entry.rcode_v6);
    }
  }
  // Nothing below adds waiters: the entry is done.
  absl::InlinedVector<HostWaiter, 1> waiters = std::move(entry.waiters);
  entry.waiters = {};
  for (const HostWaiter& waiter : waiters) {
    if (FindJob(waiter.domain_id) == nullptr) continue;
    FillWaiter(entry, waiter);
    DomainJob* job = FindJob(waiter.domain_id);
    --job->pending;
    Settle(waiter.domain_id);
  }
  stats_.hosts_evicted += hosts_.Finished(&entry);  // after the waiters: `entry` may go
}

void MxResolver::FillWaiter(const HostEntry& entry, HostWaiter waiter) {
  DomainJob* job = FindJob(waiter.domain_id);
  if (job == nullptr) return;
  DomainResolution& result = job->result;
  if (waiter.exchange_index == kPolicyHostWaiter) {
    result.policy_host_addresses.assign(entry.addresses.begin(), entry.addresses.end());
    result.policy_host_error = entry.error;
    return;
  }
  if (waiter.exchange_index >= result.exchanges.size()) return;
  Exchange& exchange = result.exchanges[waiter.exchange_index];
  exchange.addresses.assign(entry.addresses.begin(), entry.addresses.end());
  exchange.error = entry.error;
  exchange.addresses_secure = entry.addresses_secure;
  exchange.tlsa_asked = entry.tlsa_asked;
  exchange.tlsa_lookup = entry.tlsa_lookup;
  exchange.tlsa = entry.tlsa;
  if (job->implicit && entry.addresses.empty() && !entry.failure_rcode.empty()) {
    result.rcode = std::string(entry.failure_rcode);
  }
}

}  // namespace starttls
