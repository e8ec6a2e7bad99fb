#include "resolver/domain_policy.h"

#include <algorithm>

#include "scanner/policy/mta_sts_txt.h"
#include "scanner/policy/mx_pattern.h"
#include "scanner/tls/certificate_names.h"

namespace starttls {
namespace {

bool HasAddress(const Exchange& exchange, const IpAddress& ip) {
  return std::find(exchange.addresses.begin(), exchange.addresses.end(), ip) !=
         exchange.addresses.end();
}

// The facts of one endpoint as the senders of docs/rules.md §8 see them, for `mx`.
EndpointFacts FactsOf(const JoinedEndpoint& e, const std::string& mx) {
  EndpointFacts facts;
  facts.reached = e.status == ScanStatus::kSuccess;
  // Postfix reads the keyword after line 1 up to SP, TAB or '=': exactly the `compliant` rule.
  facts.starttls_seen = facts.reached && e.cls == EhloClass::kCompliant;
  if (e.tls != nullptr && e.tls->handshake_ok) {
    facts.handshake_ok = true;
    facts.trusted = e.tls->trusted;
    facts.expired = e.tls->expired;
    facts.name_matches = MatchesHostname(e.tls->leaf_names, mx);
  }
  return facts;
}

}  // namespace

DomainPolicyView JudgeDomainPolicy(const DomainVerdict& verdict) {
  const DomainResolution& r = verdict.resolution;
  DomainPolicyView view;
  const bool scannable = r.kind == DomainResolution::kMx || r.kind == DomainResolution::kImplicit;

  // DANE.
  DaneInput dane_input;
  dane_input.mx_rrset = DnssecStatusOf(r.mx_lookup);
  std::vector<const Exchange*> hosts;
  if (scannable) {
    for (const Exchange& exchange : r.exchanges) {
      if (!exchange.error.empty() && exchange.addresses.empty() && !exchange.tlsa_asked) continue;
      hosts.push_back(&exchange);
      dane_input.hosts.push_back(DaneMxInput{exchange.name, exchange.addresses_secure,
                                             exchange.tlsa_lookup, exchange.tlsa});
    }
  }
  view.dane = JudgeDane(dane_input);

  // Per MX: its endpoints' facts, DANE match, MTA-STS coverage.
  MtaStsTxt txt = ParseMtaStsTxt(r.mta_sts_txt.records);
  if (txt.state != MtaStsTxtState::kNone)
    view.mta_sts_id = txt.id.empty() ? std::nullopt : std::optional(txt.id);
  const PolicyFetchOutcome* fetch = verdict.policy_fetch.get();
  if (txt.state == MtaStsTxtState::kFound) {
    if (fetch != nullptr) {
      view.mta_sts_fetch = fetch->fetch;
    } else if (r.policy_host_addresses.empty()) {
      view.mta_sts_fetch = "dns-error";
    }
  }
  bool policy_ok = fetch != nullptr && fetch->fetch == "ok";
  if (policy_ok) view.mta_sts_policy = ParseMtaStsPolicy(fetch->policy);
  view.mta_sts_state = txt.state == MtaStsTxtState::kNone        ? MtaStsState::kNone
                       : policy_ok && view.mta_sts_policy.usable ? MtaStsState::kOk
                                                                 : MtaStsState::kError;

  DeliveryInput delivery;
  delivery.dane_state = view.dane.state;
  delivery.sts_state = view.mta_sts_state;
  if (view.mta_sts_state == MtaStsState::kOk) delivery.sts_mode = view.mta_sts_policy.mode;
  for (size_t h = 0; h < hosts.size(); ++h) {
    const Exchange& exchange = *hosts[h];
    MxDeliveryFacts mx;
    mx.mx = exchange.name;
    std::optional<bool> match;
    for (const JoinedEndpoint& e : verdict.endpoints) {
      if (!HasAddress(exchange, e.endpoint.ip)) continue;
      mx.endpoints.push_back(FactsOf(e, exchange.name));
      if (e.tls != nullptr && e.tls->handshake_ok) {
        if (std::optional<bool> judged = e.tls->DaneMatch(exchange.name)) {
          match = match.value_or(false) || *judged;
        } else if (!view.dane.hosts[h].usable) {
          match = match.value_or(false);  // no usable record: nothing can match
        }
      }
    }
    mx.dane_match = match.value_or(false);
    mx.sts_covered = view.mta_sts_state == MtaStsState::kOk &&
                     MxCoveredByPolicy(view.mta_sts_policy.mx, exchange.name);
    view.dane_hosts.push_back(
        DaneHostView{exchange.name, exchange.tlsa, view.dane.hosts[h].secure, match});
    if (view.mta_sts_state == MtaStsState::kOk) {
      view.mta_sts_hosts.push_back(
          MtaStsHostView{exchange.name, mx.sts_covered, MtaStsMxValid(mx.endpoints)});
    }
    delivery.mx.push_back(std::move(mx));
  }
  view.delivery = JudgeDelivery(delivery);
  view.tls_rpt = ParseTlsRptTxt(r.tls_rpt_txt.records);
  return view;
}

}  // namespace starttls
