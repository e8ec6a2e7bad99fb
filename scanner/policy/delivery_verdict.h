// What three kinds of sender do with a domain's mail (docs/rules.md §8 `delivery`), as one
// pure function of the MX list in preference order and each endpoint's facts.
//
// - opportunistic (Postfix `may`): the first reached endpoint, MX by MX in preference order
//   and each MX's endpoints in order, decides: `tls` when Postfix sees STARTTLS there and
//   the handshake succeeded, else `clear` (no STARTTLS as Postfix sees it, misordered
//   included, or a failed handshake after which the sender retries in clear); `unreachable`
//   when no endpoint was reached.
// - dane (Postfix `dane`): `not_applicable` unless the DANE state is `usable` or `bogus`;
//   `tls` when some MX has `dane_match` and an endpoint reached where Postfix sees STARTTLS
//   and the handshake succeeded; `defer` otherwise.
// - mta_sts: `not_applicable` unless the MTA-STS state is `ok` with mode `enforce` or
//   `testing`; `tls` when some covered MX is valid (MtaStsMxValid); otherwise `defer` under
//   `enforce`, `report_only` under `testing`.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/policy/dane_state.h"
#include "scanner/policy/mta_sts_policy.h"

namespace starttls {

// One (ip, port) of an MX, from its host record.
struct EndpointFacts {
  bool reached = false;        // status `success`
  bool starttls_seen = false;  // Postfix's view of the EHLO reply offers STARTTLS
  bool handshake_ok = false;   // STARTTLS accepted and the TLS handshake completed
  bool trusted = false;        // chain trusted (system bundle or --ca-file)
  bool name_matches = false;   // the certificate names THIS MX's host name (RFC 6125)
  bool expired = false;        // a certificate of the chain is expired
};

struct MxDeliveryFacts {
  std::string mx;
  std::vector<EndpointFacts> endpoints;  // in the order a sender tries them
  bool dane_match = false;               // `dane.hosts[].match` is true for this MX
  bool sts_covered = false;              // `mta_sts.hosts[].covered`
};

// `mta_sts.state` as docs/rules.md §8 names it.
enum class MtaStsState { kNone, kOk, kError };

struct DeliveryInput {
  std::vector<MxDeliveryFacts> mx;  // in preference order
  DaneState dane_state = DaneState::kNone;
  MtaStsState sts_state = MtaStsState::kNone;
  std::optional<MtaStsMode> sts_mode;  // the policy's mode when the state is ok
};

enum class OpportunisticDelivery { kTls, kClear, kUnreachable };
enum class DaneDelivery { kNotApplicable, kTls, kDefer };
enum class MtaStsDelivery { kNotApplicable, kTls, kDefer, kReportOnly };

struct DeliveryVerdicts {
  OpportunisticDelivery opportunistic = OpportunisticDelivery::kUnreachable;
  DaneDelivery dane = DaneDelivery::kNotApplicable;
  MtaStsDelivery mta_sts = MtaStsDelivery::kNotApplicable;
};

// An endpoint an MTA-STS sender accepts: reached, STARTTLS seen by Postfix, handshake done,
// chain trusted, the name matches the MX name, nothing expired (RFC 8461 §4.2).
bool MtaStsEndpointValid(const EndpointFacts& endpoint);
// `mta_sts.hosts[].valid`: some endpoint of the MX is valid.
bool MtaStsMxValid(std::span<const EndpointFacts> endpoints);

DeliveryVerdicts JudgeDelivery(const DeliveryInput& input);

std::string_view OpportunisticDeliveryName(OpportunisticDelivery verdict);  // tls|clear|unreachable
std::string_view DaneDeliveryName(DaneDelivery verdict);  // not_applicable|tls|defer
std::string_view MtaStsDeliveryName(
    MtaStsDelivery verdict);                          // not_applicable|tls|defer|report_only
std::string_view MtaStsStateName(MtaStsState state);  // none|ok|error

}  // namespace starttls
