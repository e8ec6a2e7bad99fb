// One SMTP session as an explicit state machine with no I/O inside (connect → banner → EHLO →
// HELO fallback → QUIT). The engine feeds it events (connected, bytes, peer closed, timeout …)
// and executes the actions Step() returns (connect, send these bytes, arm this deadline,
// close, result ready). Because nothing here touches a socket or a clock, every path is
// tested with scripted bytes (tests/session).
//
// STARTTLS and TLS slot in later as further states (STARTTLS sent → handshake over memory
// BIOs → EHLO over TLS → QUIT) with their own SessionPhase values; the event and action
// shapes already carry what they need (bytes in, bytes out, deadlines).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scanner/session/session_config.h"
#include "scanner/smtp/conversation.h"
#include "scanner/smtp/reply_framer.h"
#include "scanner/smtp/scan_status.h"

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
  std::string_view send;         // bytes to send; they live in the SessionConfig
  std::optional<SessionDeadline> deadline;  // replaces the armed deadline
  bool close = false;            // close the socket (cancels the deadline too)
  bool done = false;             // Session::result() is final; hand it on
};

struct PhaseTimings {
  std::optional<double> connect_ms;  // start → connected
  std::optional<double> banner_ms;   // connected → banner complete
  std::optional<double> ehlo_ms;     // EHLO sent → reply complete
  std::optional<double> helo_ms;     // HELO sent → reply complete
  double total_ms = 0;               // start → done
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
  kAwaitQuit,
  kDone,
};

class Session {
 public:
  Session() = default;
  explicit Session(const SessionConfig& config) { Reset(config); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Back to kNew for a new peer; frees every byte held for the previous one.
  void Reset(const SessionConfig& config);

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

  void Arm(SessionPhase phase, int64_t now_ns, SessionActions* actions);
  void SendCommand(std::string_view command, SessionState next, SessionPhase phase,
                   int64_t now_ns, SessionActions* actions);
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
};

// Advances the session by one event. Events that do not fit the state (stale timeouts, bytes
// after the end) change nothing and ask for nothing.
SessionActions Step(Session& session, const SessionEvent& event);

// How a failed connect's errno maps onto SPEC §6 statuses.
ScanStatus StatusOfConnectError(int err);
// How a failed recv/send's errno maps onto SPEC §6 statuses.
ScanStatus StatusOfIoError(int err);

}  // namespace starttls
