#include "resolver/domain_join.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "scanner/policy/dane_matcher.h"
#include "scanner/policy/mta_sts_txt.h"

namespace starttls {

std::string_view ComputeDomainVerdict(const DomainResolution& resolution,
                                      const std::vector<JoinedEndpoint>& endpoints) {
  if (resolution.rcode != "NOERROR") return "dns_error";
  if (resolution.kind == DomainResolution::kNull) return "no_mail";
  if (resolution.kind == DomainResolution::kNone) return "dns_error";
  // MX records whose exchanges have no address: DNS answered, but no server can be reached.
  if (endpoints.empty()) return "unreachable";
  std::optional<EhloClass> weakest;
  for (const JoinedEndpoint& e : endpoints) {
    if (e.status != ScanStatus::kSuccess || !e.cls) continue;
    if (!weakest || *e.cls < *weakest) weakest = e.cls;
  }
  return weakest ? EhloClassName(*weakest) : std::string_view("unreachable");
}

std::optional<PolicyFetchKey> PolicyFetchOf(const DomainResolution& resolution,
                                            uint16_t fetch_port) {
  if (!resolution.policy || resolution.policy_host_addresses.empty()) return std::nullopt;
  if (ParseMtaStsTxt(resolution.mta_sts_txt.records).state != MtaStsTxtState::kFound) {
    return std::nullopt;
  }
  // One attempt (docs/rules.md §8): the policy host's first address, A before AAAA.
  return PolicyFetchKey{Endpoint{resolution.policy_host_addresses.front(), fetch_port},
                        resolution.domain};
}

DomainJoin::DomainJoin(uint16_t port, uint16_t fetch_port, DomainJoinLimits limits)
    : port_(port), fetch_port_(fetch_port), limits_(limits) {}

void DomainJoin::AddDomain(DomainResolution resolution, std::vector<Endpoint>* to_scan,
                           std::vector<PolicyFetchKey>* to_fetch,
                           std::vector<DomainVerdict>* done) {
  const uint64_t id = next_id_++;
  // The MTA-STS policy: known already, being fetched, or to fetch now.
  bool fetch_pending = false;
  SharedPolicyFetch policy_fetch;
  if (std::optional<PolicyFetchKey> key = PolicyFetchOf(resolution, fetch_port_)) {
    if (auto known = finished_fetches_.find(*key); known != finished_fetches_.end()) {
      policy_fetch = known->second;
    } else {
      auto [running, fresh] = pending_fetches_.try_emplace(*key);
      if (fresh) to_fetch->push_back(*key);
      running->second.push_back(id);
      fetch_pending = true;
    }
  }
  const bool scannable =
      resolution.rcode == "NOERROR" &&
      (resolution.kind == DomainResolution::kMx || resolution.kind == DomainResolution::kImplicit);
  std::vector<JoinedEndpoint> endpoints;
  if (scannable) {
    for (const Exchange& exchange : resolution.exchanges) {
      for (const IpAddress& ip : exchange.addresses) {
        const Endpoint endpoint{ip, port_};
        const bool seen =
            std::any_of(endpoints.begin(), endpoints.end(),
                        [&](const JoinedEndpoint& j) { return j.endpoint == endpoint; });
        if (!seen)
          endpoints.push_back(
              JoinedEndpoint{endpoint, ScanStatus::kSuccess, std::nullopt, nullptr});
      }
    }
  }
  absl::InlinedVector<uint32_t, 4> unfinished;  // slots still to be scanned
  for (uint32_t slot = 0; slot < endpoints.size(); ++slot) {
    if (auto fin = finished_.find(endpoints[slot].endpoint); fin != finished_.end()) {
      endpoints[slot].status = fin->second.status;
      endpoints[slot].cls = fin->second.cls;
      endpoints[slot].tls = fin->second.tls;
    } else {
      unfinished.push_back(slot);
    }
  }
  if (unfinished.empty() && !fetch_pending) {
    // Nothing to wait for (the common case once endpoints repeat): the verdict now, without
    // a stay in the table.
    DomainVerdict verdict;
    verdict.resolution = std::move(resolution);
    verdict.endpoints = std::move(endpoints);
    verdict.verdict = ComputeDomainVerdict(verdict.resolution, verdict.endpoints);
    verdict.policy_fetch = std::move(policy_fetch);
    done->push_back(std::move(verdict));
    return;
  }
  PendingDomain domain;
  domain.resolution = std::move(resolution);
  domain.endpoints = std::move(endpoints);
  domain.fetch_pending = fetch_pending;
  domain.policy_fetch = std::move(policy_fetch);
  for (uint32_t slot : unfinished) {
    const Endpoint endpoint = domain.endpoints[slot].endpoint;
    auto [it, inserted] = pending_.try_emplace(endpoint);
    PendingEndpoint& pending = it->second;
    if (inserted) to_scan->push_back(endpoint);
    // The exchange names that lead to this endpoint (two exchanges may share one).
    std::vector<std::string>& names = pending.names;
    for (const Exchange& exchange : domain.resolution.exchanges) {
      if (std::find(exchange.addresses.begin(), exchange.addresses.end(), endpoint.ip) ==
          exchange.addresses.end()) {
        continue;
      }
      if (names.size() < limits_.max_names_per_endpoint &&
          !std::binary_search(names.begin(), names.end(), exchange.name)) {
        names.insert(std::lower_bound(names.begin(), names.end(), exchange.name), exchange.name);
      }
    }
    pending.waiters.emplace_back(id, slot);
    ++domain.unfinished;
  }
  domains_.emplace(id, std::move(domain));
}

const std::vector<std::string>* DomainJoin::NamesOf(const Endpoint& endpoint) const {
  auto it = pending_.find(endpoint);
  return it == pending_.end() ? nullptr : &it->second.names;
}

bool DomainJoin::FinishEndpoint(const Endpoint& endpoint, const HostOutcome& outcome,
                                std::vector<DomainVerdict>* done) {
  auto it = pending_.find(endpoint);
  if (it == pending_.end()) return false;
  std::vector<std::pair<uint64_t, uint32_t>> waiters = std::move(it->second.waiters);
  pending_.erase(it);
  HostOutcome judged = outcome;
  judged.tls = WithDaneMatches(endpoint, outcome, waiters);
  judged.chain_der = {};
  RememberFinished(endpoint, judged);
  for (const auto& [id, slot] : waiters) {
    auto d = domains_.find(id);
    if (d == domains_.end()) continue;
    PendingDomain& domain = d->second;
    domain.endpoints[slot].status = judged.status;
    domain.endpoints[slot].cls = judged.cls;
    domain.endpoints[slot].tls = judged.tls;
    if (--domain.unfinished == 0 && !domain.fetch_pending) Complete(id, done);
  }
  return true;
}

SharedEndpointTls DomainJoin::WithDaneMatches(
    const Endpoint& endpoint, const HostOutcome& outcome,
    const std::vector<std::pair<uint64_t, uint32_t>>& waiters) {
  if (outcome.tls == nullptr || outcome.chain_der.empty()) return outcome.tls;
  std::shared_ptr<EndpointTls> tls;
  for (const auto& [id, slot] : waiters) {
    auto d = domains_.find(id);
    if (d == domains_.end()) continue;
    for (const Exchange& exchange : d->second.resolution.exchanges) {
      if (exchange.tlsa.empty() || std::find(exchange.addresses.begin(), exchange.addresses.end(),
                                             endpoint.ip) == exchange.addresses.end()) {
        continue;
      }
      if (tls == nullptr) tls = std::make_shared<EndpointTls>(*outcome.tls);
      if (tls->DaneMatch(exchange.name).has_value()) continue;
      bool matched = MatchDane(exchange.tlsa, outcome.chain_der, exchange.name).matched;
      tls->dane_matches.emplace_back(exchange.name, matched);
    }
  }
  return tls != nullptr ? SharedEndpointTls(std::move(tls)) : outcome.tls;
}

void DomainJoin::FinishFetch(const PolicyFetchKey& key, SharedPolicyFetch outcome,
                             std::vector<DomainVerdict>* done) {
  auto it = pending_fetches_.find(key);
  if (it == pending_fetches_.end()) return;
  std::vector<uint64_t> waiters = std::move(it->second);
  pending_fetches_.erase(it);
  if (limits_.max_finished_fetches > 0 && finished_fetches_.emplace(key, outcome).second) {
    finished_fetch_order_.push_back(key);
    while (finished_fetches_.size() > limits_.max_finished_fetches) {
      finished_fetches_.erase(finished_fetch_order_.front());
      finished_fetch_order_.pop_front();
    }
  }
  for (uint64_t id : waiters) {
    auto d = domains_.find(id);
    if (d == domains_.end()) continue;
    d->second.policy_fetch = outcome;
    d->second.fetch_pending = false;
    if (d->second.unfinished == 0) Complete(id, done);
  }
}

void DomainJoin::RecordScanned(const Endpoint& endpoint, const HostOutcome& outcome,
                               std::vector<DomainVerdict>* done) {
  if (!FinishEndpoint(endpoint, outcome, done)) RememberFinished(endpoint, outcome);
}

void DomainJoin::AppendPendingDomains(std::vector<std::string>* names) const {
  for (const auto& [id, domain] : domains_) names->push_back(domain.resolution.domain);
}

void DomainJoin::Complete(uint64_t id, std::vector<DomainVerdict>* done) {
  auto it = domains_.find(id);
  if (it == domains_.end()) return;
  DomainVerdict verdict;
  verdict.resolution = std::move(it->second.resolution);
  verdict.endpoints = std::move(it->second.endpoints);
  verdict.policy_fetch = std::move(it->second.policy_fetch);
  domains_.erase(it);
  verdict.verdict = ComputeDomainVerdict(verdict.resolution, verdict.endpoints);
  done->push_back(std::move(verdict));
}

void DomainJoin::RememberFinished(const Endpoint& endpoint, const FinishedEndpoint& result) {
  if (limits_.max_finished_endpoints == 0) return;
  if (finished_.insert_or_assign(endpoint, result).second) finished_order_.push_back(endpoint);
  while (finished_.size() > limits_.max_finished_endpoints) {
    finished_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

}  // namespace starttls
