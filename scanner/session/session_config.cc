#include "scanner/session/session_config.h"

#include <utility>

namespace starttls {

std::string_view SessionPhaseName(SessionPhase phase) {
  switch (phase) {
    case SessionPhase::kConnect:
      return "connect";
    case SessionPhase::kBanner:
      return "banner";
    case SessionPhase::kEhlo:
      return "EHLO";
    case SessionPhase::kHelo:
      return "HELO";
    case SessionPhase::kQuit:
      return "QUIT";
    case SessionPhase::kStarttls:
      return "STARTTLS";
    case SessionPhase::kTlsHandshake:
      return "TLS handshake";
    case SessionPhase::kTlsEhlo:
      return "EHLO over TLS";
    case SessionPhase::kHttpResponse:
      return "HTTP response";
  }
  return "unknown";
}

SessionConfig::SessionConfig(std::string ehlo_name, SessionTimeouts timeouts, ReplyLimits limits,
                             size_t max_trailing_bytes)
    : ehlo_name_(IsValidEhloName(ehlo_name) ? std::move(ehlo_name) : std::string("localhost")),
      timeouts_(timeouts),
      limits_(limits),
      max_trailing_bytes_(max_trailing_bytes),
      ehlo_command_("EHLO " + ehlo_name_ + "\r\n"),
      helo_command_("HELO " + ehlo_name_ + "\r\n"),
      quit_command_("QUIT\r\n"),
      starttls_command_("STARTTLS\r\n") {}

bool SessionConfig::IsValidEhloName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) return false;
  }
  return true;
}

int64_t SessionConfig::PhaseTimeoutMs(SessionPhase phase) const {
  switch (phase) {
    case SessionPhase::kConnect:
      return timeouts_.connect_ms;
    case SessionPhase::kBanner:
      return timeouts_.banner_ms;
    case SessionPhase::kEhlo:
    case SessionPhase::kHelo:
    case SessionPhase::kQuit:
    case SessionPhase::kStarttls:
    case SessionPhase::kTlsEhlo:
    case SessionPhase::kHttpResponse:
      return timeouts_.command_ms;
    case SessionPhase::kTlsHandshake:
      return timeouts_.tls_ms;
  }
  return timeouts_.command_ms;
}

}  // namespace starttls
