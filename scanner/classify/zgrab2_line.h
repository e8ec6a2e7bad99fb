// One line of ZGrab2's SMTP module output (`{"ip": …, "domain": …, "data": {"smtp": {"status":
// …, "result": {"banner": …, "ehlo": …, "helo": …, "starttls": …}, "timestamp": …, "error": …}}}`)
// read for re-judging by the rules of docs/rules.md §3-4 (`classify --input-format zgrab2`).
//
// ZGrab2 writes replies as JSON text (Go's encoder: valid UTF-8 kept, each invalid byte
// replaced by U+FFFD), not in our one-code-point-per-byte form, so a reply's bytes are the
// UTF-8 bytes of its text: exact for everything Go could keep.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace starttls {

struct Zgrab2Line {
  std::string ip;
  std::string domain;     // "" when ZGrab2 had none
  std::string status;     // data.smtp.status
  std::string error;      // data.smtp.error
  std::string timestamp;  // data.smtp.timestamp, as ZGrab2 wrote it
  std::optional<std::string> banner;
  std::optional<std::string> ehlo;
  std::optional<std::string> helo;
  std::optional<std::string> starttls;
};

// Reads the members above from one line's object; others are ignored. Fails when a member
// has the wrong type or there is no data.smtp object.
absl::StatusOr<Zgrab2Line> ReadZgrab2Line(simdjson::ondemand::object object);

}  // namespace starttls
