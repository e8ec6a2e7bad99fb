#include "scanner/classify/transcript.h"

#include <string>

#include "output/ondemand_access.h"
#include "output/raw_bytes.h"

namespace starttls {

namespace od = simdjson::ondemand;

CapturedReply CaptureReply(std::string_view bytes) {
  CapturedReply captured;
  captured.reply = FrameWholeReply(bytes, &captured.trailing);
  return captured;
}

absl::StatusOr<Transcript> ReadTranscript(od::object object) {
  Transcript transcript;
  std::string error;
  auto member_error =
      ondemand_access::ForEachMember(object, [&](std::string_view key, od::value& value) {
        if (!error.empty()) return;
        std::optional<std::string>* slot = nullptr;
        bool raw = true;
        if (key == "banner") {
          slot = &transcript.banner;
        } else if (key == "ehlo") {
          slot = &transcript.ehlo;
        } else if (key == "helo") {
          slot = &transcript.helo;
        } else if (key == "id") {
          slot = &transcript.id;
          raw = false;
        } else {
          return;
        }
        if (slot->has_value()) {
          error = "\"" + std::string(key) + "\" given twice";
          return;
        }
        if (ondemand_access::TypeOf(value) == kJsonNull) return;  // null: not captured
        std::optional<std::string_view> text = ondemand_access::String(value);
        if (!text) {
          error = "\"" + std::string(key) + "\" is not a string";
          return;
        }
        std::string bytes;
        if (!raw) {
          bytes = *text;
        } else if (std::string decode_error = DecodeRawBytesInto(*text, &bytes);
                   !decode_error.empty()) {
          error = "\"" + std::string(key) + "\": " + decode_error;
          return;
        }
        *slot = std::move(bytes);
      });
  if (member_error) return absl::InvalidArgumentError(simdjson::error_message(member_error));
  if (!error.empty()) return absl::InvalidArgumentError(error);
  return transcript;
}

absl::StatusOr<Conversation> ConversationFromTranscript(const Transcript& transcript) {
  if (!transcript.ehlo.has_value()) return absl::InvalidArgumentError("no \"ehlo\" field");
  Conversation conversation;
  if (transcript.banner.has_value() && !transcript.banner->empty()) {
    conversation.banner = CaptureReply(*transcript.banner);
  }
  conversation.ehlo = CaptureReply(*transcript.ehlo);
  if (transcript.helo.has_value()) conversation.helo = CaptureReply(*transcript.helo);
  return conversation;
}

}  // namespace starttls
