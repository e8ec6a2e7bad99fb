// libFuzzer target: the SMTP session state machine (scanner/session) driven by a script of
// fuzzer-chosen events: server bytes cut at fuzzer-chosen points, peer closed, I/O errors,
// timeouts of the armed or of a stale phase, send completions in any order relative to the
// replies, interrupts, and connect outcomes; with no TLS, with the scanner's TLS context fed
// garbage, or with an in-process TLS server (session_tls_peer.h) that completes a handshake.
//
// Input: two config bytes, then ops (opcode byte % 16, then its arguments), see Op below.
//   config[0] bits 0-1 TLS: 0 none, 1 scanner context + raw fuzzer bytes as TLS,
//                           2 PSK context + in-process server, 3 context but --starttls=never
//             bit 2 --starttls=always (else offered)   bit 3 small reply/TLS buffer caps
//             bit 4 an MX name (SNI)                    bit 5 the fuzzer drives Start/Connect
//             bit 6 sends complete at once              bit 7 the server's output is delivered
//                                                       at once (mode 2)
//   config[1] the EHLO name's length - 1 (1..8 letters), so commands vary in size.
//
// Invariants (abort on violation), docs/rules.md §2-§3, §5:
//   - before TLS, every send is exactly EHLO, HELO, STARTTLS or QUIT, in the order
//     EHLO [HELO] [STARTTLS] [QUIT]; STARTTLS only with a TLS context whose policy allows it;
//   - after the STARTTLS 220, every send is whole TLS records, and the plaintext the session
//     hands its TLS layer (decrypted by the in-process server) is EHLO then QUIT, nothing else;
//   - one send at a time, and its bytes stay untouched until its kSent (the engine reads
//     them until then);
//   - a stale timeout changes nothing; a timeout of the armed phase finishes or advances the
//     session; an interrupt finishes it; once done no event asks for any action;
//   - when the script runs out, completing the sends and firing the armed deadline at most
//     twice ends the session;
//   - the result's status is one of the closed list, consistent with its class and error;
//   - captured replies stay under their caps, and the heap held stays under a fixed bound.
#include <sanitizer/allocator_interface.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/smtp/session_tls_peer.h"
#include "scanner/session/smtp_session.h"

// Present under ASan (the fuzz build); absent in the coverage build, where the heap check
// is skipped.
extern "C" size_t __sanitizer_get_current_allocated_bytes() __attribute__((weak));

