// The `classify` record (docs/rules.md §6): one input transcript, or one ZGrab2 SMTP line,
// judged. The classify subcommand reads and judges; this writes what it hands over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scanner/smtp/conversation.h"

namespace starttls {

// What a ZGrab2 line said of itself; empty views are left out (`status` is always written).
struct Zgrab2Fields {
  std::string_view ip;
  std::string_view domain;
  std::string_view status;
  std::string_view error;
  std::string_view timestamp;  // only an RFC 3339 one is handed over
};

struct ClassifyRecord {
  uint64_t line = 0;
  std::optional<std::string_view> id;  // a transcript's own id
  std::optional<Zgrab2Fields> zgrab2;
  // The judgement; null when there was nothing to judge (a ZGrab2 line without EHLO), in
  // which case `unjudged_status` (empty: left out) and `unjudged_error` are written.
  const ConversationVerdict* verdict = nullptr;
  std::string_view unjudged_status;
  std::string_view unjudged_error;
};

// Appends one record, without its newline.
void AppendClassifyRecord(const ClassifyRecord& record, std::string* out);

}  // namespace starttls
