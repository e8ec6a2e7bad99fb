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

#include "bench/lab/lab_bench_client.h"

namespace {

using namespace lab_bench;  // the client side, in lab_bench_client.h

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
