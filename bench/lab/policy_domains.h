// The lab's domain-policy cases (docs/rules.md §8; RFC 7672 DANE, RFC 8461 MTA-STS, RFC 8460
// TLS-RPT), written into the lab zone when smtp-lab runs with --policy-address: TLSA records
// computed from the lab's real keys (lab_pki_file.h), an insecurely delegated sub-zone
// insecure.lab.test, a TLSA RRset whose signature scripts/lab/sign-zone.sh breaks, MTA-STS TXT
// records and policy sites for policy-lab, TLS-RPT records, and per domain a truth row with
// `dane`, `mta_sts`, `tls_rpt` and `delivery` as §8 names them. Which SMTP behaviour each MX
// has comes from the lab population: the first hosts (address order) with the behaviour a
// case needs, kept out of the ordinary domains. The reasons per row: bench/README.md
// ("Domain policy").
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lab/lab_certs.h"
#include "bench/lab/lab_options.h"
#include "bench/lab/policy_sites.h"
#include "bench/lab/population.h"

namespace starttls::lab {

inline constexpr std::string_view kInsecureZone = "insecure.lab.test";

struct PolicyZone {
  std::string zone;           // records to append to the lab.test zone ($ORIGIN lab.test.)
  std::string insecure_zone;  // the whole insecure.lab.test zone file (unsigned)
  std::string truth;          // domain truth rows, NDJSON
  std::vector<PolicySite> sites;
  std::string bogus;            // "OWNER. TYPE" lines whose RRSIG sign-zone.sh must break
  std::set<uint32_t> reserved;  // hosts the policy domains use: not for ordinary domains
};

bool BuildPolicyZone(const LabOptions& opt, const Population& pop,
                     const std::vector<uint32_t>& hosts, const CertStore& certs, PolicyZone& out,
                     std::string& error);

// The §8 fields of a domain without any policy, in a signed zone: `,"dane":…,"delivery":…`
// to append to its truth row. `behaviours`: each exchange's lab behaviour in preference order
// ("" for an exchange without address). `dnssec`: the MX answer's status ("" to leave it out).
std::string NoPolicyFieldsJson(const std::vector<std::string_view>& behaviours,
                               std::string_view dnssec);

// docs/rules.md §8 `delivery.opportunistic` from the exchanges' behaviours in preference order.
std::string_view OpportunisticDelivery(const std::vector<std::string_view>& behaviours);

}  // namespace starttls::lab
