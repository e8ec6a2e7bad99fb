// The DANE state of a domain (docs/rules.md §8, RFC 7672 §2.2) from its DNS answers, as a
// pure function: the MX RRset's DNSSEC status and, per MX host, its TLSA lookup at
// `_25._tcp.<mx>`.
//
// DNSSEC status comes from the validating resolver's AD bit, as in Postfix: an answer
// (NOERROR or NXDOMAIN) with AD is secure, without AD insecure; SERVFAIL is bogus (a
// validating resolver answers so when validation fails); no answer (timeout, REFUSED,
// malformed, ...) is indeterminate. A TLSA SERVFAIL counts as bogus only on a signed name:
// when the MX host's own address records were secure (RFC 7672 §2.2.2: DANE applies to a
// host only then); on an unsigned name it is as if there were no TLSA.
//
// The domain's state: `none` unless the MX RRset is secure; otherwise `bogus` when some MX's
// TLSA lookup is bogus (the sender defers for it), else `usable` when some MX has secure TLSA
// records with one usable among them, else `unusable` when some MX has secure TLSA records,
// else `none`. Insecure TLSA records, and TLSA lookups that got no answer, count for nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/policy/tlsa_record.h"

namespace starttls {

enum class DnssecStatus { kSecure, kInsecure, kBogus, kIndeterminate };
enum class DaneState { kNone, kUsable, kUnusable, kBogus };

// One DNS lookup as the resolver answered it.
struct DnsLookupOutcome {
  std::optional<int> rcode;  // unset: no answer at all (timeout, malformed, send failure)
  bool authenticated_data = false;
};

DnssecStatus DnssecStatusOf(const DnsLookupOutcome& lookup);

struct DaneMxInput {
  std::string mx;
  bool name_signed = false;  // the MX host's A/AAAA answers carried AD
  DnsLookupOutcome tlsa_lookup;
  std::vector<TlsaRecord> tlsa;  // the answer's records (DnsAnswer::tlsa)
};

struct DaneInput {
  DnssecStatus mx_rrset = DnssecStatus::kIndeterminate;
  std::vector<DaneMxInput> hosts;  // in MX preference order
};

// Per MX host, what docs/rules.md §8's `dane.hosts` needs besides the records and `match`.
struct DaneHostState {
  DnssecStatus tlsa = DnssecStatus::kIndeterminate;  // the TLSA lookup's status
  bool secure = false;  // the TLSA answer is secure (records or a secure denial)
  bool usable = false;  // secure, with at least one record usable for SMTP
  bool bogus = false;   // SERVFAIL on a signed name
};

struct DaneVerdict {
  DaneState state = DaneState::kNone;
  DnssecStatus dnssec = DnssecStatus::kIndeterminate;  // `dane.dnssec`: the MX RRset's
  std::vector<DaneHostState> hosts;                    // one per input host, same order
};

DaneVerdict JudgeDane(const DaneInput& input);

// "none", "usable", "unusable", "bogus"; and "secure", "insecure", "bogus", "indeterminate".
std::string_view DaneStateName(DaneState state);
std::string_view DnssecStatusName(DnssecStatus status);

}  // namespace starttls
