// The MTA-STS TXT record at `_mta-sts.<domain>` (RFC 8461 §3.1): records that do not begin
// with the version field `v=STSv1` are ignored; exactly one must remain (two or more: the
// domain has no usable policy, an error), and it must parse: `id=` 1..32 letters and digits,
// exactly once, extension fields with valid names and values tolerated.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace starttls {

enum class MtaStsTxtState {
  kNone,   // no record begins with v=STSv1: the domain has no MTA-STS
  kFound,  // one valid record; `id` holds its id
  kError,  // v=STSv1 records, but not exactly one valid one; `error` says why
};

struct MtaStsTxt {
  MtaStsTxtState state = MtaStsTxtState::kNone;
  std::string id;
  std::string error;
};

// `records`: the TXT RRs of the name, each RR's strings joined (DnsAnswer::txt).
MtaStsTxt ParseMtaStsTxt(std::span<const std::string> records);

}  // namespace starttls
