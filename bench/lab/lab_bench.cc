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
double Secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Config {
  std::string mode = "rate";  // rate | hold
  double duration_s = 10;
  uint32_t rate = 20000;      // target new sessions/s (rate mode)
  uint32_t concurrency = 4000;
  uint32_t hold = 19000;      // connections to hold (hold mode)
  bool tls = false;
  uint32_t clients = 1;
  uint16_t port = 0;
};

struct Result {
  uint64_t started = 0, completed = 0, failed = 0, held = 0;
  double elapsed = 0;
};

enum Phase { kBanner, kEhlo, kStarttls, kHandshake, kEhloTls, kQuit, kHeld };

struct Conn {
  int fd = -1;
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
  ~Client() { SSL_CTX_free(ctx_); close(ep_); }

  Result Run() {
    Result r;
    auto t0 = Clock::now();
    auto end = t0 + std::chrono::milliseconds(static_cast<long>(cfg_.duration_s * 1000));
    std::vector<epoll_event> evs(1024);
    while (true) {
      auto now = Clock::now();
      if (cfg_.mode == "rate") {
        if (now >= end && active_ == 0) break;
        if (now >= end + std::chrono::seconds(10)) break;  // stragglers: give up
        double due = cfg_.rate * Secs(t0, now);
        while (now < end && r.started < due && active_ < cfg_.concurrency) Open(r);
      } else {
        while (r.started < cfg_.hold && active_ < cfg_.hold) Open(r);
        if (r.held + r.failed >= cfg_.hold) {
          if (r.elapsed == 0) r.elapsed = Secs(t0, now);
          if (now >= t0 + std::chrono::milliseconds(static_cast<long>(r.elapsed * 1000 + cfg_.duration_s * 1000))) break;
        }
        if (now >= end + std::chrono::seconds(120)) break;
      }
      int n = epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), 1);
      for (int i = 0; i < n; ++i) Step(static_cast<int>(evs[i].data.u32), r);
    }
    if (cfg_.mode == "rate") r.elapsed = cfg_.duration_s;
    for (auto& c : conns_) if (c.fd >= 0) Close(c);
    return r;
  }

 private:
  void Open(Result& r) {
    ++r.started;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) { ++r.failed; return; }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg_.port);
    // Spread over 127.200.0.0/16 so no (src, dst) pair runs out of ephemeral ports.
    sa.sin_addr.s_addr = htonl((127u << 24) | (200u << 16) | (1 + rng_() % 65534));
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
      close(fd);
      ++r.failed;
      return;
    }
    if (conns_.size() <= static_cast<size_t>(fd)) conns_.resize(fd + 1024);
    conns_[fd] = Conn{};
    conns_[fd].fd = fd;
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
    if (c.ssl) SSL_write(c.ssl, s, static_cast<int>(strlen(s)));
    else (void)!send(c.fd, s, strlen(s), MSG_NOSIGNAL);
    c.buf.clear();
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
      if (c.phase == kQuit) ++r.completed; else ++r.failed;
      if (c.phase == kHeld) --r.held;
      Close(c);
      return;
    }
    c.buf.append(tmp, static_cast<size_t>(n));
    if (c.buf.size() > 65536) { ++r.failed; Close(c); return; }
    if (!ReplyDone(c.buf)) return;
    switch (c.phase) {
      case kBanner:
        if (cfg_.mode == "hold") { c.phase = kHeld; ++r.held; c.buf.clear(); return; }
        c.phase = kEhlo;
        Send(c, "EHLO bench.test\r\n");
        break;
      case kEhlo:
        if (cfg_.tls) { c.phase = kStarttls; Send(c, "STARTTLS\r\n"); }
        else { c.phase = kQuit; Send(c, "QUIT\r\n"); }
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
      default: break;
    }
  }

  const Config& cfg_;
  std::mt19937_64 rng_;
  int ep_;
  SSL_CTX* ctx_;
  std::vector<Conn> conns_;
  uint32_t active_ = 0;
};

Result RunClients(const Config& cfg) {
  if (cfg.clients == 1) return Client(cfg, 0).Run();
  Config share = cfg;
  share.rate = cfg.rate / cfg.clients;
  share.concurrency = cfg.concurrency / cfg.clients;
  share.hold = cfg.hold / cfg.clients;
  std::vector<std::pair<pid_t, int>> kids;
  for (uint32_t i = 0; i < cfg.clients; ++i) {
    int p[2];
    if (pipe(p) != 0) break;
    pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      Result r = Client(share, i + 1).Run();
      ssize_t w = write(p[1], &r, sizeof r);
      _exit(w == sizeof r ? 0 : 1);
    }
    close(p[1]);
    kids.emplace_back(pid, p[0]);
  }
  Result total;
  for (auto [pid, fd] : kids) {
    Result r;
    if (read(fd, &r, sizeof r) == sizeof r) {
      total.started += r.started;
      total.completed += r.completed;
      total.failed += r.failed;
      total.held += r.held;
      total.elapsed = std::max(total.elapsed, r.elapsed);
    }
    close(fd);
    waitpid(pid, nullptr, 0);
  }
  return total;
}

