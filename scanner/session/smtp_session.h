// One SMTP session as an explicit state machine with no I/O inside (connect → banner → EHLO →
// HELO fallback → STARTTLS → TLS handshake → EHLO over TLS → QUIT). The engine feeds it events
// (connected, bytes, peer closed, timeout …) and executes the actions Step() returns (connect, send
// these bytes, arm this deadline, close, result ready). Because nothing here touches a socket or a
// clock, every path is tested with scripted bytes (tests/session).
//
// TLS lives inside the machine too: the session owns the SSL and its memory BIOs while it is
// in TLS (freed at the end), ciphertext comes in as kBytes and leaves through actions.send.
// Ciphertext to send sits in a buffer the session owns; while the engine sends it, new
// ciphertext queues behind it and the buffer is not touched until kSent reports the send
// done, so a recv arriving meanwhile cannot invalidate what the kernel reads. The session
// asks for one send at a time: a command due while a send is in flight (a peer answering
// before our command went out) queues behind it too.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/scan_status.h"
#include "scanner/session/send_outbox.h"
#include "scanner/session/session_config.h"
#include "scanner/session/tls_result.h"
#include "scanner/smtp/conversation.h"
#include "scanner/smtp/reply_framer.h"
#include "scanner/tls/tls_connection.h"

namespace starttls {

// Times are CLOCK_MONOTONIC nanoseconds, supplied by the caller with every event.
struct SessionEvent {
  enum class Kind : uint8_t {
    kStart,          // begin: the session asks to connect
    kConnected,      // the TCP handshake completed
    kConnectFailed,  // `error` = errno of the failed connect (or socket creation)
    kBytes,          // `bytes` arrived from the peer
    kPeerClosed,     // orderly EOF from the peer
    kIoError,        // `error` = errno of a failed recv/send (ECONNRESET …)
    kTimeout,        // the deadline armed for `phase` passed
    kSent,           // the last actions.send was sent completely (one is in flight at a time)
  };

  Kind kind = Kind::kStart;
  int64_t now_ns = 0;
  int error = 0;
  std::string_view bytes;
  SessionPhase phase = SessionPhase::kConnect;
  // kTimeout only: the scan is being cut short (a second SIGINT/SIGTERM), not a deadline.
  bool interrupted = false;

  static SessionEvent Start(int64_t now_ns) { return {Kind::kStart, now_ns, 0, {}, {}}; }
  static SessionEvent Connected(int64_t now_ns) { return {Kind::kConnected, now_ns, 0, {}, {}}; }
  static SessionEvent ConnectFailed(int64_t now_ns, int err) {
    return {Kind::kConnectFailed, now_ns, err, {}, {}};
  }
  static SessionEvent Bytes(int64_t now_ns, std::string_view data) {
    return {Kind::kBytes, now_ns, 0, data, {}};
  }
  static SessionEvent PeerClosed(int64_t now_ns) { return {Kind::kPeerClosed, now_ns, 0, {}, {}}; }
  static SessionEvent IoError(int64_t now_ns, int err) {
    return {Kind::kIoError, now_ns, err, {}, {}};
  }
  static SessionEvent Sent(int64_t now_ns) { return {Kind::kSent, now_ns, 0, {}, {}}; }
  static SessionEvent Timeout(int64_t now_ns, SessionPhase phase) {
    return {Kind::kTimeout, now_ns, 0, {}, phase};
  }
  // Ends the session now, recorded as its current phase's timeout with the reason said.
  static SessionEvent Interrupt(int64_t now_ns, SessionPhase phase) {
    return {Kind::kTimeout, now_ns, 0, {}, phase, true};
  }
};

struct SessionDeadline {
  SessionPhase phase = SessionPhase::kConnect;
  int64_t at_ns = 0;  // absolute CLOCK_MONOTONIC time
};

// What the engine must do after one Step, in this order: connect, start receiving, send,
// (re)arm the deadline, close, deliver the result.
struct SessionActions {
  bool connect = false;
  bool start_receiving = false;  // keep a receive outstanding from now until close
  // Bytes to send: in the SessionConfig (commands) or in the session (TLS records); valid
  // until the engine reports kSent (or the session is Reset after its slot is idle).
  std::string_view send;
  std::optional<SessionDeadline> deadline;  // replaces the armed deadline
  bool close = false;                       // close the socket (cancels the deadline too)
  bool done = false;                        // Session::result() is final; hand it on
};

struct PhaseTimings {
  std::optional<double> connect_ms;   // start → connected
  std::optional<double> banner_ms;    // connected → banner complete
  std::optional<double> ehlo_ms;      // EHLO sent → reply complete
  std::optional<double> helo_ms;      // HELO sent → reply complete
  std::optional<double> starttls_ms;  // STARTTLS sent → reply complete
  std::optional<double> tls_ms;       // handshake start → complete
  std::optional<double> tls_ehlo_ms;  // EHLO over TLS sent → reply complete
  double total_ms = 0;                // start → done
};

// The outcome of a session. verdict.ehlo points into conversation.ehlo, so a result is read
// where it lies (the engine hands it on by const reference) and never moved or copied.
struct SessionResult {
  ScanStatus status = ScanStatus::kProtocolError;
  std::string error;  // empty on success
  Conversation conversation;
  ConversationVerdict verdict;  // status and error equal the two above
  PhaseTimings timing;
  bool quit_sent = false;
  std::optional<StarttlsRecord> starttls;  // set when STARTTLS was sent
  std::optional<TlsRecord> tls;            // set when STARTTLS was sent

