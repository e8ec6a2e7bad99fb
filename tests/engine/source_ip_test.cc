// --source-ip in the engine: connections of the configured family leave from that address
// (the loopback server's accept() sees it), the other family is untouched, and a source the
// host does not have ends each session as connection-refused with the bind error, no crash.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "scanner/engine/scan_engine.h"
#include "tests/engine/engine_test_config.h"
#include "tests/engine/loopback_smtp_server.h"

namespace starttls {
namespace {

using testing::Behaviour;
using testing::LoopbackSmtpServer;

struct Finished {
  Endpoint endpoint;
  ScanStatus status = ScanStatus::kProtocolError;
  std::string error;
};

EngineConfig Config(std::optional<IpAddress> v4, std::optional<IpAddress> v6) {
  // 16 open sessions, fewer than the tests scan: slots are reused.
  EngineConfig config = testing::TestEngineConfig(2000, 16);
  config.source_v4 = v4;
  config.source_v6 = v6;
  return config;
}

std::vector<Finished> Scan(const std::vector<Endpoint>& endpoints, const EngineConfig& config,
                           EngineStats* stats) {
  std::vector<Finished> finished;
  VectorTargetSource source(endpoints);
  ScanEngine engine;
  std::string error;
  bool ok = engine.Run(
      source, config,
      [&](const ScanResult& result) {
        finished.push_back({result.endpoint, result.session.status, result.session.error});
        EXPECT_EQ(result.session.verdict.status, result.session.status);
        EXPECT_EQ(result.session.verdict.error, result.session.error);
      },
      &error);
  EXPECT_TRUE(ok) << error;
  *stats = engine.stats();
  return finished;
}

std::vector<Endpoint> Repeat(const std::vector<Endpoint>& endpoints, int times) {
  std::vector<Endpoint> out;
  for (int i = 0; i < times; ++i) out.insert(out.end(), endpoints.begin(), endpoints.end());
  return out;
}

// A port on [::1] nobody listens on (bound, then closed without listening).
std::optional<Endpoint> RefusedV6Endpoint() {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  socklen_t length = sizeof(address);
  bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
               getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!bound) return std::nullopt;
  return Endpoint::FromSockaddr(reinterpret_cast<sockaddr*>(&address), length);
}

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

TEST(SourceIpTest, V4SourceIsThePeerAddressOfEveryConnection) {
  LoopbackSmtpServer server;
  Endpoint a = server.Listen(Behaviour::kCompliant, 1);
  Endpoint b = server.Listen(Behaviour::kCompliant, 2);
  Endpoint c = server.Listen(Behaviour::kSplitReplies, 3);
  server.Start();

  EngineStats stats;
  std::vector<Finished> finished =
      Scan(Repeat({a, b, c}, 20), Config(Ip("127.0.0.9"), std::nullopt), &stats);
  ASSERT_EQ(finished.size(), 60u);
  for (const Finished& f : finished) {
    EXPECT_EQ(f.status, ScanStatus::kSuccess) << f.endpoint.ToString() << ": " << f.error;
  }
  for (const Endpoint& endpoint : {a, b, c}) {
    std::vector<IpAddress> peers = server.Peers(endpoint);
    EXPECT_EQ(peers.size(), 20u) << endpoint.ToString();
    for (const IpAddress& peer : peers) EXPECT_EQ(peer.ToString(), "127.0.0.9");
  }
  EXPECT_EQ(stats.open_sessions, 0u);
  EXPECT_EQ(stats.sessions_finished, 60u);
}

TEST(SourceIpTest, WithoutSourceTheKernelChoosesTheAddress) {
  LoopbackSmtpServer server;
  Endpoint a = server.Listen(Behaviour::kCompliant, 2);
  server.Start();
  EngineStats stats;
  std::vector<Finished> finished = Scan({a}, Config(std::nullopt, std::nullopt), &stats);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].status, ScanStatus::kSuccess) << finished[0].error;
  std::vector<IpAddress> peers = server.Peers(a);
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_NE(peers[0].ToString(), "127.0.0.9");
}

