#include "scanner/session/policy_fetch_session.h"

#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "scanner/policy/mta_sts_policy.h"
#include "scanner/tls/certificate_names.h"
#include "scanner/tls/tls_client_context.h"

namespace starttls {
namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;

std::string ErrnoText(int err) {
  char buffer[128];
  return strerror_r(err, buffer, sizeof(buffer));
}

}  // namespace

void PolicyFetchSession::Reset(const SessionConfig& config, std::string_view domain,
                               std::string_view host) {
  config_ = &config;
  domain_.assign(domain);
  host_.assign(host);
  state_ = State::kNew;
  phase_ = SessionPhase::kConnect;
  start_ns_ = session_deadline_ns_ = 0;
  facts_ = MtaStsFetchFacts();
  parser_ = HttpResponseParser();
  tls_.reset();
  std::string().swap(plain_);
  outbox_.Reset();
  result_ = PolicyFetchResult();
}

void PolicyFetchSession::Arm(SessionPhase phase, int64_t now_ns, SessionActions* actions) {
  phase_ = phase;
  int64_t at = now_ns + config_->PhaseTimeoutMs(phase) * kNanosPerMilli;
  actions->deadline = SessionDeadline{phase, std::min(at, session_deadline_ns_)};
}

void PolicyFetchSession::Flush(SessionActions* actions) {
  std::string_view bytes = outbox_.Flush(tls_.get());
  if (!bytes.empty()) actions->send = bytes;
}

SessionActions PolicyFetchSession::Step(const SessionEvent& event) {
  if (state_ == State::kDone || config_ == nullptr) return {};
  using Kind = SessionEvent::Kind;
  SessionActions actions;
  switch (event.kind) {
    case Kind::kStart:
      if (state_ != State::kNew) return {};
      start_ns_ = event.now_ns;
      session_deadline_ns_ = start_ns_ + config_->timeouts().session_ms * kNanosPerMilli;
      facts_.address_found = true;  // the engine got an address to connect to
      state_ = State::kConnecting;
      actions.connect = true;
      Arm(SessionPhase::kConnect, event.now_ns, &actions);
      return actions;
    case Kind::kConnected: {
      if (state_ != State::kConnecting) return {};
      facts_.connected = true;
      const SessionTlsSettings& settings = config_->tls();
      tls_ = std::make_unique<TlsConnection>();
      if (settings.context == nullptr ||
          !tls_->Start(settings.context->ctx(), host_, settings.max_buffered_ciphertext)) {
        return Finish(event.now_ns, "TLS: " + (tls_ ? tls_->error() : std::string("no context")));
      }
      state_ = State::kHandshake;
      if (tls_->Handshake() == TlsStep::kError) return Finish(event.now_ns, tls_->error());
      actions.start_receiving = true;
      Flush(&actions);
      Arm(SessionPhase::kTlsHandshake, event.now_ns, &actions);
      return actions;
    }
    case Kind::kConnectFailed:
      if (state_ != State::kConnecting) return {};
      return Finish(event.now_ns, "connect: " + ErrnoText(event.error));
    case Kind::kBytes:
      return OnBytes(event);
    case Kind::kPeerClosed:
      if (state_ == State::kAwaitResponse) return ReadResponse(event.now_ns, /*closed=*/true);
      return Finish(event.now_ns, "peer closed the connection during the TLS handshake");
    case Kind::kIoError:
      return Finish(event.now_ns,
                    std::string(SessionPhaseName(phase_)) + ": " + ErrnoText(event.error));
    case Kind::kTimeout:
      if (event.phase != phase_) return {};
      facts_.timed_out = true;
      return Finish(event.now_ns, std::string(SessionPhaseName(phase_)) + " timed out");
    case Kind::kSent:
      if (!outbox_.OnSent()) return {};
      Flush(&actions);
      return actions;
  }
  return {};
}

