// The TLS half of the session state machine: STARTTLS, the handshake over memory BIOs, the
// EHLO over TLS and QUIT over TLS. Failures here never change the host's status (that is the
// EHLO phase's); they are the TLS record's outcome, or its error once the handshake is done.
#include <ctime>
#include <string>
#include <utility>

#include "scanner/policy/dane_matcher.h"
#include "scanner/session/smtp_session.h"
#include "scanner/smtp/ehlo_analysis.h"
#include "scanner/tls/tls_client_context.h"
#include "scanner/tls/tls_connection.h"

namespace starttls {
namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;

double ElapsedMs(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / static_cast<double>(kNanosPerMilli);
}

}  // namespace

bool Session::MaybeSendStarttls(int64_t now_ns, SessionActions* actions) {
  const SessionTlsSettings& settings = config_->tls();
  if (settings.context == nullptr || settings.policy == StarttlsPolicy::kNever) return false;
  ConversationVerdict verdict = JudgeConversation(result_.conversation);
  if (verdict.status != ScanStatus::kSuccess || !verdict.cls.has_value()) return false;
  StarttlsReason reason = StarttlsReason::kOffered;
  switch (*verdict.cls) {
    case EhloClass::kCompliant:
      reason = StarttlsReason::kOffered;
      break;
    case EhloClass::kStarttlsMisordered:
      reason = StarttlsReason::kProbe;
      break;
    default:
      if (settings.policy != StarttlsPolicy::kAlways) return false;
      reason = StarttlsReason::kForced;
      break;
  }
  result_.starttls.emplace();
  result_.starttls->reason = reason;
  result_.tls.emplace();
  if (!server_name_.empty()) result_.tls->sni = server_name_;
  framer_.Reset();
  SendCommand(config_->starttls_command(), SessionState::kAwaitStarttls, SessionPhase::kStarttls,
              now_ns, actions);
  return true;
}

SessionActions Session::OnStarttlsReply(std::string_view after_reply, int64_t now_ns) {
  SessionActions actions;
  int code = result_.starttls->reply->reply.code();
  if (KindOfReply(code) != ReplyKind::kPositive) {
    TlsRecord& tls = *result_.tls;
    tls.outcome = TlsOutcome::kStarttlsRefused;
    tls.failed_phase = TlsPhase::kStarttls;
    tls.error = "STARTTLS answered " + std::to_string(code);
    result_.quit_sent = true;
    SendCommand(config_->quit_command(), SessionState::kAwaitQuit, SessionPhase::kQuit, now_ns,
                &actions);
    return actions;
  }
  const SessionTlsSettings& settings = config_->tls();
  tls_ = std::make_unique<TlsConnection>();
  state_ = SessionState::kHandshake;
  phase_start_ns_ = now_ns;
  got_bytes_ = false;
  framer_.Reset();
  if (!tls_->Start(settings.context->ctx(), server_name_, settings.max_buffered_ciphertext)) {
    return FailTls(TlsOutcome::kHandshakeError, tls_->error(), now_ns);
  }
  Arm(SessionPhase::kTlsHandshake, now_ns, &actions);
  // Bytes after the 220, before our ClientHello, are kept as the reply's trailing data; they
  // are on the TLS stream, so they go to the TLS layer (as in any client), never to the
  // SMTP framer.
  if (!after_reply.empty() && !tls_->FeedCiphertext(after_reply)) {
    return FailTls(TlsOutcome::kHandshakeError, tls_->error(), now_ns);
  }
  SessionEvent none = SessionEvent::Bytes(now_ns, {});
  SessionActions more = OnTlsBytes(none);
  if (more.done) return more;
  more.deadline = actions.deadline;
  return more;
}

SessionActions Session::OnTlsBytes(const SessionEvent& event) {
  int64_t now_ns = event.now_ns;
  if (!tls_->FeedCiphertext(event.bytes)) {
    return FailTls(
        state_ == SessionState::kHandshake ? TlsOutcome::kHandshakeError : TlsOutcome::kOk,
        tls_->error(), now_ns);
  }
  SessionActions actions;
  if (state_ == SessionState::kHandshake) {
    TlsStep step = tls_->Handshake();
    if (step == TlsStep::kError) {
      std::string error = tls_->error();
      const StarttlsRecord& starttls = *result_.starttls;
      if (starttls.reply.has_value() && !starttls.reply->trailing.empty()) {
        error += " (the server sent plaintext after its 220 reply)";
      }
      return FailTls(TlsOutcome::kHandshakeError, std::move(error), now_ns);
    }
    if (step == TlsStep::kClosed) {
      return FailTls(TlsOutcome::kPeerClosed, "close_notify during the handshake", now_ns);
    }
    if (step == TlsStep::kWantRead) {
      FlushOutbox(&actions);
      return actions;
    }
    // Our Finished stays in the BIO and leaves with the EHLO over TLS: one send, not two.
    actions = OnHandshakeDone(now_ns);
    if (actions.done) return actions;
  }

  // After the handshake: decrypt, frame the reply to our last command.
  size_t cap = config_->limits().max_reply_bytes + 4096;
  TlsStep step = tls_->Read(&tls_plain_, cap);
  if (step == TlsStep::kError) return FailTls(TlsOutcome::kOk, tls_->error(), now_ns);
  if (!tls_plain_.empty()) {
    got_bytes_ = true;
    size_t consumed = 0;
    FrameStatus status = framer_.Feed(tls_plain_, &consumed);
    if (status == FrameStatus::kComplete) {
      std::string rest = tls_plain_.substr(consumed);
      tls_plain_.clear();
      SessionActions next = OnTlsReplyComplete(rest, now_ns);
      if (next.send.empty() && !next.done) next.send = actions.send;
      return next;
    }
    tls_plain_.clear();  // the framer keeps its own copy of the reply
    if (status != FrameStatus::kNeedMore) {
      CaptureReply({}, now_ns);
      return FailTls(TlsOutcome::kOk,
                     std::string(SessionPhaseName(phase_)) + " reply malformed or over its cap",
                     now_ns);
    }
  }
  if (step == TlsStep::kClosed) {
    if (state_ == SessionState::kAwaitQuit) return Finish(now_ns);
    CapturePartialReply(now_ns);
    return FailTls(TlsOutcome::kOk,
                   "close_notify during the " + std::string(SessionPhaseName(phase_)) + " reply",
                   now_ns);
  }
  FlushOutbox(&actions);
  return actions;
}