namespace starttls::fuzz {
namespace {

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "session_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

constexpr int64_t kMs = 1'000'000;
// Everything a session may hold with the default caps (five captured replies and the framer's
// at 64 KiB each with their string growth, line tables, decrypted bytes, the TLS buffers) is
// well under this; a leak or an uncapped buffer fed the fuzzer's megabytes is not.
constexpr size_t kMaxHeldBytes = 3 << 20;

enum Op : uint8_t {
  kOpBytes = 0,  // len, bytes: one kBytes event
  kOpRepeat,     // count, len, bytes: one kBytes event of bytes repeated (up to 64 KiB)
  kOpPeerClosed,
  kOpIoError,       // errno pick
  kOpTimeout,       // the armed phase's deadline fires (the clock jumps to it)
  kOpStaleTimeout,  // phase: a deadline of that phase fires now
  kOpSent,          // the oldest send in flight completes
  kOpInterrupt,
  kOpClock,  // n: the clock advances n * 250 ms
  kOpConnected,
  kOpConnectFailed,  // errno pick
  kOpStart,
  kOpDeliver,      // n: the server's next n queued bytes (0: all) arrive
  kOpServerWrite,  // len, bytes: the server sends them over TLS (raw bytes without one)
  kOpServerClose,  // the server sends close_notify
  kOpCorrupt,      // pos, xor: flips bits of a queued ciphertext byte
};

constexpr int kIoErrors[] = {ECONNRESET, EPIPE, ETIMEDOUT, ECONNABORTED, EHOSTUNREACH, EINVAL};
constexpr int kConnectErrors[] = {ECONNREFUSED, ETIMEDOUT,    ECONNRESET,
                                  ENETUNREACH,  EHOSTUNREACH, EACCES};

class Script {
 public:
  Script(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::string_view Bytes(size_t n) {
    n = std::min(n, size_ - at_);
    std::string_view out(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

bool IsTlsState(SessionState state) {
  return state == SessionState::kHandshake || state == SessionState::kAwaitTlsEhlo;
}

// True when `bytes` is a run of whole TLS records (RFC 8446 §5.1 framing).
bool IsWholeTlsRecords(std::string_view bytes) {
  while (!bytes.empty()) {
    if (bytes.size() < 5) return false;
    auto type = static_cast<uint8_t>(bytes[0]);
    if (type < 20 || type > 23 || bytes[1] != 3) return false;
    size_t length = (static_cast<uint8_t>(bytes[3]) << 8) | static_cast<uint8_t>(bytes[4]);
    if (length > 16384 + 2048 || bytes.size() < 5 + length) return false;
    bytes.remove_prefix(5 + length);
  }
  return true;
}

class Harness {
 public:
  Harness(const SessionConfig& config, uint8_t flags, size_t baseline)
      : config_(config),
        server_mode_((flags & 3) == 2),
        manual_connect_(flags & 0x20),
        auto_sent_(flags & 0x40),
        auto_deliver_(flags & 0x80),
        baseline_(baseline),
        session_(config) {
    if (flags & 0x10) session_.Reset(config, "mx.fuzz.example");
  }

  void Run(Script& script) {
    if (!manual_connect_) {
      Apply(SessionEvent::Start(now_));
      Tick();
      Apply(SessionEvent::Connected(now_));
    }
    while (!script.empty()) {
      RunOp(script);
      Settle();
      Tick();
    }
    Finale();
  }

 private:
  struct PendingSend {
    std::string_view view;  // what the session handed over
    std::string copy;       // its bytes at that time
    size_t tls_from;        // where its TLS records begin (its size: none)
  };

  void Tick() { now_ += kMs; }

  void RunOp(Script& script) {
    switch (static_cast<Op>(script.Byte() % 16)) {
      case kOpBytes:
        Apply(SessionEvent::Bytes(now_, script.Bytes(script.Byte())));
        break;
      case kOpRepeat: {
        size_t count = script.Byte();
        std::string_view piece = script.Bytes(script.Byte());
        std::string bytes;
        for (size_t i = 0; i < count; ++i) bytes.append(piece);
        Apply(SessionEvent::Bytes(now_, bytes));
        break;
      }
      case kOpPeerClosed:
        Apply(SessionEvent::PeerClosed(now_));
        break;
      case kOpIoError:
        Apply(SessionEvent::IoError(now_, kIoErrors[script.Byte() % std::size(kIoErrors)]));
        break;
      case kOpTimeout:
        FireArmedDeadline();
        break;
      case kOpStaleTimeout:
        Apply(SessionEvent::Timeout(now_, static_cast<SessionPhase>(script.Byte() % 8)));
        break;
      case kOpSent:
        if (!sends_.empty()) DeliverSent();
        break;
      case kOpInterrupt:
        Apply(SessionEvent::Interrupt(now_, session_.phase()));
        break;
      case kOpClock:
        now_ += int64_t{script.Byte()} * 250 * kMs;
        break;
      case kOpConnected:
        Apply(SessionEvent::Connected(now_));
        break;
      case kOpConnectFailed:
        Apply(SessionEvent::ConnectFailed(
            now_, kConnectErrors[script.Byte() % std::size(kConnectErrors)]));
        break;
      case kOpStart:
        Apply(SessionEvent::Start(now_));
        break;
      case kOpDeliver:
        DeliverQueued(script.Byte());
        break;
      case kOpServerWrite: {
        std::string_view bytes = script.Bytes(script.Byte());
        if (!server_.Write(bytes)) Apply(SessionEvent::Bytes(now_, bytes));
        break;
      }
      case kOpServerClose:
        server_.Close();
        break;
      case kOpCorrupt: {
        size_t at = script.Byte();
        uint8_t mask = script.Byte() | 1;
        std::string& queued = server_.to_client();
        if (!queued.empty()) queued[at % queued.size()] ^= static_cast<char>(mask);
        break;
      }
    }
  }

  // What an engine does on its own: complete sends, pass the server's answer on (when the
  // script asked for that).
  void Settle() {
    for (int round = 0; round < 64; ++round) {
      if (auto_sent_ && !sends_.empty()) {
        DeliverSent();
      } else if (auto_deliver_ && !done_ && !server_.to_client().empty()) {
        DeliverQueued(0);
      } else {
        return;
      }
    }
    FUZZ_CHECK(false);  // the session and the server kept each other busy forever
  }

  void FireArmedDeadline() {
    if (deadline_.has_value() && deadline_->at_ns > now_) now_ = deadline_->at_ns;
    Apply(SessionEvent::Timeout(now_, session_.phase()));
  }

  void DeliverQueued(size_t n) {
    std::string& queued = server_.to_client();
    if (queued.empty()) return;
    if (n == 0 || n > queued.size()) n = queued.size();
    std::string bytes = queued.substr(0, n);
    queued.erase(0, n);
    Apply(SessionEvent::Bytes(now_, bytes));
  }

  void DeliverSent() {
    PendingSend send = std::move(sends_.front());
    sends_.pop_front();
    // The session promised not to touch these bytes before this kSent.
    FUZZ_CHECK(send.view == send.copy);
    if (send.tls_from < send.copy.size() && server_mode_) {
      server_.FromClient(std::string_view(send.copy).substr(send.tls_from));
      // What the session hands its TLS layer: EHLO, then QUIT; never MAIL, RCPT, DATA, AUTH,
      // VRFY or EXPN (docs/rules.md §2), never anything else.
      std::string allowed =
          std::string(config_.ehlo_command()) + std::string(config_.quit_command());
      FUZZ_CHECK(std::string_view(allowed).starts_with(server_.plain()));
    }
    Apply(SessionEvent::Sent(now_));
  }

  void Apply(const SessionEvent& event) {
    const SessionState before = session_.state();
    const SessionPhase phase_before = session_.phase();
    SessionActions actions = Step(session_, event);
    if (Trace()) {
      std::fprintf(stderr, "step: event=%d bytes=%zu state %d->%d send=%zu done=%d\n",
                   static_cast<int>(event.kind), event.bytes.size(), static_cast<int>(before),
                   static_cast<int>(session_.state()), actions.send.size(),
                   static_cast<int>(actions.done));
    }
    const bool acted = actions.connect || actions.start_receiving || !actions.send.empty() ||
                       actions.deadline.has_value() || actions.close || actions.done;
    if (done_) {
      FUZZ_CHECK(!acted);  // nothing after done
      FUZZ_CHECK(session_.finished());
      return;
    }
    if (event.kind == SessionEvent::Kind::kTimeout && before != SessionState::kNew) {
      if (event.interrupted) {
        FUZZ_CHECK(actions.done);
      } else if (event.phase != phase_before) {
        FUZZ_CHECK(!acted);  // a stale deadline changes nothing
        FUZZ_CHECK(session_.state() == before && session_.phase() == phase_before);
      } else {
        FUZZ_CHECK(actions.done || session_.state() != before || session_.phase() != phase_before);
      }
    }
    FUZZ_CHECK(!actions.connect || before == SessionState::kNew);
    FUZZ_CHECK(!actions.done || actions.close);
    FUZZ_CHECK(actions.done == session_.finished());
    if (event.kind == SessionEvent::Kind::kStart && before == SessionState::kNew) {
      session_deadline_ = now_ + config_.timeouts().session_ms * kMs;
    }
    if (actions.deadline.has_value()) {
      FUZZ_CHECK(actions.deadline->phase == session_.phase());
      FUZZ_CHECK(actions.deadline->at_ns <= session_deadline_);
      deadline_ = actions.deadline;
    }
    if (IsTlsState(session_.state())) tls_entered_ = true;
    if (!actions.send.empty()) OnSend(actions.send);
    if (actions.close) deadline_.reset();
    if (actions.done) {
      done_ = true;
      CheckResult();
    }
    CheckHeld();
  }

  // What goes on the wire is plaintext commands up to STARTTLS, then, once the session took
  // the 220 and entered TLS, only whole TLS records. One send may hold several commands
  // (those that queued behind a send in flight) and the ClientHello behind STARTTLS.
  void OnSend(std::string_view send) {
    // One send at a time: kSent reports the last one, and the engine keeps one in flight.
    FUZZ_CHECK(sends_.empty());
    std::string_view rest = send;
    while (!rest.empty() && !InTlsStream()) {
      std::string_view command;
      for (std::string_view known : {config_.ehlo_command(), config_.helo_command(),
                                     config_.starttls_command(), config_.quit_command()}) {
        if (rest.starts_with(known)) command = known;
      }
      FUZZ_CHECK(!command.empty());
      CheckCommand(command);
      rest.remove_prefix(command.size());
    }
    FUZZ_CHECK(IsWholeTlsRecords(rest));
    sends_.push_back({send, std::string(send), send.size() - rest.size()});
  }

  bool InTlsStream() const { return tls_entered_ && !commands_.empty() && commands_.back() == 'S'; }

  // EHLO [HELO] [STARTTLS] [QUIT] (or QUIT alone after a refused banner), each exactly as
  // configured.
  void CheckCommand(std::string_view send) {
    const SessionTlsSettings& tls = config_.tls();
    if (send == config_.ehlo_command()) {
      FUZZ_CHECK(commands_.empty());
    } else if (send == config_.helo_command()) {
      FUZZ_CHECK(commands_ == "E");
    } else if (send == config_.starttls_command()) {
      FUZZ_CHECK(tls.context != nullptr && tls.policy != StarttlsPolicy::kNever);
      FUZZ_CHECK(commands_ == "E" || commands_ == "EH");
    } else {
      // QUIT ends every conversation that got an answer, a refused banner's too.
      FUZZ_CHECK(send == config_.quit_command());
      FUZZ_CHECK(commands_.find('Q') == std::string::npos);
    }
    commands_.push_back(send[0]);
  }

  void CheckCaptured(const std::optional<CapturedReply>& captured) const {
    if (!captured.has_value()) return;
    const ReplyLimits& limits = config_.limits();
    FUZZ_CHECK(captured->reply.raw.size() <= limits.max_reply_bytes);
    FUZZ_CHECK(captured->reply.lines.size() <= limits.max_lines);
    FUZZ_CHECK(captured->trailing.size() <= config_.max_trailing_bytes());
  }

  void CheckHeld() const {
    const SessionResult& result = session_.result();
    CheckCaptured(result.conversation.banner);
    CheckCaptured(result.conversation.ehlo);
    CheckCaptured(result.conversation.helo);
    if (result.starttls.has_value()) CheckCaptured(result.starttls->reply);
    if (result.tls.has_value()) CheckCaptured(result.tls->ehlo);
    if (__sanitizer_get_current_allocated_bytes == nullptr) return;
    size_t held = __sanitizer_get_current_allocated_bytes();
    size_t own = server_.to_client().capacity() + server_.plain().capacity();
    for (const PendingSend& send : sends_) own += send.copy.capacity();
    FUZZ_CHECK(held <= baseline_ + kMaxHeldBytes + own);
  }

  void CheckResult() const {
    const SessionResult& result = session_.result();
    FUZZ_CHECK(result.status < ScanStatus::kCount && result.status != ScanStatus::kBlocklisted);
    FUZZ_CHECK(result.verdict.status == result.status && result.verdict.error == result.error);
    const bool success = result.status == ScanStatus::kSuccess;
    FUZZ_CHECK(success == result.verdict.cls.has_value());
    FUZZ_CHECK(success == result.error.empty());
    FUZZ_CHECK(result.verdict.anomalies.bits() < (1u << static_cast<int>(Anomaly::kCount)));
    FUZZ_CHECK(result.starttls.has_value() == result.tls.has_value());
    // STARTTLS on the wire is recorded; a recorded one may also have been still queued
    // behind a send when the session ended.
    FUZZ_CHECK(commands_.find('S') == std::string::npos || result.starttls.has_value());
    FUZZ_CHECK(!result.starttls.has_value() || (config_.tls().context != nullptr &&
                                                config_.tls().policy != StarttlsPolicy::kNever));
    FUZZ_CHECK(commands_.find('Q') == std::string::npos || result.quit_sent);
    if (result.tls.has_value()) {
      const TlsRecord& tls = *result.tls;
      FUZZ_CHECK(tls.outcome <= TlsOutcome::kInterrupted);
      FUZZ_CHECK(tls.outcome == TlsOutcome::kOk || !tls.error.empty());
      FUZZ_CHECK(tls.error.empty() || tls.failed_phase.has_value());
      FUZZ_CHECK(tls.version.empty() || tls.outcome == TlsOutcome::kOk);
      // Only the in-process server can complete a handshake.
      FUZZ_CHECK(tls.version.empty() || server_mode_);
    }
    FUZZ_CHECK(result.timing.total_ms >= 0);
  }

  void Finale() {
    if (session_.state() == SessionState::kNew) Apply(SessionEvent::Start(now_));
    for (int i = 0; i < 16 && !sends_.empty() && !done_; ++i) DeliverSent();
    for (int i = 0; i < 2 && !done_; ++i) FireArmedDeadline();
    FUZZ_CHECK(session_.finished());
    if (Trace()) PrintResult();
    // Sends still in flight read bytes that stay valid and unchanged until their kSent.
    while (!sends_.empty()) DeliverSent();
    session_.Reset(config_);
    FUZZ_CHECK(session_.state() == SessionState::kNew && session_.result().tls == std::nullopt);
  }

  // SESSION_FUZZER_TRACE=1 prints how each input ended (to check what seeds reach).
  static bool Trace() {
    static const bool trace = std::getenv("SESSION_FUZZER_TRACE") != nullptr;
    return trace;
  }

  void PrintResult() const {
    const SessionResult& result = session_.result();
    std::fprintf(stderr, "session: status=%s error='%s' commands=%s",
                 std::string(ScanStatusName(result.status)).c_str(), result.error.c_str(),
                 commands_.c_str());
    if (result.tls.has_value()) {
      std::fprintf(stderr, " tls=%s version='%s' tls_error='%s' tls_ehlo=%d",
                   std::string(TlsOutcomeName(result.tls->outcome)).c_str(),
                   result.tls->version.c_str(), result.tls->error.c_str(),
                   result.tls->ehlo.has_value() ? result.tls->ehlo->reply.code() : -1);
    }
    std::fprintf(stderr, " server_plain=%zu\n", server_.plain().size());
  }

  const SessionConfig& config_;
  const bool server_mode_;
  const bool manual_connect_;
  const bool auto_sent_;
  const bool auto_deliver_;
  const size_t baseline_;
  Session session_;
  FuzzTlsServer server_;
  int64_t now_ = 1'000 * kMs;
  int64_t session_deadline_ = 0;
  std::optional<SessionDeadline> deadline_;
  std::deque<PendingSend> sends_;
  std::string commands_;  // first letters of the plaintext commands sent, in order
  bool tls_entered_ = false;
  bool done_ = false;
};

SessionConfig MakeConfig(uint8_t flags, uint8_t name_length) {
  ReplyLimits limits;
  size_t max_trailing = 4096;
  SessionTlsSettings tls;
  if (flags & 0x08) {
    limits.max_line_octets = 40;
    limits.max_reply_bytes = 300;
    limits.max_lines = 6;
    max_trailing = 16;
    tls.max_buffered_ciphertext = 2048;
  }
  const FuzzTlsContexts& contexts = FuzzTlsContexts::Get();
  switch (flags & 3) {
    case 1:
      tls.context = contexts.scanner.get();
      break;
    case 2:
      tls.context = contexts.psk.get();
      break;
    case 3:
      tls.context = contexts.scanner.get();
      tls.policy = StarttlsPolicy::kNever;
      break;
    default:
      break;
  }
  if ((flags & 3) != 3) {
    tls.policy = (flags & 0x04) ? StarttlsPolicy::kAlways : StarttlsPolicy::kOffered;
  }
  SessionTimeouts timeouts;
  timeouts.connect_ms = 1'000;
  timeouts.banner_ms = 30'000;
  timeouts.command_ms = 10'000;
  timeouts.tls_ms = 5'000;
  timeouts.session_ms = 60'000;
  SessionConfig config(std::string("fuzzname").substr(0, 1 + name_length % 8), timeouts, limits,
                       max_trailing);
  config.set_tls(tls);
  return config;
}

}  // namespace
}  // namespace starttls::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace starttls::fuzz;
  if (size < 2) return 0;
  FuzzTlsContexts::Get();  // made once, before the heap baseline
  size_t baseline =
      __sanitizer_get_current_allocated_bytes ? __sanitizer_get_current_allocated_bytes() : 0;
  const starttls::SessionConfig config = MakeConfig(data[0], data[1]);
  Script script(data + 2, size - 2);
  Harness harness(config, data[0], baseline);
  harness.Run(script);
  return 0;
}
