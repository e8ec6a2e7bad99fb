// More open sessions than one ring's file table (RLIMIT_NOFILE) can hold: the engine spreads
// them over rings, each with its own direct-descriptor table, and a waiting session costs
// little memory. The peers are child processes (a process cannot accept more sockets than
// its own limit) that accept and stay silent; they are killed by PID when the test ends.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "scanner/engine/scan_engine.h"
#include "scanner/engine/session_table.h"
#include "tests/engine/loopback_smtp_server.h"

namespace starttls {
namespace {

long RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Silent peers in child processes, killed and reaped by the destructor.
class SilentPeers {
 public:
  ~SilentPeers() {
    for (pid_t pid : pids_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }

  // Forks a child that accepts up to `max_connections` on a fresh listener and never talks.
  bool Add(uint8_t host_octet, int max_connections, Endpoint* endpoint) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl((127u << 24) | host_octet);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(fd, 65535) != 0) {
      close(fd);
      return false;
    }
    socklen_t length = sizeof(address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    pid_t pid = fork();
    if (pid < 0) {
      close(fd);
      return false;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (int accepted = 0; accepted < max_connections;) {
        if (accept(fd, nullptr, nullptr) >= 0) ++accepted;
      }
      pause();
      _exit(0);
    }
    pids_.push_back(pid);
    close(fd);
    endpoint->ip = IpAddress::V4((127u << 24) | host_octet);
    endpoint->port = ntohs(address.sin_port);
    return true;
  }

 private:
  std::vector<pid_t> pids_;
};

TEST(EngineCapacityTest, HoldsMoreSessionsThanOneFileTable) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 16'000 || limit.rlim_cur > 40'000) {
    GTEST_SKIP() << "needs RLIMIT_NOFILE between 16k and 40k, have " << limit.rlim_cur;
  }
  const int per_peer = static_cast<int>(limit.rlim_cur * 3 / 4);  // 15k at 20k
  SilentPeers peers;
  Endpoint a, b;
  ASSERT_TRUE(peers.Add(30, per_peer, &a));
  ASSERT_TRUE(peers.Add(31, per_peer, &b));
  std::vector<Endpoint> endpoints;
  for (int i = 0; i < per_peer; ++i) {
    endpoints.push_back(a);
    endpoints.push_back(b);
  }
  const uint64_t total = endpoints.size();  // 30k at 20k: more than one table holds

  SessionTimeouts timeouts;
  timeouts.connect_ms = 15'000;
  // Every session must be open before the first banner deadline: 30,000 connects take over
  // 4 s on the shared 2-core machine once connect completions are handled as they come.
  timeouts.banner_ms = 8000;
  timeouts.session_ms = 30'000;
  EngineConfig config;
  config.session = SessionConfig("scanner.test", timeouts);
  config.max_open_sessions = static_cast<uint32_t>(total);
  uint32_t per_ring = 0;
  uint32_t rings = ScanEngine::RingsFor(config, &per_ring);
  EXPECT_GE(rings, 2u);
  EXPECT_LE(per_ring, limit.rlim_cur);

  long rss_before = RssKiB();
  long rss_peak = 0;
  uint64_t open_at_first_result = 0;
  uint64_t banner_timeouts = 0;
  VectorTargetSource source(endpoints);
  ScanEngine engine;
  std::string error;
  ASSERT_TRUE(engine.Run(
      source, config,
      [&](const ScanResult& result) {
        if (open_at_first_result == 0) {
          open_at_first_result = engine.stats().open_sessions;
          rss_peak = RssKiB();
        }
        if (result.session.status == ScanStatus::kBannerTimeout) ++banner_timeouts;
      },
      &error))
      << error;
  EngineStats stats = engine.stats();
  EXPECT_EQ(stats.rings, rings);
  EXPECT_EQ(stats.sessions_finished, total);
  EXPECT_EQ(banner_timeouts, total);
  EXPECT_EQ(stats.peak_open_sessions, total);
  EXPECT_GT(stats.peak_open_sessions, limit.rlim_cur);
  double per_session = static_cast<double>(rss_peak - rss_before) * 1024.0 /
                       static_cast<double>(open_at_first_result);
  std::printf(
      "rings=%u per_ring=%u open=%llu rss_before=%ld KiB rss_peak=%ld KiB "
      "=> %.0f bytes per open session (slot %zu bytes)\n",
      rings, per_ring, static_cast<unsigned long long>(open_at_first_result), rss_before, rss_peak,
      per_session, sizeof(SessionSlot));
  RecordProperty("bytes_per_open_session", static_cast<int>(per_session));
  EXPECT_LE(per_session, 2048.0);
}

}  // namespace
}  // namespace starttls
