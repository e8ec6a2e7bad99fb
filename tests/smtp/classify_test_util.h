// Builds a Conversation from transcript bytes, the way `starttls-scan classify` does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/smtp/conversation.h"

namespace starttls::testing {

inline CapturedReply Capture(std::string_view bytes) {
  CapturedReply captured;
  captured.reply = FrameWholeReply(bytes, &captured.trailing);
  return captured;
}

inline Conversation MakeConversation(std::string_view banner, std::string_view ehlo,
                                     std::optional<std::string_view> helo = std::nullopt) {
  Conversation conversation;
  if (!banner.empty()) conversation.banner = Capture(banner);
  conversation.ehlo = Capture(ehlo);
  if (helo.has_value()) conversation.helo = Capture(*helo);
  return conversation;
}

inline std::vector<std::string> AnomalyNames(AnomalySet set) {
  std::vector<std::string> names;
  set.ForEach([&](Anomaly anomaly) { names.emplace_back(AnomalyName(anomaly)); });
  return names;
}

}  // namespace starttls::testing