TEST(SourceIpTest, V6SourceLeavesV4ConnectionsAlone) {
  LoopbackSmtpServer server;
  Endpoint a = server.Listen(Behaviour::kCompliant, 4);
  server.Start();
  EngineStats stats;
  // An address this host does not have: binding to it would fail, so success shows that
  // IPv4 sessions never tried.
  std::vector<Finished> finished =
      Scan(Repeat({a}, 5), Config(std::nullopt, Ip("2001:db8::1")), &stats);
  ASSERT_EQ(finished.size(), 5u);
  for (const Finished& f : finished) EXPECT_EQ(f.status, ScanStatus::kSuccess) << f.error;
  for (const IpAddress& peer : server.Peers(a)) EXPECT_TRUE(peer.is_v4());
  EXPECT_EQ(server.Peers(a).size(), 5u);
}

TEST(SourceIpTest, SourceNotOnThisHostRefusesEverySessionWithTheBindError) {
  LoopbackSmtpServer server;
  Endpoint a = server.Listen(Behaviour::kCompliant, 5);
  Endpoint b = server.Listen(Behaviour::kCompliant, 6);
  server.Start();
  EngineStats stats;
  // 192.0.2.1 (TEST-NET-1) is on no interface: bind() fails before any packet is sent.
  std::vector<Finished> finished =
      Scan(Repeat({a, b}, 50), Config(Ip("192.0.2.1"), std::nullopt), &stats);
  ASSERT_EQ(finished.size(), 100u);
  for (const Finished& f : finished) {
    EXPECT_EQ(f.status, ScanStatus::kConnectionRefused);
    EXPECT_EQ(f.error, "bind to source 192.0.2.1: Cannot assign requested address");
  }
  EXPECT_EQ(server.accepted(), 0u);
  EXPECT_EQ(stats.sessions_started, 100u);
  EXPECT_EQ(stats.sessions_finished, 100u);
  EXPECT_EQ(stats.open_sessions, 0u);
  EXPECT_EQ(stats.by_status[static_cast<size_t>(ScanStatus::kConnectionRefused)], 100u);
}

TEST(SourceIpTest, BoundSocketStillReportsTheConnectError) {
  Endpoint refused = LoopbackSmtpServer::RefusedEndpoint(7);
  EngineStats stats;
  std::vector<Finished> finished =
      Scan(Repeat({refused}, 3), Config(Ip("127.0.0.9"), std::nullopt), &stats);
  ASSERT_EQ(finished.size(), 3u);
  for (const Finished& f : finished) {
    EXPECT_EQ(f.status, ScanStatus::kConnectionRefused);
    EXPECT_EQ(f.error, "connect: Connection refused");
  }
}

TEST(SourceIpTest, V6SourceBindsAndABogusOneIsRefused) {
  std::optional<Endpoint> refused = RefusedV6Endpoint();
  if (!refused.has_value()) GTEST_SKIP() << "no IPv6 loopback here";
  EngineStats stats;
  // ::1 binds: the session gets as far as the connect, which [::1]:port refuses.
  std::vector<Finished> bound =
      Scan(Repeat({*refused}, 3), Config(std::nullopt, Ip("::1")), &stats);
  ASSERT_EQ(bound.size(), 3u);
  for (const Finished& f : bound) {
    EXPECT_EQ(f.status, ScanStatus::kConnectionRefused);
    EXPECT_EQ(f.error, "connect: Connection refused");
  }
  std::vector<Finished> bogus =
      Scan(Repeat({*refused}, 3), Config(Ip("127.0.0.9"), Ip("2001:db8::1")), &stats);
  ASSERT_EQ(bogus.size(), 3u);
  for (const Finished& f : bogus) {
    EXPECT_EQ(f.status, ScanStatus::kConnectionRefused);
    EXPECT_EQ(f.error, "bind to source 2001:db8::1: Cannot assign requested address");
  }
}

}  // namespace
}  // namespace starttls
