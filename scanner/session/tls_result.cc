#include "scanner/session/tls_result.h"

namespace starttls {

std::string_view StarttlsReasonName(StarttlsReason reason) {
  switch (reason) {
    case StarttlsReason::kOffered:
      return "offered";
    case StarttlsReason::kProbe:
      return "probe";
    case StarttlsReason::kForced:
      return "forced";
  }
  return "offered";
}

std::string_view TlsOutcomeName(TlsOutcome outcome) {
  switch (outcome) {
    case TlsOutcome::kOk:
      return "ok";
    case TlsOutcome::kStarttlsRefused:
      return "starttls-refused";
    case TlsOutcome::kProtocolError:
      return "protocol-error";
    case TlsOutcome::kHandshakeError:
      return "handshake-error";
    case TlsOutcome::kTimeout:
      return "timeout";
    case TlsOutcome::kPeerClosed:
      return "peer-closed";
    case TlsOutcome::kConnectionReset:
      return "connection-reset";
    case TlsOutcome::kInterrupted:
      return "interrupted";
  }
  return "handshake-error";
}

std::string_view TlsPhaseName(TlsPhase phase) {
  switch (phase) {
    case TlsPhase::kStarttls:
      return "starttls";
    case TlsPhase::kHandshake:
      return "handshake";
    case TlsPhase::kEhlo:
      return "ehlo";
    case TlsPhase::kQuit:
      return "quit";
  }
  return "handshake";
}

}  // namespace starttls
