// Writes the `domain` NDJSON record (docs/rules.md §6; output/schema/starttls-scan.schema.json,
// $defs/domain, exchange, endpoint) from a finished DomainVerdict.
#pragma once

#include <cstdint>
#include <string>

#include "resolver/domain_join.h"

namespace starttls {

// Appends one whole line. line_number 0 leaves `line` out (a domain given as an argument);
// now_unix_ms is the record's timestamp. Exchange names come from DNS (untrusted bytes) and
// are written losslessly as raw bytes (one code point per byte, docs/rules.md §6).
void AppendDomainRecord(const DomainVerdict& verdict, uint64_t line_number, int64_t now_unix_ms,
                        std::string* out);

}  // namespace starttls
