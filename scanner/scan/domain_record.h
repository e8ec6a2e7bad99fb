// `domain` records (SPEC §6). This build does not resolve MX records yet, so a domain target
// gets a record saying so (verdict dns_error, with the reason) instead of being dropped:
// every input target yields exactly one record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

void AppendUnresolvedDomainRecord(std::string_view domain, uint64_t line_number,
                                  int64_t now_unix_ms, std::string* out);

}  // namespace starttls
