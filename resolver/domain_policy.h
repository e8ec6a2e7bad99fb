// A finished domain's transport-security policy (docs/rules.md §8): its `dane`, `mta_sts`,
// `tls_rpt` and `delivery` objects, judged from the resolution's DNS facts, the policy fetch
// and the endpoints' results, with scanner/policy's pure rules. Pure: no I/O.
//
// Per MX, `dane.hosts[].match` is true when an endpoint of the MX completed a handshake whose
// chain matched the MX's usable TLSA records, false when one did and none matched, null when
// no endpoint of it got that far (or its chain was not judged against this name: an endpoint
// reached under a new MX name after its session ended).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "resolver/domain_join.h"
#include "scanner/policy/dane_state.h"
#include "scanner/policy/delivery_verdict.h"
#include "scanner/policy/mta_sts_policy.h"
#include "scanner/policy/tls_rpt_txt.h"

namespace starttls {

struct DaneHostView {
  std::string mx;
  std::vector<TlsaRecord> tlsa;
  bool secure = false;
  std::optional<bool> match;
};

struct MtaStsHostView {
  std::string mx;
  bool covered = false;
  bool valid = false;
};

struct DomainPolicyView {
  DaneVerdict dane;
  std::vector<DaneHostView> dane_hosts;

  MtaStsState mta_sts_state = MtaStsState::kNone;
  std::optional<std::string> mta_sts_id;
  std::optional<std::string> mta_sts_fetch;  // docs/rules.md §8 `fetch` name; unset: none made
  MtaStsPolicy mta_sts_policy;               // when fetched and 200
  std::vector<MtaStsHostView> mta_sts_hosts;

  TlsRptTxt tls_rpt;
  DeliveryVerdicts delivery;
};

DomainPolicyView JudgeDomainPolicy(const DomainVerdict& verdict);

}  // namespace starttls
