#include "resolver/domain_join.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"

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

DomainJoin::DomainJoin(uint16_t port, DomainJoinLimits limits) : port_(port), limits_(limits) {}

void DomainJoin::AddDomain(DomainResolution resolution, std::vector<Endpoint>* to_scan,
                           std::vector<DomainVerdict>* done) {
  const uint64_t id = next_id_++;
  const bool scannable = resolution.rcode == "NOERROR" &&
                         (resolution.kind == DomainResolution::kMx ||
                          resolution.kind == DomainResolution::kImplicit);
  std::vector<JoinedEndpoint> endpoints;
  if (scannable) {
    for (const Exchange& exchange : resolution.exchanges) {
      for (const IpAddress& ip : exchange.addresses) {
        const Endpoint endpoint{ip, port_};
        const bool seen = std::any_of(endpoints.begin(), endpoints.end(),
                                      [&](const JoinedEndpoint& j) { return j.endpoint == endpoint; });
        if (!seen) endpoints.push_back(JoinedEndpoint{endpoint, ScanStatus::kSuccess, std::nullopt, nullptr});
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
  if (unfinished.empty()) {
    // Nothing to wait for (the common case once endpoints repeat): the verdict now, without
    // a stay in the table.
    DomainVerdict verdict;
    verdict.resolution = std::move(resolution);
    verdict.endpoints = std::move(endpoints);
    verdict.verdict = ComputeDomainVerdict(verdict.resolution, verdict.endpoints);
    done->push_back(std::move(verdict));
    return;
  }
  PendingDomain domain;
  domain.resolution = std::move(resolution);
  domain.endpoints = std::move(endpoints);
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
  RememberFinished(endpoint, outcome);
  for (const auto& [id, slot] : waiters) {
    auto d = domains_.find(id);
    if (d == domains_.end()) continue;
    PendingDomain& domain = d->second;
    domain.endpoints[slot].status = outcome.status;
    domain.endpoints[slot].cls = outcome.cls;
    domain.endpoints[slot].tls = outcome.tls;
    if (--domain.unfinished == 0) Complete(id, done);
  }
  return true;
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
  domains_.erase(it);
  verdict.verdict = ComputeDomainVerdict(verdict.resolution, verdict.endpoints);
  done->push_back(std::move(verdict));
}

void DomainJoin::RememberFinished(const Endpoint& endpoint, FinishedEndpoint result) {
  if (limits_.max_finished_endpoints == 0) return;
  if (finished_.insert_or_assign(endpoint, result).second) finished_order_.push_back(endpoint);
  while (finished_.size() > limits_.max_finished_endpoints) {
    finished_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

}  // namespace starttls
