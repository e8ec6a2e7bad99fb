// lab-bench's client side: the run's configuration and results, and the epoll SMTP client
// that opens sessions at a target rate (or holds connections) against smtp-lab, optionally
// with STARTTLS and a handshake, timing each reply. The measuring program is lab_bench.cc.
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace lab_bench {

using Clock = std::chrono::steady_clock;
inline double Secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Config {
  std::string mode = "rate";  // rate | hold
  double duration_s = 10;
  uint32_t rate = 20000;  // target new sessions/s (rate mode)
  uint32_t concurrency = 4000;
  uint32_t hold = 19000;    // connections to hold (hold mode)
  uint32_t background = 0;  // rate mode: connections held open (banner read) during the run
  bool tls = false;
  uint32_t clients = 1;
  uint16_t port = 0;
};

struct Result {
  uint64_t started = 0, completed = 0, failed = 0, held = 0;
  double elapsed = 0;
  // Reply times of the rate sessions (command sent, or connect started, to the whole reply
  // read), ms: with --latency-ms A-B they show how exactly the lab keeps its delay.
  double reply_p50_ms = 0, reply_p99_ms = 0, reply_max_ms = 0;
};

// Forked clients meet at a barrier: each writes one byte once its background connections are
// held, then waits for the parent's "go", so the lab's CPU is sampled over the rate run only.
struct Barrier {
  int ready_fd = -1;  // client -> parent
  int go_fd = -1;     // parent -> client
};

enum Phase { kBanner, kEhlo, kStarttls, kHandshake, kEhloTls, kQuit, kHeld };

struct Conn {
  int fd = -1;
  bool background = false;
  Clock::time_point asked;  // connect started / last command sent
  Phase phase = kBanner;
  std::string buf;
  SSL* ssl = nullptr;
};

// True when `buf` holds a complete reply (its last line is "NNN " or "NNN\r\n").
inline bool ReplyDone(const std::string& buf) {
  if (buf.size() < 5 || buf.compare(buf.size() - 2, 2, "\r\n") != 0) return false;
  size_t start = buf.rfind('\n', buf.size() - 3);
  start = start == std::string::npos ? 0 : start + 1;
  return buf.size() - start >= 5 && (buf[start + 3] == ' ' || buf[start + 3] == '\r');
}

class Client {
 public:
  Client(const Config& cfg, uint32_t index) : cfg_(cfg), rng_(index * 7919 + 1) {
    ep_ = epoll_create1(0);
    ctx_ = SSL_CTX_new(TLS_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
  ~Client() {
    SSL_CTX_free(ctx_);
    close(ep_);
  }

  Result Run(const Barrier& barrier) {
    Result r;
    std::vector<epoll_event> evs(1024);
    if (cfg_.mode == "rate" && cfg_.background > 0) {
      // Background: connections that read their banner and then stay open, idle.
      auto give_up = Clock::now() + std::chrono::seconds(60);
      Result bg;
      while (bg.held + bg.failed < cfg_.background && Clock::now() < give_up) {
        while (bg.started < cfg_.background && active_ - background_held_ < 2000) {
          Open(bg, true);
        }
        int n = epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), 1);
        for (int i = 0; i < n; ++i) Step(static_cast<int>(evs[i].data.u32), bg);
        background_held_ = bg.held;
      }
      r.held = bg.held;
    }
    if (barrier.ready_fd >= 0) {
      char c = 1;
      if (write(barrier.ready_fd, &c, 1) != 1 || read(barrier.go_fd, &c, 1) != 1) return r;
    }
    auto t0 = Clock::now();
    auto end = t0 + std::chrono::milliseconds(static_cast<long>(cfg_.duration_s * 1000));
    while (true) {
      auto now = Clock::now();
      if (cfg_.mode == "rate") {
        if (now >= end && active_ == background_held_) break;
        if (now >= end + std::chrono::seconds(10)) break;  // stragglers: give up
        double due = cfg_.rate * Secs(t0, now);
        while (now < end && r.started < due && active_ - background_held_ < cfg_.concurrency)
          Open(r, false);
      } else {
        while (r.started < cfg_.hold && active_ < cfg_.hold) Open(r, false);
        if (r.held + r.failed >= cfg_.hold) {
          if (r.elapsed == 0) r.elapsed = Secs(t0, now);
          if (now >= t0 + std::chrono::milliseconds(
                              static_cast<long>(r.elapsed * 1000 + cfg_.duration_s * 1000)))
            break;
        }
        if (now >= end + std::chrono::seconds(120)) break;
      }
      int n = epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), 1);
      for (int i = 0; i < n; ++i) {
        int fd = static_cast<int>(evs[i].data.u32);
        if (conns_[fd].background) {
          Result ignored;  // a background connection the lab closed: not part of the run
          Step(fd, ignored);
          if (conns_[fd].fd < 0) --background_held_;
        } else {
          Step(fd, r);
        }
      }
    }
    if (cfg_.mode == "rate") r.elapsed = cfg_.duration_s;
    for (auto& c : conns_)
      if (c.fd >= 0) Close(c);
    if (!reply_ms_.empty()) {
      std::sort(reply_ms_.begin(), reply_ms_.end());
      r.reply_p50_ms = reply_ms_[reply_ms_.size() / 2];
      r.reply_p99_ms = reply_ms_[reply_ms_.size() * 99 / 100];
      r.reply_max_ms = reply_ms_.back();
    }
    return r;
  }

 private:
  void Open(Result& r, bool background) {
    ++r.started;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      ++r.failed;
      return;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg_.port);
    // Spread over 127.64.0.0/10 (4 M addresses): no (src, dst) pair runs out of ephemeral
    // ports, and names rarely repeat, as in a survey (every TLS host needs a new leaf).
    sa.sin_addr.s_addr =
        htonl((127u << 24) | (64u << 16) | static_cast<uint32_t>(1 + rng_() % ((64u << 16) - 2)));
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
      close(fd);
      ++r.failed;
      return;
    }
    if (conns_.size() <= static_cast<size_t>(fd)) conns_.resize(fd + 1024);
    conns_[fd] = Conn{};
    conns_[fd].fd = fd;
    conns_[fd].background = background;
    conns_[fd].asked = Clock::now();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(fd);
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    ++active_;
  }

  void Close(Conn& c) {
    if (c.ssl) SSL_free(c.ssl);
    close(c.fd);
    c = Conn{};
    --active_;
  }

  void Send(Conn& c, const char* s) {
    if (c.ssl)
      SSL_write(c.ssl, s, static_cast<int>(strlen(s)));
    else
      (void)!send(c.fd, s, strlen(s), MSG_NOSIGNAL);
    c.buf.clear();
    c.asked = Clock::now();
  }

  void Step(int fd, Result& r) {
    Conn& c = conns_[fd];
    if (c.fd < 0) return;
    char tmp[8192];
    if (c.phase == kHandshake) {
      int rc = SSL_do_handshake(c.ssl);
      if (rc == 1) {
        c.phase = kEhloTls;
        Send(c, "EHLO bench.test\r\n");
      } else if (SSL_get_error(c.ssl, rc) != SSL_ERROR_WANT_READ) {
        ++r.failed;
        Close(c);
      }
      return;
    }
    ssize_t n = c.ssl ? SSL_read(c.ssl, tmp, sizeof tmp) : recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      if (c.ssl && SSL_get_error(c.ssl, static_cast<int>(n)) == SSL_ERROR_WANT_READ) return;
      if (!c.ssl && n < 0 && errno == EAGAIN) return;
      if (c.phase == kQuit)
        ++r.completed;
      else
        ++r.failed;
      if (c.phase == kHeld) --r.held;
      Close(c);
      return;
    }
    c.buf.append(tmp, static_cast<size_t>(n));
    if (c.buf.size() > 65536) {
      ++r.failed;
      Close(c);
      return;
    }
    if (!ReplyDone(c.buf)) return;
    if (!c.background && reply_ms_.size() < (1u << 22))
      reply_ms_.push_back(static_cast<float>(Secs(c.asked, Clock::now()) * 1000));
    switch (c.phase) {
      case kBanner:
        if (cfg_.mode == "hold" || c.background) {
          c.phase = kHeld;
          ++r.held;
          c.buf.clear();
          return;
        }
        c.phase = kEhlo;
        Send(c, "EHLO bench.test\r\n");
        break;
      case kEhlo:
        if (cfg_.tls) {
          c.phase = kStarttls;
          Send(c, "STARTTLS\r\n");
        } else {
          c.phase = kQuit;
          Send(c, "QUIT\r\n");
        }
        break;
      case kStarttls:
        c.ssl = SSL_new(ctx_);
        // A lab-side load client, not the scanner (whose TLS runs over memory BIOs fed by
        // io_uring completions): a plain socket BIO keeps it small.
        SSL_set_fd(c.ssl, fd);
        SSL_set_connect_state(c.ssl);
        c.phase = kHandshake;
        Step(fd, r);
        break;
      case kEhloTls:
        c.phase = kQuit;
        Send(c, "QUIT\r\n");
        break;
      case kQuit:
        ++r.completed;
        Close(c);
        break;
      default:
        break;
    }
  }

  const Config& cfg_;
  std::mt19937_64 rng_;
  int ep_;
  SSL_CTX* ctx_;
  std::vector<Conn> conns_;
  uint32_t active_ = 0;
  uint32_t background_held_ = 0;
  std::vector<float> reply_ms_;
};

}  // namespace lab_bench
