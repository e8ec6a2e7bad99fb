// The MTA-STS policy fetch (RFC 8461 §3.3, docs/rules.md §8) as a state machine with no I/O
// inside, driven by the engine like an SMTP session (same events, same actions): connect →
// TLS handshake with SNI `mta-sts.<domain>` → one bounded HTTP/1.1 GET of
// /.well-known/mta-sts.txt → the response, read until complete, malformed, over its cap, the
// close, or the deadline. The certificate must be trusted (system CAs or --ca-file), valid for
// `mta-sts.<domain>` and not expired, else the fetch is a tls-error. Redirects are never
// followed. The result says which of §8's `fetch` names the attempt ended with and, for a
// 200 text/plain response, the policy text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "scanner/policy/http_response_parser.h"
#include "scanner/policy/mta_sts_fetch.h"
#include "scanner/session/send_outbox.h"
#include "scanner/session/session_config.h"
#include "scanner/session/smtp_session.h"
#include "scanner/tls/tls_connection.h"

namespace starttls {

struct PolicyFetchResult {
  MtaStsFetch fetch = MtaStsFetch::kConnectError;
  int status_code = 0;  // the HTTP status, 0 when no response came
  std::string policy;   // the body of a complete 200 response
  std::string error;    // what went wrong, for a human
  double total_ms = 0;
};

class PolicyFetchSession {
 public:
  PolicyFetchSession() = default;
  PolicyFetchSession(const PolicyFetchSession&) = delete;
  PolicyFetchSession& operator=(const PolicyFetchSession&) = delete;

  // Back to the start for `domain`'s policy host (`host` = "mta-sts.<domain>").
  void Reset(const SessionConfig& config, std::string_view domain, std::string_view host);

  bool finished() const { return state_ == State::kDone; }
  SessionPhase phase() const { return phase_; }
  const PolicyFetchResult& result() const { return result_; }

  SessionActions Step(const SessionEvent& event);

 private:
  enum class State : uint8_t { kNew, kConnecting, kHandshake, kAwaitResponse, kDone };

  SessionActions OnBytes(const SessionEvent& event);
  SessionActions OnHandshakeDone(int64_t now_ns);
  // Decrypted bytes to the parser; ends the fetch when the response is over.
  SessionActions ReadResponse(int64_t now_ns, bool closed);
  void Arm(SessionPhase phase, int64_t now_ns, SessionActions* actions);
  void Flush(SessionActions* actions);
  SessionActions Finish(int64_t now_ns, std::string error = {});

  const SessionConfig* config_ = nullptr;
  std::string domain_;
  std::string host_;
  State state_ = State::kNew;
  SessionPhase phase_ = SessionPhase::kConnect;
  int64_t start_ns_ = 0;
  int64_t session_deadline_ns_ = 0;
  MtaStsFetchFacts facts_;
  HttpResponseParser parser_;
  std::unique_ptr<TlsConnection> tls_;
  std::string plain_;
  SendOutbox outbox_;
  PolicyFetchResult result_;
};

}  // namespace starttls