  // A 421 anywhere: the scheduler should back this IP off.
  bool back_off() const { return status == ScanStatus::kRateLimited; }

  SessionResult() = default;
  SessionResult(const SessionResult&) = delete;
  SessionResult& operator=(const SessionResult&) = delete;
  // Back to the initial state, releasing every byte held.
  void Clear();
};

enum class SessionState : uint8_t {
  kNew,
  kConnecting,
  kAwaitBanner,
  kAwaitEhlo,
  kAwaitHelo,
  kAwaitStarttls,
  kHandshake,
  kAwaitTlsEhlo,
  kAwaitQuit,
  kDone,
};

class Session {
 public:
  Session() = default;
  explicit Session(const SessionConfig& config) { Reset(config); }
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Back to kNew for a new peer; frees every byte held for the previous one. `server_name`
  // (the MX name, when known) is sent as SNI and checked against the certificate.
  void Reset(const SessionConfig& config, std::string_view server_name = {});

  SessionState state() const { return state_; }
  bool finished() const { return state_ == SessionState::kDone; }
  // Final once finished(); before that, a view of what was captured so far.
  const SessionResult& result() const { return result_; }
  // The phase whose deadline is armed (meaningful while not finished).
  SessionPhase phase() const { return phase_; }

 private:
  friend SessionActions Step(Session& session, const SessionEvent& event);

  SessionActions Handle(const SessionEvent& event);
  SessionActions OnBytes(const SessionEvent& event);
  SessionActions OnReplyComplete(int64_t now_ns);
  SessionActions OnPeerClosed(const SessionEvent& event);
  SessionActions OnIoError(const SessionEvent& event);
  SessionActions OnTimeout(const SessionEvent& event);

  SessionActions OnTlsBytes(const SessionEvent& event);
  SessionActions OnSent(const SessionEvent& event);
  // After the EHLO/HELO verdict: sends STARTTLS when the policy says so.
  bool MaybeSendStarttls(int64_t now_ns, SessionActions* actions);
  SessionActions OnStarttlsReply(std::string_view after_reply, int64_t now_ns);
  SessionActions DriveHandshake(int64_t now_ns);
  SessionActions OnHandshakeDone(int64_t now_ns);
  SessionActions OnTlsReplyComplete(std::string_view after_reply, int64_t now_ns);
  // Feeds decrypted bytes to the framer; returns the framer's status (bytes past a complete
  // reply are left in tls_plain_).
  FrameStatus FramePlaintext(size_t* consumed);
  // Encrypts a command and queues its records.
  bool SendOverTls(std::string_view command, SessionActions* actions);
  // Moves pending ciphertext (and commands queued behind a send) to the engine when no send
  // is in flight.
  void FlushOutbox(SessionActions* actions);
  // Ends the TLS part with a failure: before the handshake completed it is the outcome,
  // after it only an error with its phase.
  SessionActions FailTls(TlsOutcome outcome, std::string error, int64_t now_ns);
  std::optional<TlsPhase> CurrentTlsPhase() const;
  void RecordTlsAnomalies();

  void Arm(SessionPhase phase, int64_t now_ns, SessionActions* actions);
  void SendCommand(std::string_view command, SessionState next, SessionPhase phase, int64_t now_ns,
                   SessionActions* actions);
  // Moves the framed (possibly partial) reply into the conversation slot of the state.
  void CaptureReply(std::string_view trailing, int64_t now_ns);
  void CapturePartialReply(int64_t now_ns);
  // Records a transport failure that overrides the conversation's verdict.
  void FailWith(ScanStatus status, std::string error);
  SessionActions Finish(int64_t now_ns);

  const SessionConfig* config_ = nullptr;
  SessionState state_ = SessionState::kNew;
  SessionPhase phase_ = SessionPhase::kConnect;
  bool got_bytes_ = false;  // any byte of the current reply arrived
  int64_t start_ns_ = 0;
  int64_t session_deadline_ns_ = 0;
  int64_t phase_start_ns_ = 0;  // connected / command sent
  std::optional<ScanStatus> failure_;
  std::string failure_error_;
  ReplyFramer framer_;
  SessionResult result_;

  // TLS: the server name, the connection (only while in TLS), decrypted bytes not yet framed,
  // and what is being sent or waits behind it (outbox_: commands and ciphertext, in order).
  std::string server_name_;
  std::unique_ptr<TlsConnection> tls_;
  std::string tls_plain_;
  SendOutbox outbox_;
};

// Advances the session by one event. Events that do not fit the state (stale timeouts, bytes
// after the end) change nothing and ask for nothing.
SessionActions Step(Session& session, const SessionEvent& event);

// How a failed connect's errno maps onto docs/rules.md §6 statuses.
ScanStatus StatusOfConnectError(int err);
// How a failed recv/send's errno maps onto docs/rules.md §6 statuses.
ScanStatus StatusOfIoError(int err);

}  // namespace starttls
