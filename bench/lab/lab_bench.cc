// lab-bench: measures smtp-lab's own ceiling — new SMTP sessions per second (banner, EHLO,
// optionally STARTTLS + handshake + EHLO, QUIT) and concurrent connections held — by starting
// a wildcard lab on a random port and driving it with an epoll client (forked when --clients>1).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
double Secs(Clock::time_point a, Clock::time_point b) {
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
bool ReplyDone(const std::string& buf) {
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

// CPU seconds (user + system) used so far by process `pid` and its children (the workers).
double ProcessTreeCpuSeconds(pid_t pid) {
  double ticks = 0;
  auto add = [&](const std::string& stat_path, pid_t want_ppid, bool self) {
    FILE* f = std::fopen(stat_path.c_str(), "r");
    if (!f) return;
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = 0;
    const char* close_paren = std::strrchr(buf, ')');
    if (!close_paren) return;
    // Fields after the command: state(3) ppid(4) ... utime(14) stime(15).
    char state = 0;
    long ppid = 0;
    unsigned long long utime = 0, stime = 0;
    if (std::sscanf(close_paren + 2, "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state,
                    &ppid, &utime, &stime) != 4)
      return;
    if (self || ppid == want_ppid) ticks += static_cast<double>(utime + stime);
  };
  add("/proc/" + std::to_string(pid) + "/stat", 0, true);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    add(entry.path().string() + "/stat", pid, false);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Forks the clients; samples the lab's CPU between the barrier and the last result.
Result RunClients(const Config& cfg, pid_t lab_pid, double& lab_cpu_s) {
  Config share = cfg;
  share.rate = cfg.rate / cfg.clients;
  share.concurrency = cfg.concurrency / cfg.clients;
  share.hold = cfg.hold / cfg.clients;
  share.background = cfg.background / cfg.clients;
  struct Kid {
    pid_t pid;
    int result_fd, ready_fd, go_fd;
  };
  std::vector<Kid> kids;
  for (uint32_t i = 0; i < cfg.clients; ++i) {
    int res[2], ready[2], go[2];
    if (pipe(res) != 0 || pipe(ready) != 0 || pipe(go) != 0) break;
    pid_t pid = fork();
    if (pid == 0) {
      close(res[0]);
      close(ready[0]);
      close(go[1]);
      for (const Kid& k : kids) {
        close(k.result_fd);
        close(k.ready_fd);
        close(k.go_fd);
      }
      Result r = Client(share, i + 1).Run(Barrier{ready[1], go[0]});
      ssize_t w = write(res[1], &r, sizeof r);
      _exit(w == sizeof r ? 0 : 1);
    }
    close(res[1]);
    close(ready[1]);
    close(go[0]);
    kids.push_back(Kid{pid, res[0], ready[0], go[1]});
  }
  for (const Kid& k : kids) {
    char c;
    if (read(k.ready_fd, &c, 1) != 1) std::fprintf(stderr, "lab-bench: a client failed early\n");
  }
  double cpu0 = ProcessTreeCpuSeconds(lab_pid);
  for (const Kid& k : kids) {
    char c = 1;
    if (write(k.go_fd, &c, 1) != 1) std::fprintf(stderr, "lab-bench: a client is gone\n");
  }
  Result total;
  for (const Kid& k : kids) {
    Result r;
    if (read(k.result_fd, &r, sizeof r) == sizeof r) {
      total.started += r.started;
      total.completed += r.completed;
      total.failed += r.failed;
      total.held += r.held;
      total.elapsed = std::max(total.elapsed, r.elapsed);
      total.reply_p50_ms = std::max(total.reply_p50_ms, r.reply_p50_ms);
      total.reply_p99_ms = std::max(total.reply_p99_ms, r.reply_p99_ms);
      total.reply_max_ms = std::max(total.reply_max_ms, r.reply_max_ms);
    }
  }
  lab_cpu_s = ProcessTreeCpuSeconds(lab_pid) - cpu0;
  for (const Kid& k : kids) {
    close(k.result_fd);
    close(k.ready_fd);
    close(k.go_fd);
    waitpid(k.pid, nullptr, 0);
  }
  return total;
}

int Usage() {
  std::fprintf(
      stderr,
      "lab-bench: measure smtp-lab's ceiling (starts its own wildcard lab on a random port).\n"
      "  --mode rate|hold     rate: sessions/s for --duration; hold: open --hold connections\n"
      "                       (banner read), keep them --duration s (default rate)\n"
      "  --duration S         seconds (default 10)\n"
      "  --rate N             target new sessions/s (default 20000)\n"
      "  --concurrency N      max open sessions in rate mode (default 4000)\n"
      "  --hold N             connections to hold in hold mode (default 19000)\n"
      "  --background N       rate mode: first open N connections that read their banner and\n"
      "                       stay open (idle) through the run; lab CPU is sampled after them\n"
      "  --tls                STARTTLS + handshake + EHLO in every session\n"
      "  --latency-ms A-B     passed to the lab (default 0)\n"
      "  --lab-processes N    lab workers (default 1)\n"
      "  --clients N          forked client processes (default 1)\n"
      "  --lab PATH           smtp-lab binary (default: beside lab-bench)\n"
      "  --weights SPEC       the lab's --weights (default compliant=1; the client expects\n"
      "                       every session to reach QUIT, so other mixes count failures)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string latency = "0", lab_processes = "1", weights = "compliant=1";
  std::string lab = (std::filesystem::path(argv[0]).parent_path() / "smtp-lab").string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--mode")
      cfg.mode = next();
    else if (a == "--duration")
      cfg.duration_s = std::atof(next().c_str());
    else if (a == "--rate")
      cfg.rate = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--concurrency")
      cfg.concurrency = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--hold")
      cfg.hold = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--background")
      cfg.background = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--tls")
      cfg.tls = true;
    else if (a == "--latency-ms")
      latency = next();
    else if (a == "--lab-processes")
      lab_processes = next();
    else if (a == "--clients")
      cfg.clients = static_cast<uint32_t>(std::max(1L, std::atol(next().c_str())));
    else if (a == "--lab")
      lab = next();
    else if (a == "--weights")
      weights = next();
    else
      return Usage();
  }
  if ((cfg.mode != "rate" && cfg.mode != "hold") || cfg.duration_s <= 0) return Usage();
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  signal(SIGPIPE, SIG_IGN);

  std::random_device rd;
  auto run_dir = std::filesystem::temp_directory_path() / ("lab-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(run_dir);
  // A port below the ephemeral range (32768+), where earlier runs' client sockets linger; a
  // lab that exits at start (port taken) is tried again on another port.
  pid_t lab_pid = 0;
  for (int attempt = 0; attempt < 5 && !std::filesystem::exists(run_dir / "ready"); ++attempt) {
    cfg.port = static_cast<uint16_t>(20000 + rd() % 12000);
    std::vector<std::string> args = {lab,
                                     "--wildcard",
                                     "--weights",
                                     weights,
                                     "--no-truth",
                                     "--port",
                                     std::to_string(cfg.port),
                                     "--run-dir",
                                     run_dir.string(),
                                     "--latency-ms",
                                     latency,
                                     "--processes",
                                     lab_processes,
                                     "--stats-file",
                                     (run_dir / "stats.json").string()};
    std::vector<char*> argv_lab;
    for (auto& s : args) argv_lab.push_back(s.data());
    argv_lab.push_back(nullptr);
    if (posix_spawn(&lab_pid, lab.c_str(), nullptr, nullptr, argv_lab.data(), environ) != 0) {
      std::fprintf(stderr, "lab-bench: cannot start %s\n", lab.c_str());
      return 1;
    }
    for (int i = 0; i < 300 && !std::filesystem::exists(run_dir / "ready"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      int status = 0;
      if (waitpid(lab_pid, &status, WNOHANG) == lab_pid) {
        lab_pid = 0;
        break;
      }
    }
  }
  if (lab_pid == 0) {
    std::filesystem::remove_all(run_dir);
    std::fprintf(stderr, "lab-bench: lab did not start\n");
    return 1;
  }
  Result r;
  double lab_cpu_s = 0;
  bool ready = std::filesystem::exists(run_dir / "ready");
  if (ready) r = RunClients(cfg, lab_pid, lab_cpu_s);
  kill(lab_pid, SIGTERM);
  int status = 0;
  waitpid(lab_pid, &status, 0);
  std::string lab_stats;
  if (FILE* f = std::fopen((run_dir / "stats.json").c_str(), "r")) {
    char buf[4096];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    lab_stats.assign(buf, n);
    std::fclose(f);
    while (!lab_stats.empty() && lab_stats.back() == '\n') lab_stats.pop_back();
  }
  std::filesystem::remove_all(run_dir);
  if (!ready) {
    std::fprintf(stderr, "lab-bench: lab did not become ready\n");
    return 1;
  }
  if (cfg.mode == "rate") {
    std::printf(
        "{\"mode\":\"rate\",\"tls\":%s,\"latency_ms\":\"%s\",\"lab_processes\":%s,"
        "\"clients\":%u,\"target_rate\":%u,\"concurrency\":%u,\"background_held\":%llu,"
        "\"duration_s\":%.1f,\"started\":%llu,\"completed\":%llu,\"failed\":%llu,"
        "\"sessions_per_s\":%.0f,\"lab_cpu_s\":%.2f,\"lab_cpu_us_per_session\":%.1f,"
        "\"reply_ms\":{\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f},\"lab\":%s}\n",
        cfg.tls ? "true" : "false", latency.c_str(), lab_processes.c_str(), cfg.clients, cfg.rate,
        cfg.concurrency, (unsigned long long)r.held, cfg.duration_s, (unsigned long long)r.started,
        (unsigned long long)r.completed, (unsigned long long)r.failed, r.completed / cfg.duration_s,
        lab_cpu_s, r.completed ? lab_cpu_s * 1e6 / static_cast<double>(r.completed) : 0.0,
        r.reply_p50_ms, r.reply_p99_ms, r.reply_max_ms,
        lab_stats.empty() ? "null" : lab_stats.c_str());
  } else {
    std::printf(
        "{\"mode\":\"hold\",\"latency_ms\":\"%s\",\"lab_processes\":%s,\"target\":%u,"
        "\"held\":%llu,\"failed\":%llu,\"seconds_to_open\":%.2f,\"hold_s\":%.1f,"
        "\"lab_cpu_s\":%.2f,\"lab\":%s}\n",
        latency.c_str(), lab_processes.c_str(), cfg.hold, (unsigned long long)r.held,
        (unsigned long long)r.failed, r.elapsed, cfg.duration_s, lab_cpu_s,
        lab_stats.empty() ? "null" : lab_stats.c_str());
  }
  return 0;
}
