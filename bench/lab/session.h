// One simulated SMTP session: reads command lines (bounded), answers them per its behaviour,
// holds every outgoing byte until its release time (simulated latency, drip gaps), and runs
// TLS over memory BIOs. It never blocks and never sleeps: the server's event loop calls
// OnReadable/OnWritable/OnTimer and asks NextWake() when to come back.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/lab_stats.h"

namespace starttls::lab {

class CertStore;

struct SessionConfig {
  uint64_t latency_ns = 0;
  uint64_t greeting_delay_ns = 0;
  uint64_t drip_gap_ns = 0;
  uint64_t idle_timeout_ns = 0;
  bool dropped = false;  // --drop-fraction victim: never answers
};

class Session {
 public:
  enum class End { kOpen, kClose, kReset };

  Session(int fd, const Behaviour& behaviour, std::string mx, const SessionConfig& config,
          CertStore& certs, LabStats& stats, uint64_t now);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void OnReadable(uint64_t now);
  void OnWritable(uint64_t now);
  void OnTimer(uint64_t now);
  void Shutdown() { if (end_ == End::kOpen) end_ = End::kClose; }

  End end() const { return end_; }
  bool wants_write() const { return want_write_; }
  uint64_t NextWake() const;  // 0: nothing timed pending
  int fd() const { return fd_; }

 private:
  enum class Action { kNone, kCloseFin, kCloseRst, kStartTls };
  struct Chunk {
    uint64_t release = 0;
    std::string data;
    size_t off = 0;
    Action action = Action::kNone;
    bool drip = false;
  };

  void Start(uint64_t now);
  void OnBytes(std::string_view data, uint64_t now);
  void OnPlainBytes(std::string_view data, uint64_t now);
  void OnTlsBytes(std::string_view data, uint64_t now);
  void HandleLine(std::string_view line, uint64_t now);
  void Reply(std::string_view tmpl, uint64_t now);  // renders {mx} and line ends
  void Queue(std::string data, Action action, uint64_t release, bool drip);
  void DrainTls(uint64_t now);
  void StartTls(uint64_t now);
  void EndlessTick(uint64_t now);
  void Flush(uint64_t now);

  int fd_;
  const Behaviour& b_;
  std::string mx_;
  SessionConfig cfg_;
  CertStore& certs_;
  LabStats& stats_;

  End end_ = End::kOpen;
  std::deque<Chunk> out_;
  size_t out_bytes_ = 0;
  bool want_write_ = false;
  std::string in_;
  bool skip_to_lf_ = false;
  uint64_t last_activity_ = 0;

  bool silent_ = false;         // never answers (no_banner, dropped)
  bool reject_ = false;         // banner_554: 503 to all but QUIT
  bool reset_on_input_ = false; // reset_after_banner
  uint64_t reset_deadline_ = 0;
  bool discard_input_ = false;  // after STARTTLS accepted until TLS starts; after FIN
  bool write_closed_ = false;   // FIN sent; waiting for the peer's EOF
  uint64_t drain_deadline_ = 0;

  bool endless_ = false;
  uint32_t endless_lines_ = 0;
  uint64_t endless_next_ = 0;

  SSL* ssl_ = nullptr;
  bool tls_ = false;
  bool handshake_done_ = false;
};

}  // namespace starttls::lab
