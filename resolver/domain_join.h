// DomainJoin: joins domains to the endpoints they lead to, and endpoints' scan results back
// to domains' verdicts (docs/rules.md §6). A pure data structure: no I/O, no clock.
//
// The scan pipeline adds each DomainResolution; DomainJoin returns the endpoints (ip, port)
// that are new, so each endpoint is scanned once however many domains share it, and keeps
// every MX name that led to it (for the host record's `names`). When an endpoint's scan
// finishes, FinishEndpoint() marks it; a domain whose endpoints are all finished gets its
// verdict and leaves the table.
//
// Verdict: dns_error when the rcode is not NOERROR or there is neither MX nor address;
// no_mail for a null MX; otherwise the weakest class (no_starttls < starttls_misordered <
// compliant) among REACHED endpoints, or unreachable when none was reached — including MX
// records none of whose exchanges has an address (DNS answered; no server to reach). Reached means
// the scan's status is `success` (an SMTP dialogue that got a class); `rejected`, `rate-limited`,
// `blocklisted` and every network failure count as not reached, since they tell nothing
// about how this domain's mail would be protected.
//
// Domain policy (docs/rules.md §8): a domain whose MTA-STS TXT record is found waits for its
// policy fetch too. Fetches are keyed by (policy host address, domain): a fetch already done
// or running for the key is shared, not repeated. When an endpoint finishes with TLS, its
// chain is matched against the TLSA records of every MX name the waiting domains reach it by
// (the matches are kept with its TLS facts; a chain is not kept).
//
// Memory: per pending domain its resolution and one slot per endpoint; per scheduled
// endpoint its names (at most max_names_per_endpoint) and the domains waiting for it. A
// finished endpoint leaves only a compact result (~40 bytes, plus its TLS facts shared
// with the domains that hold them) so that a domain resolved later
// to it is answered without a second scan; at most max_finished_endpoints are kept (oldest
// forgotten first: such an endpoint would then be scanned again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/ip_address.h"
#include "base/scan_status.h"
#include "resolver/domain_resolution.h"
#include "scanner/tls/endpoint_tls.h"

namespace starttls {

// How an endpoint's session ended, as far as domains care.
struct HostOutcome {
  ScanStatus status = ScanStatus::kSuccess;
  std::optional<EhloClass> cls;
  SharedEndpointTls tls;  // null when STARTTLS was not sent
  // The chain's DER when the handshake completed and policy is on: valid during the call only.
  std::span<const std::string> chain_der{};
};

// An MTA-STS policy fetch: the policy host's address (and port) and the mail domain.
struct PolicyFetchKey {
  Endpoint endpoint;
  std::string domain;
  friend bool operator==(const PolicyFetchKey&, const PolicyFetchKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const PolicyFetchKey& k) {
    return H::combine(std::move(h), k.endpoint, k.domain);
  }
};

// What a domain record needs of a fetch (the session's PolicyFetchResult, compactly).
struct PolicyFetchOutcome {
  std::string fetch;  // docs/rules.md §8 `fetch` name
  int status_code = 0;
  std::string policy;  // the body of a complete 200 response
  std::string error;
};
using SharedPolicyFetch = std::shared_ptr<const PolicyFetchOutcome>;

struct JoinedEndpoint {
  Endpoint endpoint;
  ScanStatus status = ScanStatus::kSuccess;
  std::optional<EhloClass> cls;
  SharedEndpointTls tls;  // null when STARTTLS was not sent
};

struct DomainVerdict {
  DomainResolution resolution;
  std::vector<JoinedEndpoint> endpoints;  // in the order of exchanges and their addresses
  std::string_view verdict;               // "compliant", ..., "unreachable", "no_mail", "dns_error"
  SharedPolicyFetch policy_fetch;         // set when the MTA-STS policy was fetched
};

struct DomainJoinLimits {
  size_t max_names_per_endpoint = 64;
  size_t max_finished_endpoints = 1 << 20;
  size_t max_finished_fetches = 1 << 16;
};

// Whether `resolution` calls for an MTA-STS policy fetch (its TXT record found, the policy
// host has an address), and its key.
std::optional<PolicyFetchKey> PolicyFetchOf(const DomainResolution& resolution,
                                            uint16_t fetch_port);

// The verdict of a domain from its resolution and its endpoints' results (the rule above).
std::string_view ComputeDomainVerdict(const DomainResolution& resolution,
                                      const std::vector<JoinedEndpoint>& endpoints);

class DomainJoin {
 public:
  // `port`: the port MX hosts are scanned on; `fetch_port`: the policy hosts' (443).
  explicit DomainJoin(uint16_t port, uint16_t fetch_port = 443, DomainJoinLimits limits = {});

