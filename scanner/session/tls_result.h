// What a session records about STARTTLS and TLS (docs/rules.md §5): why STARTTLS was sent and what
// the server answered; the handshake's outcome (with the phase a failure happened in), the
// negotiated parameters, the peer chain, the validation verdict and the EHLO over TLS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/smtp/conversation.h"
#include "scanner/tls/certificate_info.h"
#include "scanner/tls/chain_validation.h"

namespace starttls {

enum class StarttlsReason : uint8_t {
  kOffered,  // the EHLO class is compliant
  kProbe,    // starttls_misordered: would the server do TLS if clients saw it?
  kForced,   // --starttls=always on a no_starttls host
};
std::string_view StarttlsReasonName(StarttlsReason reason);

struct StarttlsRecord {
  StarttlsReason reason = StarttlsReason::kOffered;
  // The server's answer (absent when none arrived); `trailing` holds plaintext that followed
  // a 220 before the handshake began: a protocol violation (RFC 3207 §4), never parsed as a
  // reply; those bytes went to the TLS layer, as they do in any client.
  std::optional<CapturedReply> reply;
};

enum class TlsOutcome : uint8_t {
  kOk,
  kStarttlsRefused,  // the STARTTLS reply was not 2xx
  kProtocolError,    // the STARTTLS reply was malformed or cut off
  kHandshakeError,   // BoringSSL failed the handshake (alert or library reason in `error`)
  kTimeout,          // the STARTTLS reply or the handshake did not come in time
  kPeerClosed,       // orderly EOF before the handshake completed
  kConnectionReset,  // recv/send failed before the handshake completed
  kInterrupted,      // the scan was cut short (second signal)
};
std::string_view TlsOutcomeName(TlsOutcome outcome);

// Where the TLS part ended when it did not end well.
enum class TlsPhase : uint8_t { kStarttls, kHandshake, kEhlo, kQuit };
std::string_view TlsPhaseName(TlsPhase phase);

struct TlsRecord {
  TlsOutcome outcome = TlsOutcome::kOk;
  std::optional<TlsPhase> failed_phase;  // set with `error`
  std::string error;  // the failure, also after an ok handshake (EHLO over TLS timed out ...)
  std::optional<std::string> sni;
  // Set once the handshake completed.
  std::string version;
  std::string cipher;           // OpenSSL name (what `openssl s_client` prints)
  std::string cipher_standard;  // IANA name
  std::string group;
  std::vector<CertificateInfo> chain;  // leaf first, as sent
  // Every certificate's DER (at most kMaxDaneChain), for DANE matching when domain policy is
  // on; never written to a record (--tls-chain says what is).
  std::vector<std::string> chain_der;
  std::optional<ChainValidation> validation;
  std::optional<CapturedReply> ehlo;  // the EHLO reply over TLS
  bool starttls_readvertised = false;
};

}  // namespace starttls
