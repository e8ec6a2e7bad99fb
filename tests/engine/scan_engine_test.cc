// End to end: the engine against a scripted loopback SMTP server (compliant, misordered,
// refused, silent, reset, …), with short timeouts; plus caps, rings, rate and back-off.
#include "scanner/engine/scan_engine.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/engine/engine_test_config.h"
#include "tests/engine/loopback_smtp_server.h"

namespace starttls {
namespace {

using testing::Behaviour;
using testing::LoopbackSmtpServer;

struct Outcome {
  ScanStatus status = ScanStatus::kProtocolError;
  std::optional<EhloClass> cls;
  std::string error;
  std::string banner;
  std::string ehlo;
  bool helo = false;
  bool quit_sent = false;
  bool back_off = false;
  int64_t started_unix_ms = 0;
  PhaseTimings timing;
  int count = 0;
};

EngineConfig ShortTimeouts() { return testing::TestEngineConfig(400, 64); }

std::map<Endpoint, Outcome> Scan(const std::vector<Endpoint>& endpoints, const EngineConfig& config,
                                 EngineStats* stats = nullptr) {
  std::map<Endpoint, Outcome> outcomes;
  VectorTargetSource source(endpoints);
  ScanEngine engine;
  std::string error;
  bool ok = engine.Run(
      source, config,
      [&](const ScanResult& result) {
        Outcome& outcome = outcomes[result.endpoint];
        const SessionResult& session = result.session;
        outcome.status = session.status;
        outcome.cls = session.verdict.cls;
        outcome.error = session.error;
        if (session.conversation.banner) outcome.banner = session.conversation.banner->reply.raw;
        if (session.conversation.ehlo) outcome.ehlo = session.conversation.ehlo->reply.raw;
        outcome.helo = session.conversation.helo.has_value();
        outcome.quit_sent = session.quit_sent;
        outcome.back_off = session.back_off();
        outcome.started_unix_ms = result.started_unix_ms;
        outcome.timing = session.timing;
        ++outcome.count;
      },
      &error);
  EXPECT_TRUE(ok) << error;
  if (stats != nullptr) *stats = engine.stats();
  return outcomes;
}

TEST(ScanEngineTest, ScriptedBehavioursGetTheirStatuses) {
  LoopbackSmtpServer server;
  Endpoint compliant = server.Listen(Behaviour::kCompliant, 1);
  Endpoint misordered = server.Listen(Behaviour::kMisordered, 2);
  Endpoint silent = server.Listen(Behaviour::kSilent, 3);
  Endpoint reset = server.Listen(Behaviour::kResetOnAccept, 4);
  Endpoint closed = server.Listen(Behaviour::kCloseOnAccept, 5);
  Endpoint busy = server.Listen(Behaviour::kBanner421, 6);
  Endpoint ehlo_refused = server.Listen(Behaviour::kEhloRefused, 7);
  Endpoint slow = server.Listen(Behaviour::kSlowBanner, 8);
  Endpoint split = server.Listen(Behaviour::kSplitReplies, 9);
  Endpoint refused = LoopbackSmtpServer::RefusedEndpoint(10);
  server.Start();

  EngineStats stats;
  auto outcomes =
      Scan({compliant, misordered, silent, reset, closed, busy, ehlo_refused, slow, split, refused},
           ShortTimeouts(), &stats);
  ASSERT_EQ(outcomes.size(), 10u);
  for (const auto& [endpoint, outcome] : outcomes) {
    EXPECT_EQ(outcome.count, 1) << endpoint.ToString();
    EXPECT_GT(outcome.started_unix_ms, 1'600'000'000'000) << endpoint.ToString();
  }

  const Outcome& c = outcomes[compliant];
  EXPECT_EQ(c.status, ScanStatus::kSuccess) << c.error;
  EXPECT_EQ(c.cls, EhloClass::kCompliant);
  EXPECT_EQ(c.banner, "220 mx.test ESMTP ready\r\n");
  EXPECT_EQ(c.ehlo.rfind("250-mx.test greets you\r\n", 0), 0u);
  EXPECT_TRUE(c.quit_sent);
  EXPECT_TRUE(c.timing.connect_ms.has_value());
  EXPECT_TRUE(c.timing.ehlo_ms.has_value());
  EXPECT_GE(c.timing.total_ms, *c.timing.ehlo_ms);

  EXPECT_EQ(outcomes[misordered].status, ScanStatus::kSuccess);
  EXPECT_EQ(outcomes[misordered].cls, EhloClass::kStarttlsMisordered);

  EXPECT_EQ(outcomes[silent].status, ScanStatus::kBannerTimeout);
  EXPECT_EQ(outcomes[silent].error, "banner timed out after 400 ms");
  EXPECT_GE(outcomes[silent].timing.total_ms, 400.0);
  EXPECT_LT(outcomes[silent].timing.total_ms, 1500.0);

  EXPECT_EQ(outcomes[reset].status, ScanStatus::kConnectionReset) << outcomes[reset].error;
  EXPECT_EQ(outcomes[closed].status, ScanStatus::kConnectionReset) << outcomes[closed].error;
  EXPECT_EQ(outcomes[closed].error, "peer closed the connection before the banner");

  EXPECT_EQ(outcomes[busy].status, ScanStatus::kRateLimited);
  EXPECT_TRUE(outcomes[busy].back_off);
  EXPECT_TRUE(outcomes[busy].quit_sent);

  EXPECT_EQ(outcomes[ehlo_refused].status, ScanStatus::kSuccess);
  EXPECT_EQ(outcomes[ehlo_refused].cls, EhloClass::kNoStarttls);
  EXPECT_TRUE(outcomes[ehlo_refused].helo);

  EXPECT_EQ(outcomes[slow].status, ScanStatus::kSuccess) << outcomes[slow].error;
  EXPECT_GE(*outcomes[slow].timing.banner_ms, 90.0);

  EXPECT_EQ(outcomes[split].status, ScanStatus::kSuccess) << outcomes[split].error;
  EXPECT_EQ(outcomes[split].cls, EhloClass::kCompliant);
  EXPECT_EQ(outcomes[split].ehlo, outcomes[compliant].ehlo);

  EXPECT_EQ(outcomes[refused].status, ScanStatus::kConnectionRefused);
  EXPECT_EQ(outcomes[refused].error, "connect: Connection refused");

  EXPECT_EQ(stats.sessions_started, 10u);
  EXPECT_EQ(stats.sessions_finished, 10u);
  EXPECT_EQ(stats.open_sessions, 0u);
  EXPECT_EQ(stats.by_status[static_cast<size_t>(ScanStatus::kSuccess)], 5u);

  // What the servers heard: EHLO (HELO after a refusal) and QUIT, nothing else.
  server.Stop();
  EXPECT_EQ(server.Transcripts(compliant),
            std::vector<std::string>{"EHLO scanner.test\r\nQUIT\r\n"});
  EXPECT_EQ(server.Transcripts(ehlo_refused),
            std::vector<std::string>{"EHLO scanner.test\r\nHELO scanner.test\r\nQUIT\r\n"});
  EXPECT_EQ(server.Transcripts(busy), std::vector<std::string>{"QUIT\r\n"});
  EXPECT_EQ(server.Transcripts(silent), std::vector<std::string>{""});
}

TEST(ScanEngineTest, ManySessionsOverSeveralRingsRespectTheCap) {
  LoopbackSmtpServer server;
  Endpoint slow = server.Listen(Behaviour::kSlowBanner, 11);
  Endpoint fast = server.Listen(Behaviour::kCompliant, 12);
  server.Start();
  std::vector<Endpoint> endpoints;
  for (int i = 0; i < 600; ++i) endpoints.push_back(i % 2 ? slow : fast);
  EngineConfig config = ShortTimeouts();
  config.max_open_sessions = 120;
  config.sessions_per_ring = 40;  // three rings, three threads
  EngineStats stats;
  std::map<Endpoint, Outcome> outcomes;
  VectorTargetSource source(endpoints);
  ScanEngine engine;
  std::string error;
  std::map<ScanStatus, int> statuses;
  ASSERT_TRUE(engine.Run(
      source, config, [&](const ScanResult& result) { ++statuses[result.session.status]; }, &error))
      << error;
  stats = engine.stats();
  EXPECT_EQ(statuses[ScanStatus::kSuccess], 600);
  EXPECT_EQ(stats.rings, 3u);
  EXPECT_EQ(stats.sessions_started, 600u);
  EXPECT_EQ(stats.sessions_finished, 600u);
  EXPECT_EQ(stats.open_sessions, 0u);
  EXPECT_LE(stats.peak_open_sessions, 120u);
  EXPECT_GE(stats.peak_open_sessions, 100u);  // the slow banners keep sessions open
  server.Stop();
  EXPECT_EQ(server.Transcripts(slow).size() + server.Transcripts(fast).size(), 600u);
}

TEST(ScanEngineTest, RateLimitSpacesNewConnections) {
  LoopbackSmtpServer server;
  Endpoint fast = server.Listen(Behaviour::kCompliant, 13);
  server.Start();
  std::vector<Endpoint> endpoints(60, fast);
  EngineConfig config = ShortTimeouts();
  ScheduleAdmission admission({.rate_per_second = 100, .burst = 10});
  config.admission = &admission;
  auto start = std::chrono::steady_clock::now();
  EngineStats stats;
  auto outcomes = Scan(endpoints, config, &stats);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(stats.sessions_finished, 60u);
  EXPECT_GE(seconds, 0.45);  // (60 - 10 burst) / 100 per second: the limit holds
}

TEST(ScanEngineTest, MaxPerIpHoldsAndBackOffDelaysTheIp) {
  LoopbackSmtpServer server;
  Endpoint slow = server.Listen(Behaviour::kSlowBanner, 14);
  Endpoint other = server.Listen(Behaviour::kCompliant, 15);
  server.Start();
  std::vector<Endpoint> endpoints;
  for (int i = 0; i < 6; ++i) endpoints.push_back(slow);
  for (int i = 0; i < 6; ++i) endpoints.push_back(other);
  EngineConfig config = ShortTimeouts();
  ScheduleAdmission admission({.max_per_ip = 2});
  config.admission = &admission;
  EngineStats stats;
  Scan(endpoints, config, &stats);
  EXPECT_EQ(stats.sessions_finished, 12u);
  EXPECT_LE(server.peak_concurrent(slow), 2u);
  EXPECT_EQ(server.peak_concurrent(slow), 2u);  // the cap is used, not undershot

  // 421 backs the IP off: the second session to it waits back_off_ms after the first.
  LoopbackSmtpServer busy_server;
  Endpoint busy = busy_server.Listen(Behaviour::kBanner421, 16);
  Endpoint same_ip = busy_server.Listen(Behaviour::kCompliant, 16);
  busy_server.Start();
  ScheduleAdmission backing_off({.max_per_ip = 1, .back_off_ms = 300});
  config.admission = &backing_off;
  std::map<Endpoint, int64_t> started;
  VectorTargetSource source({busy, same_ip});
  ScanEngine engine;
  std::string error;
  auto begin = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine.Run(
      source, config, [&](const ScanResult& r) { started[r.endpoint] = r.started_unix_ms; },
      &error))
      << error;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ASSERT_EQ(started.size(), 2u);
  EXPECT_GE(started[same_ip] - started[busy], 300);
  EXPECT_GE(seconds, 0.3);
}

TEST(ScanEngineTest, StopFinishesOpenSessionsAndStartsNoMore) {
  LoopbackSmtpServer server;
  Endpoint silent = server.Listen(Behaviour::kSilent, 17);
  server.Start();
  std::vector<Endpoint> endpoints(1000, silent);
  EngineConfig config = ShortTimeouts();
  config.max_open_sessions = 10;
  VectorTargetSource source(endpoints);
  ScanEngine engine;
  std::string error;
  int results = 0;
  ASSERT_TRUE(engine.Run(
      source, config,
      [&](const ScanResult&) {
        if (++results == 5) engine.Stop();
      },
      &error))
      << error;
  EngineStats stats = engine.stats();
  EXPECT_EQ(stats.sessions_started, stats.sessions_finished);
  EXPECT_LT(stats.sessions_started, 40u);
  EXPECT_EQ(static_cast<uint64_t>(results), stats.sessions_finished);
}

}  // namespace
}  // namespace starttls

namespace starttls {
namespace {

TEST(ScanEngineTest, Ipv6EndpointsConnect) {
  // A v6 port nobody listens on: the socket is AF_INET6 and the refusal comes back.
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (fd >= 0) close(fd);
    GTEST_SKIP() << "no IPv6 loopback";
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  Endpoint endpoint;
  endpoint.ip = *IpAddress::Parse("::1");
  endpoint.port = ntohs(address.sin6_port);
  auto outcomes = Scan({endpoint}, ShortTimeouts());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[endpoint].status, ScanStatus::kConnectionRefused) << outcomes[endpoint].error;
}

}  // namespace
}  // namespace starttls