  // Adds a domain. Endpoints never seen before are appended to *to_scan (the caller scans
  // each once and reports it through FinishEndpoint), policy fetches neither done nor running
  // to *to_fetch (reported through FinishFetch). When the domain waits for nothing its
  // verdict is appended to *done now.
  void AddDomain(DomainResolution resolution, std::vector<Endpoint>* to_scan,
                 std::vector<PolicyFetchKey>* to_fetch, std::vector<DomainVerdict>* done);
  void AddDomain(DomainResolution resolution, std::vector<Endpoint>* to_scan,
                 std::vector<DomainVerdict>* done) {
    std::vector<PolicyFetchKey> to_fetch;
    AddDomain(std::move(resolution), to_scan, &to_fetch, done);
  }

  // A policy fetch ended; domains now complete are appended to *done.
  void FinishFetch(const PolicyFetchKey& key, SharedPolicyFetch outcome,
                   std::vector<DomainVerdict>* done);

  // The MX names that led to a scheduled, unfinished endpoint (sorted, deduplicated);
  // nullptr when the endpoint is unknown or finished. For the host record's `names`.
  const std::vector<std::string>* NamesOf(const Endpoint& endpoint) const;

  // Records an endpoint's scan result; domains now complete are appended to *done.
  // Returns false when the endpoint was not scheduled by AddDomain (then nothing changes).
  bool FinishEndpoint(const Endpoint& endpoint, const HostOutcome& outcome,
                      std::vector<DomainVerdict>* done);

  // An endpoint that was scanned anyway (an address target of the same run): like
  // FinishEndpoint when domains wait for it, and remembered for domains resolved later, so
  // it is never scanned a second time for them.
  void RecordScanned(const Endpoint& endpoint, const HostOutcome& outcome,
                     std::vector<DomainVerdict>* done);

  size_t pending_domains() const { return domains_.size(); }
  // The names of the domains still waiting for endpoints.
  void AppendPendingDomains(std::vector<std::string>* names) const;
  size_t pending_endpoints() const { return pending_.size(); }
  size_t finished_endpoints() const { return finished_.size(); }

 private:
  struct PendingEndpoint {
    std::vector<std::string> names;
    std::vector<std::pair<uint64_t, uint32_t>> waiters;  // (domain id, slot in its endpoints)
  };
  using FinishedEndpoint = HostOutcome;
  struct PendingDomain {
    DomainResolution resolution;
    std::vector<JoinedEndpoint> endpoints;
    size_t unfinished = 0;
    bool fetch_pending = false;
    SharedPolicyFetch policy_fetch;
  };

  void Complete(uint64_t id, std::vector<DomainVerdict>* done);
  void RememberFinished(const Endpoint& endpoint, const FinishedEndpoint& result);
  // The endpoint's TLS facts with its chain matched against the TLSA records of the names the
  // waiting domains reach it by.
  SharedEndpointTls WithDaneMatches(const Endpoint& endpoint, const HostOutcome& outcome,
                                    const std::vector<std::pair<uint64_t, uint32_t>>& waiters);

  uint16_t port_;
  uint16_t fetch_port_;
  DomainJoinLimits limits_;
  uint64_t next_id_ = 1;
  absl::flat_hash_map<uint64_t, PendingDomain> domains_;
  absl::flat_hash_map<Endpoint, PendingEndpoint> pending_;
  absl::flat_hash_map<Endpoint, FinishedEndpoint> finished_;
  std::deque<Endpoint> finished_order_;
  absl::flat_hash_map<PolicyFetchKey, std::vector<uint64_t>> pending_fetches_;
  absl::flat_hash_map<PolicyFetchKey, SharedPolicyFetch> finished_fetches_;
  std::deque<PolicyFetchKey> finished_fetch_order_;
};

}  // namespace starttls