int Usage() {
  std::fprintf(stderr,
      "lab-bench: measure smtp-lab's ceiling (starts its own wildcard lab on a random port).\n"
      "  --mode rate|hold     rate: sessions/s for --duration; hold: open --hold connections\n"
      "                       (banner read), keep them --duration s (default rate)\n"
      "  --duration S         seconds (default 10)\n"
      "  --rate N             target new sessions/s (default 20000)\n"
      "  --concurrency N      max open sessions in rate mode (default 4000)\n"
      "  --hold N             connections to hold in hold mode (default 19000)\n"
      "  --tls                STARTTLS + handshake + EHLO in every session\n"
      "  --latency-ms A-B     passed to the lab (default 0)\n"
      "  --lab-processes N    lab workers (default 1)\n"
      "  --clients N          forked client processes (default 1)\n"
      "  --lab PATH           smtp-lab binary (default: beside lab-bench)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string latency = "0", lab_processes = "1";
  std::string lab = (std::filesystem::path(argv[0]).parent_path() / "smtp-lab").string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--mode") cfg.mode = next();
    else if (a == "--duration") cfg.duration_s = std::atof(next().c_str());
    else if (a == "--rate") cfg.rate = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--concurrency") cfg.concurrency = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--hold") cfg.hold = static_cast<uint32_t>(std::atol(next().c_str()));
    else if (a == "--tls") cfg.tls = true;
    else if (a == "--latency-ms") latency = next();
    else if (a == "--lab-processes") lab_processes = next();
    else if (a == "--clients") cfg.clients = static_cast<uint32_t>(std::max(1L, std::atol(next().c_str())));
    else if (a == "--lab") lab = next();
    else return Usage();
  }
  if ((cfg.mode != "rate" && cfg.mode != "hold") || cfg.duration_s <= 0) return Usage();
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  signal(SIGPIPE, SIG_IGN);

  std::random_device rd;
  cfg.port = static_cast<uint16_t>(20000 + rd() % 30000);
  auto run_dir = std::filesystem::temp_directory_path() / ("lab-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(run_dir);
  std::vector<std::string> args = {lab, "--wildcard", "--weights", "compliant=1", "--no-truth",
                                   "--port", std::to_string(cfg.port), "--run-dir", run_dir.string(),
                                   "--latency-ms", latency, "--processes", lab_processes,
                                   "--stats-file", (run_dir / "stats.json").string()};
  std::vector<char*> argv_lab;
  for (auto& s : args) argv_lab.push_back(s.data());
  argv_lab.push_back(nullptr);
  pid_t lab_pid = 0;
  if (posix_spawn(&lab_pid, lab.c_str(), nullptr, nullptr, argv_lab.data(), environ) != 0) {
    std::fprintf(stderr, "lab-bench: cannot start %s\n", lab.c_str());
    return 1;
  }
  for (int i = 0; i < 300 && !std::filesystem::exists(run_dir / "ready"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Result r;
  bool ready = std::filesystem::exists(run_dir / "ready");
  if (ready) r = RunClients(cfg);
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
    std::printf("{\"mode\":\"rate\",\"tls\":%s,\"latency_ms\":\"%s\",\"lab_processes\":%s,"
                "\"target_rate\":%u,\"concurrency\":%u,\"duration_s\":%.1f,\"started\":%llu,"
                "\"completed\":%llu,\"failed\":%llu,\"sessions_per_s\":%.0f,\"lab\":%s}\n",
                cfg.tls ? "true" : "false", latency.c_str(), lab_processes.c_str(), cfg.rate,
                cfg.concurrency, cfg.duration_s, (unsigned long long)r.started,
                (unsigned long long)r.completed, (unsigned long long)r.failed,
                r.completed / cfg.duration_s, lab_stats.empty() ? "null" : lab_stats.c_str());
  } else {
    std::printf("{\"mode\":\"hold\",\"latency_ms\":\"%s\",\"lab_processes\":%s,\"target\":%u,"
                "\"held\":%llu,\"failed\":%llu,\"seconds_to_open\":%.2f,\"hold_s\":%.1f,\"lab\":%s}\n",
                latency.c_str(), lab_processes.c_str(), cfg.hold, (unsigned long long)r.held,
                (unsigned long long)r.failed, r.elapsed, cfg.duration_s,
                lab_stats.empty() ? "null" : lab_stats.c_str());
  }
  return 0;
}
