// A transcript (`{"banner": …, "ehlo": …, "helo": …}`, raw bytes as docs/rules.md §6 encodes them)
// turned into the Conversation the classifier judges. Read with simdjson's On-Demand API in
// one pass over the object; members other than these are ignored.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "scanner/smtp/conversation.h"

namespace starttls {

struct Transcript {
  std::optional<std::string> banner;  // bytes; absent or null: not captured
  std::optional<std::string> ehlo;
  std::optional<std::string> helo;
  std::optional<std::string> id;  // copied to the record
};

// Reads the transcript members of `object`. Errors name the member: not a string, a code
// point above U+00FF (not a byte), given twice.
absl::StatusOr<Transcript> ReadTranscript(simdjson::ondemand::object object);

// `banner` and `helo` are optional; an empty banner means "not captured". No EHLO: an error.
absl::StatusOr<Conversation> ConversationFromTranscript(const Transcript& transcript);

// Frames one reply out of raw bytes, keeping what follows it as trailing data.
CapturedReply CaptureReply(std::string_view bytes);

}  // namespace starttls
