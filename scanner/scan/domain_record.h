// The `domain` record of a domain that could not be resolved at all because no resolver
// could be set up (no usable --resolver or resolv.conf): verdict dns_error with the reason,
// so that every input target still yields exactly one record. Resolved domains get theirs
// from resolver/domain_record_writer.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

void AppendUnresolvedDomainRecord(std::string_view domain, uint64_t line_number,
                                  std::string_view why, int64_t now_unix_ms, std::string* out);

}  // namespace starttls
