// The `domain` record's policy objects (docs/rules.md §8), written from the resolver's judged
// DomainPolicyView: `dane`, `mta_sts`, `tls_rpt` and `delivery`, in that order.
#pragma once

#include <string>

#include "resolver/domain_policy.h"

namespace starttls {

// Appends `,"dane":{...},"mta_sts":{...},"tls_rpt":{...},"delivery":{...}` to *out.
void AppendPolicyFields(const DomainPolicyView& view, std::string* out);

}  // namespace starttls
