#include "scanner/session/smtp_session.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "scanner/tls/tls_connection.h"

namespace starttls {
namespace {

constexpr int64_t kNanosPerMilli = 1'000'000;

double ElapsedMs(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / static_cast<double>(kNanosPerMilli);
}

std::string ErrnoText(int err) {
  char buffer[128];
  // GNU strerror_r returns the message (possibly a static string, not buffer).
  const char* text = strerror_r(err, buffer, sizeof(buffer));
  return std::string(text);
}

}  // namespace

ScanStatus StatusOfConnectError(int err) {
  switch (err) {
    case ETIMEDOUT:
      return ScanStatus::kConnectionTimeout;
    case ECONNRESET:
    case ECONNABORTED:
      return ScanStatus::kConnectionReset;
    default:
      // ECONNREFUSED, and the ICMP unreachables (ENETUNREACH, EHOSTUNREACH …): an active
      // answer that nobody listens there.
      return ScanStatus::kConnectionRefused;
  }
}

ScanStatus StatusOfIoError(int err) {
  if (err == ETIMEDOUT) return ScanStatus::kIoTimeout;
  return ScanStatus::kConnectionReset;  // ECONNRESET, EPIPE, ECONNABORTED and the rest
}

void SessionResult::Clear() {
  status = ScanStatus::kProtocolError;
  error = std::string();
  verdict = ConversationVerdict();  // first: it points into the conversation
  conversation = Conversation();
  timing = PhaseTimings();
  quit_sent = false;
  starttls.reset();
  tls.reset();
}

Session::~Session() = default;

void Session::Reset(const SessionConfig& config, std::string_view server_name) {
  config_ = &config;
  state_ = SessionState::kNew;
  phase_ = SessionPhase::kConnect;
  got_bytes_ = false;
  start_ns_ = session_deadline_ns_ = phase_start_ns_ = 0;
  failure_.reset();
  failure_error_ = std::string();
  framer_ = ReplyFramer(config.limits());
  result_.Clear();
  server_name_.assign(server_name);
  tls_.reset();
  std::string().swap(tls_plain_);
  outbox_.Reset();
}

SessionActions Step(Session& session, const SessionEvent& event) { return session.Handle(event); }

SessionActions Session::Handle(const SessionEvent& event) {
  if (state_ == SessionState::kDone || config_ == nullptr) return {};
  using Kind = SessionEvent::Kind;
  switch (event.kind) {
    case Kind::kStart: {
      if (state_ != SessionState::kNew) return {};
      SessionActions actions;
      start_ns_ = event.now_ns;
      session_deadline_ns_ = start_ns_ + config_->timeouts().session_ms * kNanosPerMilli;
      state_ = SessionState::kConnecting;
      actions.connect = true;
      Arm(SessionPhase::kConnect, event.now_ns, &actions);
      return actions;
    }
    case Kind::kConnected: {
      if (state_ != SessionState::kConnecting) return {};
      SessionActions actions;
      result_.timing.connect_ms = ElapsedMs(start_ns_, event.now_ns);
      phase_start_ns_ = event.now_ns;
      state_ = SessionState::kAwaitBanner;
      actions.start_receiving = true;
      Arm(SessionPhase::kBanner, event.now_ns, &actions);
      return actions;
    }
    case Kind::kConnectFailed:
      if (state_ != SessionState::kConnecting) return {};
      FailWith(StatusOfConnectError(event.error), "connect: " + ErrnoText(event.error));
      return Finish(event.now_ns);
    case Kind::kBytes:
      return OnBytes(event);
    case Kind::kPeerClosed:
      return OnPeerClosed(event);
    case Kind::kIoError:
      return OnIoError(event);
    case Kind::kTimeout:
      return OnTimeout(event);
    case Kind::kSent:
      return OnSent(event);
  }
  return {};
}

void Session::Arm(SessionPhase phase, int64_t now_ns, SessionActions* actions) {
  phase_ = phase;
  int64_t at = now_ns + config_->PhaseTimeoutMs(phase) * kNanosPerMilli;
  if (at > session_deadline_ns_) at = session_deadline_ns_;
  actions->deadline = SessionDeadline{phase, at};
}

void Session::SendCommand(std::string_view command, SessionState next, SessionPhase phase,
                          int64_t now_ns, SessionActions* actions) {
  // A command due while a send is still in flight (the peer answered before our last send
  // completed) waits behind it: the engine sends one buffer at a time, in order.
  outbox_.Queue(command);
  FlushOutbox(actions);
  state_ = next;
  got_bytes_ = false;
  phase_start_ns_ = now_ns;
  Arm(phase, now_ns, actions);
}

SessionActions Session::OnBytes(const SessionEvent& event) {
  switch (state_) {
    case SessionState::kAwaitBanner:
    case SessionState::kAwaitEhlo:
    case SessionState::kAwaitHelo:
    case SessionState::kAwaitStarttls: {
      if (event.bytes.empty()) return {};
      got_bytes_ = true;
      size_t consumed = 0;
      FrameStatus status = framer_.Feed(event.bytes, &consumed);
      if (status == FrameStatus::kNeedMore) return {};
      if (status == FrameStatus::kComplete) {
        // Whatever came with the reply's end, before our next command, is trailing data.
        std::string_view rest = event.bytes.substr(consumed);
        CaptureReply(rest, event.now_ns);
        if (state_ == SessionState::kAwaitStarttls) return OnStarttlsReply(rest, event.now_ns);
        return OnReplyComplete(event.now_ns);
      }
      // Malformed or cut off: the conversation's verdict says protocol-error; no QUIT to a
      // peer that does not speak SMTP or will not stop talking.
      CaptureReply({}, event.now_ns);
      if (state_ == SessionState::kAwaitStarttls) {
        return FailTls(TlsOutcome::kProtocolError, "STARTTLS reply malformed or over its cap",
                       event.now_ns);
      }
      return Finish(event.now_ns);
    }
    case SessionState::kHandshake:
    case SessionState::kAwaitTlsEhlo:
      return OnTlsBytes(event);
    case SessionState::kAwaitQuit: {
      if (tls_ != nullptr) return OnTlsBytes(event);
      size_t consumed = 0;
      if (framer_.Feed(event.bytes, &consumed) == FrameStatus::kNeedMore) return {};
      return Finish(event.now_ns);
    }
    default:
      return {};
  }
}

void Session::CaptureReply(std::string_view trailing, int64_t now_ns) {
  CapturedReply captured;
  captured.reply = framer_.TakeReply();
  captured.trailing.assign(trailing.substr(0, config_->max_trailing_bytes()));
  double elapsed = ElapsedMs(phase_start_ns_, now_ns);
  switch (state_) {
    case SessionState::kAwaitBanner:
      result_.timing.banner_ms = elapsed;
      result_.conversation.banner = std::move(captured);
      break;
    case SessionState::kAwaitEhlo:
      result_.timing.ehlo_ms = elapsed;
      result_.conversation.ehlo = std::move(captured);
      break;
    case SessionState::kAwaitHelo:
      result_.timing.helo_ms = elapsed;
      result_.conversation.helo = std::move(captured);
      break;
    case SessionState::kAwaitStarttls:
      result_.timing.starttls_ms = elapsed;
      result_.starttls->reply = std::move(captured);
      break;
    case SessionState::kAwaitTlsEhlo:
      result_.timing.tls_ehlo_ms = elapsed;
      result_.tls->ehlo = std::move(captured);
      break;
    default:
      break;
  }
}

void Session::CapturePartialReply(int64_t now_ns) {
  if (framer_.reply().raw.empty()) return;
  CaptureReply({}, now_ns);
}

SessionActions Session::OnReplyComplete(int64_t now_ns) {
  SessionActions actions;
  const Conversation& conversation = result_.conversation;
  switch (state_) {
    case SessionState::kAwaitBanner:
      if (KindOfReply(conversation.banner->reply.code()) == ReplyKind::kPositive) {
        SendCommand(config_->ehlo_command(), SessionState::kAwaitEhlo, SessionPhase::kEhlo, now_ns,
                    &actions);
        return actions;
      }
      break;
    case SessionState::kAwaitEhlo:
      // Real clients answer a refused EHLO with HELO; 421 means the server is closing.
      if (KindOfReply(conversation.ehlo->reply.code()) == ReplyKind::kRefused) {
        SendCommand(config_->helo_command(), SessionState::kAwaitHelo, SessionPhase::kHelo, now_ns,
                    &actions);
        return actions;
      }
      break;
    default:
      break;
  }
  if ((state_ == SessionState::kAwaitEhlo || state_ == SessionState::kAwaitHelo) &&
      MaybeSendStarttls(now_ns, &actions)) {
    return actions;
  }
  // The conversation has said all it will: a healthy session ends with QUIT.
  result_.quit_sent = true;
  SendCommand(config_->quit_command(), SessionState::kAwaitQuit, SessionPhase::kQuit, now_ns,
              &actions);
  return actions;
}

SessionActions Session::OnPeerClosed(const SessionEvent& event) {
  switch (state_) {
    case SessionState::kAwaitBanner:
      if (!got_bytes_) {
        FailWith(ScanStatus::kConnectionReset, "peer closed the connection before the banner");
        return Finish(event.now_ns);
      }
      [[fallthrough]];
    case SessionState::kAwaitEhlo:
    case SessionState::kAwaitHelo:
      CapturePartialReply(event.now_ns);
      FailWith(ScanStatus::kProtocolError,
               "peer closed during the " + std::string(SessionPhaseName(phase_)) + " reply");
      return Finish(event.now_ns);
    case SessionState::kAwaitStarttls:
    case SessionState::kHandshake:
    case SessionState::kAwaitTlsEhlo:
      CapturePartialReply(event.now_ns);
      return FailTls(TlsOutcome::kPeerClosed,
                     "peer closed during the " + std::string(SessionPhaseName(phase_)),
                     event.now_ns);
    case SessionState::kAwaitQuit:
      return Finish(event.now_ns);
    default:
      return {};
  }
}

SessionActions Session::OnIoError(const SessionEvent& event) {
  switch (state_) {
    case SessionState::kAwaitBanner:
    case SessionState::kAwaitEhlo:
    case SessionState::kAwaitHelo:
      CapturePartialReply(event.now_ns);
      FailWith(StatusOfIoError(event.error),
               std::string(SessionPhaseName(phase_)) + ": " + ErrnoText(event.error));
      return Finish(event.now_ns);
    case SessionState::kAwaitStarttls:
    case SessionState::kHandshake:
    case SessionState::kAwaitTlsEhlo:
      CapturePartialReply(event.now_ns);
      return FailTls(TlsOutcome::kConnectionReset,
                     std::string(SessionPhaseName(phase_)) + ": " + ErrnoText(event.error),
                     event.now_ns);
    case SessionState::kAwaitQuit:
      // The verdict is already made; a reset after QUIT changes nothing.
      return Finish(event.now_ns);
    default:
      return {};
  }
}

SessionActions Session::OnTimeout(const SessionEvent& event) {
  if (event.phase != phase_) return {};  // a deadline from an earlier phase
  bool session_cap = event.now_ns >= session_deadline_ns_;
  std::string why =
      event.interrupted ? "cut short during " + std::string(SessionPhaseName(phase_)) +
                              ": the scan was interrupted"
      : session_cap ? "session time limit of " + std::to_string(config_->timeouts().session_ms) +
                          " ms reached during " + std::string(SessionPhaseName(phase_))
                    : std::string(SessionPhaseName(phase_)) + " timed out after " +
                          std::to_string(config_->PhaseTimeoutMs(phase_)) + " ms";
  switch (state_) {
    case SessionState::kConnecting:
      FailWith(ScanStatus::kConnectionTimeout, why);
      return Finish(event.now_ns);
    case SessionState::kAwaitBanner:
      CapturePartialReply(event.now_ns);
      FailWith(ScanStatus::kBannerTimeout, why);
      return Finish(event.now_ns);
    case SessionState::kAwaitEhlo:
    case SessionState::kAwaitHelo:
      CapturePartialReply(event.now_ns);
      FailWith(ScanStatus::kIoTimeout, why);
      return Finish(event.now_ns);
    case SessionState::kAwaitStarttls:
    case SessionState::kHandshake:
    case SessionState::kAwaitTlsEhlo:
      CapturePartialReply(event.now_ns);
      return FailTls(event.interrupted ? TlsOutcome::kInterrupted : TlsOutcome::kTimeout, why,
                     event.now_ns);
    case SessionState::kAwaitQuit:
      return Finish(event.now_ns);
    default:
      return {};
  }
}

void Session::FailWith(ScanStatus status, std::string error) {
  failure_ = status;
  failure_error_ = std::move(error);
}

SessionActions Session::Finish(int64_t now_ns) {
  result_.timing.total_ms = ElapsedMs(start_ns_, now_ns);
  result_.verdict = JudgeConversation(result_.conversation);
  if (failure_.has_value()) {
    result_.verdict.status = *failure_;
    result_.verdict.error = std::move(failure_error_);
    // A transport failure leaves no class: the conversation did not get that far.
    result_.verdict.cls.reset();
    result_.verdict.ehlo.reset();
  }
  RecordTlsAnomalies();
  result_.status = result_.verdict.status;
  result_.error = result_.verdict.error;
  state_ = SessionState::kDone;
  framer_.Reset();
  // The SSL goes as soon as the session ends; the bytes being sent may still be read by the
  // kernel, so they stay until Reset.
  tls_.reset();
  std::string().swap(tls_plain_);
  outbox_.DropWaiting();
  SessionActions actions;
  actions.close = true;
  actions.done = true;
  return actions;
}

}  // namespace starttls
