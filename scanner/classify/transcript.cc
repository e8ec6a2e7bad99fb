#include "scanner/classify/transcript.h"

#include <string>

#include "output/json_reader.h"

namespace starttls {
namespace {

// Reads an optional raw-bytes field. Absent or null: nullopt.
absl::StatusOr<std::optional<std::string>> RawField(const JsonValue& object,
                                                    std::string_view key) {
  const JsonValue* field = object.Find(key);
  if (field == nullptr || field->is_null()) return std::optional<std::string>();
  if (!field->is_string()) {
    return absl::InvalidArgumentError("\"" + std::string(key) + "\" is not a string");
  }
  absl::StatusOr<std::string> bytes = DecodeRawBytes(field->string());
  if (!bytes.ok()) {
    return absl::InvalidArgumentError("\"" + std::string(key) +
                                      "\": " + std::string(bytes.status().message()));
  }
  return std::optional<std::string>(std::move(*bytes));
}

}  // namespace

CapturedReply CaptureReply(std::string_view bytes) {
  CapturedReply captured;
  captured.reply = FrameWholeReply(bytes, &captured.trailing);
  return captured;
}

absl::StatusOr<Conversation> ConversationFromTranscript(const JsonValue& transcript) {
  if (!transcript.is_object()) return absl::InvalidArgumentError("not a JSON object");
  auto banner = RawField(transcript, "banner");
  if (!banner.ok()) return banner.status();
  auto ehlo = RawField(transcript, "ehlo");
  if (!ehlo.ok()) return ehlo.status();
  auto helo = RawField(transcript, "helo");
  if (!helo.ok()) return helo.status();
  if (!ehlo->has_value()) return absl::InvalidArgumentError("no \"ehlo\" field");

  Conversation conversation;
  if (banner->has_value() && !(*banner)->empty()) conversation.banner = CaptureReply(**banner);
  conversation.ehlo = CaptureReply(**ehlo);
  if (helo->has_value()) conversation.helo = CaptureReply(**helo);
  return conversation;
}

}  // namespace starttls