SessionActions PolicyFetchSession::OnBytes(const SessionEvent& event) {
  if (state_ != State::kHandshake && state_ != State::kAwaitResponse) return {};
  if (!tls_->FeedCiphertext(event.bytes)) return Finish(event.now_ns, tls_->error());
  if (state_ == State::kAwaitResponse) return ReadResponse(event.now_ns, /*closed=*/false);
  switch (tls_->Handshake()) {
    case TlsStep::kError:
      return Finish(event.now_ns, "handshake: " + tls_->error());
    case TlsStep::kClosed:
      return Finish(event.now_ns, "close_notify during the handshake");
    case TlsStep::kWantRead: {
      SessionActions actions;
      Flush(&actions);
      return actions;
    }
    case TlsStep::kDone:
      break;
  }
  return OnHandshakeDone(event.now_ns);
}

// RFC 8461 §3.3: the policy host's certificate must be valid for `mta-sts.<domain>` under the
// WebPKI (here: the trust anchors the scan uses), unexpired.
SessionActions PolicyFetchSession::OnHandshakeDone(int64_t now_ns) {
  const PeerChain& chain = tls_->peer_chain();
  X509* leaf = chain.leaf();
  time_t now = std::time(nullptr);
  long trust = leaf == nullptr ? X509_V_ERR_UNSPECIFIED
                               : config_->tls().context->verifier().Verify(chain, now);
  bool trusted = trust == X509_V_OK;
  bool named = leaf != nullptr && MatchesHostname(ExtractCertificateNames(leaf), host_);
  bool expired = leaf != nullptr && X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0;
  if (!trusted || !named || expired) {
    std::string why = !trusted  ? X509_verify_cert_error_string(trust)
                      : expired ? "certificate has expired"
                                : "certificate is not valid for " + host_;
    return Finish(now_ns, "certificate: " + why);
  }
  facts_.tls_ok = true;
  std::optional<std::string> request = BuildMtaStsPolicyRequest(domain_);
  if (!request.has_value()) return Finish(now_ns, "not a domain a request can name");
  SessionActions actions;
  if (!tls_->Write(*request)) return Finish(now_ns, tls_->error());
  state_ = State::kAwaitResponse;
  Flush(&actions);
  Arm(SessionPhase::kHttpResponse, now_ns, &actions);
  return actions;
}

SessionActions PolicyFetchSession::ReadResponse(int64_t now_ns, bool closed) {
  // More than a full response can hold never needs to wait in plain_.
  constexpr size_t kPlainCap = 128 * 1024;
  TlsStep step = tls_->Read(&plain_, kPlainCap);
  if (!plain_.empty()) {
    parser_.Feed(plain_);
    plain_.clear();
  }
  if (parser_.outcome() != HttpParse::kNeedMore) return Finish(now_ns);
  if (step == TlsStep::kError) return Finish(now_ns, "TLS: " + tls_->error());
  if (closed || step == TlsStep::kClosed) {
    parser_.EndOfStream();
    return Finish(now_ns);
  }
  SessionActions actions;
  Flush(&actions);
  return actions;
}

SessionActions PolicyFetchSession::Finish(int64_t now_ns, std::string error) {
  TakeHttpFacts(parser_, &facts_);
  const bool complete_200 =
      parser_.outcome() == HttpParse::kComplete && parser_.status_code() == 200;
  if (complete_200) facts_.policy_usable = ParseMtaStsPolicy(parser_.body()).usable;
  result_.fetch = ClassifyMtaStsFetch(facts_);
  result_.status_code = parser_.status_code();
  if (complete_200) result_.policy = parser_.body();
  if (error.empty() && !parser_.error().empty()) error = "HTTP: " + parser_.error();
  result_.error = std::move(error);
  result_.total_ms = static_cast<double>(now_ns - start_ns_) / static_cast<double>(kNanosPerMilli);
  state_ = State::kDone;
  tls_.reset();
  outbox_.DropWaiting();
  parser_ = HttpResponseParser();
  SessionActions actions;
  actions.close = true;
  actions.done = true;
  return actions;
}

}  // namespace starttls