SessionActions Session::OnHandshakeDone(int64_t now_ns) {
  SessionActions actions;
  const SessionTlsSettings& settings = config_->tls();
  result_.timing.tls_ms = ElapsedMs(phase_start_ns_, now_ns);
  TlsRecord& record = *result_.tls;
  record.outcome = TlsOutcome::kOk;
  record.version = std::string(tls_->version());
  record.cipher = std::string(tls_->cipher());
  record.cipher_standard = std::string(tls_->cipher_standard());
  record.group = std::string(tls_->group());
  const PeerChain& chain = tls_->peer_chain();
  for (size_t i = 0; i < chain.size() && i < settings.max_chain_certificates; ++i) {
    bool keep_der = settings.chain_der == TlsChainDer::kFull ||
                    (settings.chain_der == TlsChainDer::kLeaf && i == 0);
    record.chain.push_back(chain.Describe(i, keep_der));
  }
  time_t now = std::time(nullptr);
  long trust =
      chain.size() == 0 ? X509_V_ERR_UNSPECIFIED : settings.context->verifier().Verify(chain, now);
  record.validation = ValidateChain(chain.stack(), trust, server_name_, now);
  if (settings.keep_chain_for_policy) chain.AppendDer(kMaxDaneChain, &record.chain_der);

  // EHLO again, now over TLS (RFC 3207 §4.2: the server forgets what it said before).
  framer_.Reset();
  got_bytes_ = false;
  phase_start_ns_ = now_ns;
  state_ = SessionState::kAwaitTlsEhlo;
  if (!SendOverTls(config_->ehlo_command(), &actions)) {
    return FailTls(TlsOutcome::kOk, tls_->error(), now_ns);
  }
  Arm(SessionPhase::kTlsEhlo, now_ns, &actions);
  return actions;
}

SessionActions Session::OnTlsReplyComplete(std::string_view after_reply, int64_t now_ns) {
  if (state_ != SessionState::kAwaitTlsEhlo) return Finish(now_ns);  // the reply to QUIT
  CaptureReply(after_reply, now_ns);
  SessionActions actions;
  result_.quit_sent = true;
  framer_.Reset();
  got_bytes_ = false;
  phase_start_ns_ = now_ns;
  state_ = SessionState::kAwaitQuit;
  if (!SendOverTls(config_->quit_command(), &actions)) return Finish(now_ns);
  Arm(SessionPhase::kQuit, now_ns, &actions);
  return actions;
}

bool Session::SendOverTls(std::string_view command, SessionActions* actions) {
  if (!tls_->Write(command)) return false;
  FlushOutbox(actions);
  return true;
}

void Session::FlushOutbox(SessionActions* actions) {
  std::string_view bytes = outbox_.Flush(tls_.get());
  if (!bytes.empty()) actions->send = bytes;
}

SessionActions Session::OnSent(const SessionEvent&) {
  if (!outbox_.OnSent()) return {};
  SessionActions actions;
  FlushOutbox(&actions);
  return actions;
}

std::optional<TlsPhase> Session::CurrentTlsPhase() const {
  switch (state_) {
    case SessionState::kAwaitStarttls:
      return TlsPhase::kStarttls;
    case SessionState::kHandshake:
      return TlsPhase::kHandshake;
    case SessionState::kAwaitTlsEhlo:
      return TlsPhase::kEhlo;
    case SessionState::kAwaitQuit:
      return TlsPhase::kQuit;
    default:
      return std::nullopt;
  }
}

SessionActions Session::FailTls(TlsOutcome outcome, std::string error, int64_t now_ns) {
  TlsRecord& record = *result_.tls;
  // Once the handshake completed its outcome stays ok; later trouble is only an error.
  bool handshake_done = state_ == SessionState::kAwaitTlsEhlo ||
                        (state_ == SessionState::kAwaitQuit && tls_ != nullptr);
  if (!handshake_done) record.outcome = outcome;
  record.failed_phase = CurrentTlsPhase();
  record.error = std::move(error);
  return Finish(now_ns);
}

// The framing rules hold for every reply read (docs/rules.md §3): the STARTTLS reply's and the
// EHLO over TLS's framing anomalies (a cut reply, a too-long line, bare LF, ...) join the
// record's list, whatever became of the handshake.
void Session::RecordTlsAnomalies() {
  if (result_.starttls.has_value() && result_.starttls->reply.has_value()) {
    result_.verdict.anomalies.Merge(FramingAnomalies(*result_.starttls->reply));
  }
  if (!result_.tls.has_value() || !result_.tls->ehlo.has_value()) return;
  result_.verdict.anomalies.Merge(FramingAnomalies(result_.tls->ehlo.value()));
  const Reply& ehlo = result_.tls->ehlo->reply;
  if (ehlo.complete() && KindOfReply(ehlo.code()) == ReplyKind::kPositive && ListsStarttls(ehlo)) {
    result_.tls->starttls_readvertised = true;
    if (!failure_.has_value()) result_.verdict.anomalies.Add(Anomaly::kStarttlsReadvertised);
  }
}

}  // namespace starttls
