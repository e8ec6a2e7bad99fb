// One simulated SMTP session: reads command lines (bounded), answers them per its behaviour,
// holds every outgoing byte until its release time (simulated latency, drip gaps), and runs
// TLS over memory BIOs. It never blocks and never sleeps: the server's event loop calls
// OnReadable/OnWritable/OnTimer and asks NextWake() when to come back.
//
// Sessions are pooled by the server (Begin/Release), and outgoing bytes live in one flat buffer
// per session with a list of timed pieces, so a steady stream of short sessions allocates
// nothing. Endless or oversized output (session_streams.cc) is generated while it is sent and
// never queued past a small bound; TLS and its deliberate faults are in session_tls.cc.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/lab_stats.h"

namespace starttls::lab {

class CertStore;

struct SessionConfig {
  uint64_t latency_ns = 0;
  uint64_t greeting_delay_ns = 0;
  uint64_t late_banner_ns = 0;
  uint64_t drip_gap_ns = 0;
  uint64_t idle_timeout_ns = 0;
  uint64_t established_age_ns = 0;  // how long the kernel held the connection before accept
  bool dropped = false;             // --drop-fraction victim: never answers
  bool first_contact = false;       // the first connection ever to this address (banner_421_once)
};

// 1 MiB TLS flights (hostile_tls_huge_cert) alive at once per worker, about 1.6 MiB of lab
// memory each; more handshakes wait. Enough that a survey-size burst of them meets no queue
// longer than the scanner's TLS deadline.
inline constexpr int kMaxHugeFlights = 64;

// What the sessions of one worker share.
struct WorkerContext {
  CertStore& certs;
  LabStats& stats;
  int huge_flights = 0;  // sessions now holding a 1 MiB TLS flight (bounded)
};

class Session {
 public:
  enum class End { kOpen, kClose, kReset };

  explicit Session(WorkerContext& ctx) : ctx_(ctx) {}
  ~Session() { Release(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Begin(int fd, const Behaviour& behaviour, std::string_view mx, const SessionConfig& config,
             uint64_t now);
  void Release();  // frees TLS state; keeps buffer capacity (bounded) for the next Begin

  // `peer_closed`: epoll saw the peer's FIN (RDHUP/HUP), so reading goes on to the EOF even
  // after a short read, and the close is handled in this batch, before its accepts (the
  // per-/24 and per-address counters must not count a closed connection beside its successor).
  void OnReadable(uint64_t now, bool peer_closed);
  void OnWritable(uint64_t now);
  void OnTimer(uint64_t now);

  End end() const { return end_; }
  bool wants_write() const { return want_write_; }
  bool wants_read() const { return !deaf_; }
  uint64_t NextWake() const;  // 0: nothing timed pending
  int fd() const { return fd_; }

 private:
  enum class Action : uint8_t { kNone, kCloseFin, kCloseRst, kStartTls };
  struct Piece {
    uint64_t release = 0;
    uint32_t len = 0;
    Action action = Action::kNone;
    bool drip = false;
  };

  void Start(uint64_t now);
  void OnBytes(std::string_view data, uint64_t now);
  void OnPlainBytes(std::string_view data, uint64_t now);
  void HandleLine(std::string_view line, uint64_t now);
  void HandleStarttls(uint64_t now);
  // Renders `tmpl` ({mx}, line ends) into the output, or through TLS once it is up.
  void Reply(std::string_view tmpl, uint64_t now);
  void QueueText(std::string_view tmpl, uint64_t release);  // rendered, plaintext, no TLS
  void QueueBytes(std::string_view bytes, uint64_t release, bool drip);
  void QueueAction(Action action, uint64_t release);
  void PushPiece(size_t len, Action action, uint64_t release, bool drip);
  size_t unsent() const { return out_.size() - out_off_; }
  bool plain_drip() const { return b_->drip || b_->one_byte_segments; }
  void Flush(uint64_t now);
  bool FlushOnce(uint64_t now);  // false: stop (blocked, waiting or closed)
  void CompactOutput();
  bool SocketSendQueueEmpty() const;  // nothing of ours still waits in the kernel to be sent

  // session_tls.cc
  void StartTls(uint64_t now);
  void OnTlsBytes(std::string_view data, uint64_t now);
  bool RunHandshake(uint64_t now);  // false: not done (yet, or failed)
  void DrainTls(uint64_t now) { DrainTlsAt(now + cfg_.latency_ns); }
  bool DrainTlsAt(uint64_t release);  // false: nothing was pending (or no room)
  void FailTls(uint64_t now);
  void QueueFirstHandshakeMessage(uint64_t now);

  // session_streams.cc
  void StartStream(uint64_t first, uint64_t now);
  void StreamTick(uint64_t now);
  bool Refill(uint64_t now);  // tops the output up from a stream or the TLS BIO
  void AppendManyLineEhlo(uint64_t release);
  char DripByte(uint64_t index) const;
  bool stream_forever() const;

  WorkerContext& ctx_;
  int fd_ = -1;
  const Behaviour* b_ = nullptr;
  char mx_buf_[64] = {};
  std::string_view mx_;
  SessionConfig cfg_;

  End end_ = End::kOpen;
  std::string out_;  // queued bytes; out_[out_off_..] not yet sent
  size_t out_off_ = 0;
  std::vector<Piece> pieces_;
  size_t piece_head_ = 0;
  size_t piece_sent_ = 0;  // bytes of pieces_[piece_head_] already sent
  bool want_write_ = false;
  bool more_now_ = false;  // Flush stopped early with more to send: come back at once
  std::string in_;
  std::string scratch_;  // TLS replies are rendered here before SSL_write
  bool skip_to_lf_ = false;
  uint64_t last_activity_ = 0;
  uint64_t last_input_ = 0;

  bool silent_ = false;                 // never answers (no_banner, dropped)
  bool reject_ = false;                 // banner_554: 503 to all but QUIT
  bool reset_on_input_ = false;         // reset_after_banner
  bool deaf_ = false;                   // hostile_never_reads
  bool babbling_ = false;               // hostile_quit_babble after QUIT
  bool answer_after_starttls_ = false;  // _then_smtp / _then_http: answer the next bytes
  bool second_banner_sent_ = false;
  uint64_t reset_deadline_ = 0;
  bool discard_input_ = false;  // after STARTTLS accepted until TLS starts; after FIN
  bool write_closed_ = false;   // FIN sent; waiting for the peer's EOF
  uint64_t drain_deadline_ = 0;

  bool streaming_ = false;     // b_->stream is producing output
  uint64_t stream_start_ = 0;  // first tick of a timed stream
  uint64_t stream_next_ = 0;   // next tick of a timed stream
  uint64_t stream_count_ = 0;  // lines or bytes produced so far

  SSL* ssl_ = nullptr;
  bool tls_ = false;
  bool handshake_done_ = false;
  bool flight_sent_ = false;  // the server's first handshake flight was queued
  bool holds_huge_slot_ = false;
  uint64_t tls_retry_at_ = 0;  // waiting for a huge-flight slot
};

}  // namespace starttls::lab
