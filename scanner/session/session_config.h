// What one SMTP session needs to know besides the bytes: EHLO name, per-phase time limits and
// reply bounds. The command bytes are built once here, so a session holds no copy of them
// and the engine can send straight from this object (it outlives every session using it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scanner/smtp/reply_framer.h"

namespace starttls {

class TlsClientContext;

// The phases a deadline can belong to.
enum class SessionPhase : uint8_t {
  kConnect,
  kBanner,
  kEhlo,
  kHelo,
  kQuit,
  kStarttls,      // the reply to STARTTLS
  kTlsHandshake,  // ClientHello sent → handshake complete
  kTlsEhlo,       // the reply to EHLO sent over TLS
  kHttpResponse,  // an MTA-STS policy fetch's response (request sent → response complete)
};

// When STARTTLS is sent (--starttls): never; when the EHLO class shows it (compliant, and
// starttls_misordered as a probe); or always (no_starttls too, as `forced`).
enum class StarttlsPolicy : uint8_t { kNever, kOffered, kAlways };

// Which certificates' DER the record carries (--tls-chain).
enum class TlsChainDer : uint8_t { kNone, kLeaf, kFull };

struct SessionTlsSettings {
  // nullptr: no TLS at all (the session ends after the EHLO verdict, as before).
  const TlsClientContext* context = nullptr;
  StarttlsPolicy policy = StarttlsPolicy::kOffered;
  TlsChainDer chain_der = TlsChainDer::kNone;
  size_t max_buffered_ciphertext = 64 * 1024;  // peer bytes the TLS layer has not consumed
  size_t max_chain_certificates = 16;          // certificates described per chain
  // Domain policy on: keep every certificate's DER in TlsRecord::chain_der for DANE matching.
  bool keep_chain_for_policy = false;
};

std::string_view SessionPhaseName(SessionPhase phase);

struct SessionTimeouts {
  int64_t connect_ms = 10'000;
  // ≥ 30 s: postscreen and greet_pause delay greetings by 15–20 s (docs/rules.md §7).
  int64_t banner_ms = 30'000;
  int64_t command_ms = 30'000;   // each command's reply (EHLO, HELO, QUIT)
  int64_t session_ms = 120'000;  // the whole session, connect included
  int64_t tls_ms = 10'000;       // the TLS handshake (--tls-timeout)
};

class SessionConfig {
 public:
  // `ehlo_name` must pass IsValidEhloName(); an invalid one is replaced by "localhost" so
  // that no peer-visible command can ever carry a line break (callers validate first).
  explicit SessionConfig(std::string ehlo_name = "localhost", SessionTimeouts timeouts = {},
                         ReplyLimits limits = {}, size_t max_trailing_bytes = 4096);

  // A domain or address literal: printable ASCII without SP, 1–255 bytes.
  static bool IsValidEhloName(std::string_view name);

  const std::string& ehlo_name() const { return ehlo_name_; }
  const SessionTimeouts& timeouts() const { return timeouts_; }
  const ReplyLimits& limits() const { return limits_; }
  size_t max_trailing_bytes() const { return max_trailing_bytes_; }

  std::string_view ehlo_command() const { return ehlo_command_; }
  std::string_view helo_command() const { return helo_command_; }
  std::string_view quit_command() const { return quit_command_; }
  std::string_view starttls_command() const { return starttls_command_; }

  const SessionTlsSettings& tls() const { return tls_; }
  void set_tls(const SessionTlsSettings& tls) { tls_ = tls; }

  // The time limit of one phase, in ms.
  int64_t PhaseTimeoutMs(SessionPhase phase) const;

 private:
  std::string ehlo_name_;
  SessionTimeouts timeouts_;
  ReplyLimits limits_;
  size_t max_trailing_bytes_;
  std::string ehlo_command_;
  std::string helo_command_;
  std::string quit_command_;
  std::string starttls_command_;
  SessionTlsSettings tls_;
};

}  // namespace starttls
