// A transcript (`{"banner": …, "ehlo": …, "helo": …}`, raw bytes as docs/rules.md §6 encodes them)
// turned into the Conversation the classifier judges.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "output/json_value.h"
#include "scanner/smtp/conversation.h"

namespace starttls {

// `banner` and `helo` are optional; an empty banner means "not captured".
absl::StatusOr<Conversation> ConversationFromTranscript(const JsonValue& transcript);

// Frames one reply out of raw bytes, keeping what follows it as trailing data.
CapturedReply CaptureReply(std::string_view bytes);

}  // namespace starttls
