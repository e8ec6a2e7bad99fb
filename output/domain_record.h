// Writes the `domain` NDJSON record (docs/rules.md §6; output/schema/starttls-scan.schema.json,
// $defs/domain, exchange, endpoint) from a finished DomainVerdict, or for a domain that could
// not be resolved at all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "resolver/domain_join.h"
#include "resolver/domain_policy.h"

namespace starttls {

// Appends one whole line. `policy` (DomainPolicyView from JudgeDomainPolicy) adds the policy
// objects; null leaves them out (a scan without domain policy). line_number 0 leaves `line` out
// (a domain given as an argument); now_unix_ms is the record's timestamp. Exchange names come
// from DNS (untrusted bytes) and are written losslessly as raw bytes (one code point per
// byte, docs/rules.md §6).
void AppendDomainRecord(const DomainVerdict& verdict, const DomainPolicyView* policy,
                        uint64_t line_number, int64_t now_unix_ms, std::string* out);

// A domain that could not be resolved at all because no resolver could be set up (no usable
// --resolver or resolv.conf): verdict dns_error with the reason, so that every input target
// still yields exactly one record.
void AppendUnresolvedDomainRecord(std::string_view domain, uint64_t line_number,
                                  std::string_view why, int64_t now_unix_ms, std::string* out);

}  // namespace starttls
