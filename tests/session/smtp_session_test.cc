// Every path of the SMTP session state machine, driven by scripted events (no sockets).
#include "scanner/session/smtp_session.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "tests/session/session_script.h"

namespace starttls {
namespace {

using testing::kMs;
using testing::ScriptedPeer;

constexpr char kBanner[] = "220 mx.example ESMTP ready\r\n";
constexpr char kCompliantEhlo[] = "250-mx.example hello\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
constexpr char kQuitReply[] = "221 bye\r\n";

SessionConfig TestConfig() {
  SessionTimeouts timeouts;
  timeouts.connect_ms = 1000;
  timeouts.banner_ms = 30'000;
  timeouts.command_ms = 2000;
  timeouts.session_ms = 60'000;
  return SessionConfig("scanner.test", timeouts);
}

class SessionTest : public ::testing::Test {
 protected:
  SessionConfig config_ = TestConfig();
  ScriptedPeer peer_{config_};
};

TEST_F(SessionTest, StartAsksToConnectWithConnectDeadline) {
  SessionActions actions = peer_.Apply(SessionEvent::Start(peer_.now));
  EXPECT_TRUE(actions.connect);
  ASSERT_TRUE(actions.deadline.has_value());
  EXPECT_EQ(actions.deadline->phase, SessionPhase::kConnect);
  EXPECT_EQ(actions.deadline->at_ns, peer_.now + 1000 * kMs);
  EXPECT_TRUE(actions.send.empty());
  EXPECT_EQ(peer_.session().state(), SessionState::kConnecting);
}

TEST_F(SessionTest, ConnectedStartsReceivingWithBannerDeadline) {
  peer_.Apply(SessionEvent::Start(peer_.now));
  peer_.now += 7 * kMs;
  SessionActions actions = peer_.Apply(SessionEvent::Connected(peer_.now));
  EXPECT_TRUE(actions.start_receiving);
  ASSERT_TRUE(actions.deadline.has_value());
  EXPECT_EQ(actions.deadline->phase, SessionPhase::kBanner);
  EXPECT_EQ(actions.deadline->at_ns, peer_.now + 30'000 * kMs);
  EXPECT_TRUE(actions.send.empty());
}

TEST_F(SessionTest, CompliantConversationEndsWithQuit) {
  peer_.Connect();
  peer_.Feed(kBanner);
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\n");
  ASSERT_TRUE(peer_.deadline.has_value());
  EXPECT_EQ(peer_.deadline->phase, SessionPhase::kEhlo);
  EXPECT_EQ(peer_.deadline->at_ns, peer_.now + 2000 * kMs);
  peer_.Feed(kCompliantEhlo);
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\nQUIT\r\n");
  EXPECT_FALSE(peer_.done);
  EXPECT_EQ(peer_.deadline->phase, SessionPhase::kQuit);
  peer_.Feed(kQuitReply);
  ASSERT_TRUE(peer_.done);
  EXPECT_TRUE(peer_.closed);

  const SessionResult& result = peer_.result();
  EXPECT_EQ(result.status, ScanStatus::kSuccess);
  EXPECT_EQ(result.error, "");
  ASSERT_TRUE(result.verdict.cls.has_value());
  EXPECT_EQ(*result.verdict.cls, EhloClass::kCompliant);
  ASSERT_TRUE(result.verdict.ehlo.has_value());
  EXPECT_EQ(result.verdict.ehlo->greeting, "mx.example");
  EXPECT_TRUE(result.verdict.anomalies.empty());
  EXPECT_TRUE(result.quit_sent);
  ASSERT_TRUE(result.conversation.banner.has_value());
  EXPECT_EQ(result.conversation.banner->reply.raw, kBanner);
  ASSERT_TRUE(result.conversation.ehlo.has_value());
  EXPECT_EQ(result.conversation.ehlo->reply.raw, kCompliantEhlo);
  EXPECT_FALSE(result.conversation.helo.has_value());
  EXPECT_EQ(result.timing.connect_ms, 5.0);
  EXPECT_EQ(result.timing.banner_ms, 1.0);
  EXPECT_EQ(result.timing.ehlo_ms, 1.0);
  EXPECT_FALSE(result.timing.helo_ms.has_value());
  EXPECT_EQ(result.timing.total_ms, 8.0);
  EXPECT_FALSE(result.back_off());
}

TEST_F(SessionTest, MisorderedStarttlsIsClassified) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("250-STARTTLS\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
  peer_.Feed(kQuitReply);
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
  EXPECT_EQ(peer_.result().verdict.cls, EhloClass::kStarttlsMisordered);
  EXPECT_TRUE(peer_.result().verdict.anomalies.Has(Anomaly::kStarttlsInGreeting));
}

TEST_F(SessionTest, Banner421IsRateLimitedWithBackOffAndQuit) {
  peer_.Connect();
  peer_.Feed("421 4.7.0 too many connections\r\n");
  EXPECT_EQ(peer_.sent, "QUIT\r\n");  // never EHLO
  peer_.Feed(kQuitReply);
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kRateLimited);
  EXPECT_TRUE(peer_.result().back_off());
  EXPECT_EQ(peer_.result().error, "banner answered 421");
  EXPECT_FALSE(peer_.result().verdict.cls.has_value());
}

TEST_F(SessionTest, Banner554IsRejectedWithQuit) {
  peer_.Connect();
  peer_.Feed("554 5.7.1 go away\r\n");
  EXPECT_EQ(peer_.sent, "QUIT\r\n");
  peer_.Apply(SessionEvent::PeerClosed(peer_.now));  // the server hangs up instead of 221
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kRejected);
  EXPECT_FALSE(peer_.result().back_off());
}

TEST_F(SessionTest, Banner4xxOtherThan421IsRejected) {
  peer_.Connect();
  peer_.Feed("450 busy\r\n");
  peer_.Feed(kQuitReply);
  EXPECT_EQ(peer_.result().status, ScanStatus::kRejected);
}

TEST_F(SessionTest, BannerWithUnexpectedCodeIsProtocolErrorButQuits) {
  peer_.Connect();
  peer_.Feed("354 go ahead\r\n");
  EXPECT_EQ(peer_.sent, "QUIT\r\n");
  peer_.Feed(kQuitReply);
  EXPECT_EQ(peer_.result().status, ScanStatus::kProtocolError);
}

TEST_F(SessionTest, RefusedEhloFallsBackToHelo) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("502 5.5.2 EHLO not implemented\r\n");
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\nHELO scanner.test\r\n");
  EXPECT_EQ(peer_.deadline->phase, SessionPhase::kHelo);
  peer_.Feed("250 mx.example\r\n");
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\nHELO scanner.test\r\nQUIT\r\n");
  peer_.Feed(kQuitReply);
  ASSERT_TRUE(peer_.done);
  const SessionResult& result = peer_.result();
  EXPECT_EQ(result.status, ScanStatus::kSuccess);
  EXPECT_EQ(result.verdict.cls, EhloClass::kNoStarttls);
  EXPECT_TRUE(result.verdict.anomalies.Has(Anomaly::kEhloRejected));
  ASSERT_TRUE(result.conversation.helo.has_value());
  EXPECT_EQ(result.conversation.helo->reply.code(), 250);
  EXPECT_TRUE(result.timing.helo_ms.has_value());
}

TEST_F(SessionTest, RefusedEhloAndHeloIsRejected) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("500 what\r\n");
  peer_.Feed("550 no\r\n");
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\nHELO scanner.test\r\nQUIT\r\n");
  peer_.Feed(kQuitReply);
  EXPECT_EQ(peer_.result().status, ScanStatus::kRejected);
  EXPECT_FALSE(peer_.result().verdict.cls.has_value());
}

TEST_F(SessionTest, Helo421IsRateLimited) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("500 what\r\n");
  peer_.Feed("421 closing\r\n");
  peer_.Feed(kQuitReply);
  EXPECT_EQ(peer_.result().status, ScanStatus::kRateLimited);
  EXPECT_TRUE(peer_.result().back_off());
}

TEST_F(SessionTest, Ehlo421SkipsHeloAndIsRateLimited) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("421 4.3.2 shutting down\r\n");
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\nQUIT\r\n");
  peer_.Apply(SessionEvent::IoError(peer_.now, ECONNRESET));
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kRateLimited);
  EXPECT_TRUE(peer_.result().back_off());
}

TEST_F(SessionTest, MalformedBannerIsProtocolErrorWithoutQuit) {
  peer_.Connect();
  peer_.Feed("HTTP/1.1 400 Bad Request\r\n\r\n");
  ASSERT_TRUE(peer_.done);
  EXPECT_TRUE(peer_.closed);
  EXPECT_EQ(peer_.sent, "");
  EXPECT_EQ(peer_.result().status, ScanStatus::kProtocolError);
  EXPECT_EQ(peer_.result().error, "banner reply malformed");
  ASSERT_TRUE(peer_.result().conversation.banner.has_value());
  EXPECT_EQ(peer_.result().conversation.banner->reply.raw, "HTTP/1.1 400 Bad Request\r\n\r\n");
}

TEST_F(SessionTest, MalformedEhloLineIsProtocolError) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("250-mx\r\nSTARTTLS\r\n250 SIZE\r\n");
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\n");
  EXPECT_EQ(peer_.result().status, ScanStatus::kProtocolError);
  EXPECT_EQ(peer_.result().error, "EHLO reply malformed");
}

TEST_F(SessionTest, OversizedEhloReplyIsTruncatedProtocolError) {
  peer_.Connect();
  peer_.Feed(kBanner);
  std::string line = "250-" + std::string(100, 'X') + "\r\n";
  std::string huge;
  while (huge.size() < 70 * 1024) huge += line;
  peer_.Feed(huge, {1000, 40'000});
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\n");
  const SessionResult& result = peer_.result();
  EXPECT_EQ(result.status, ScanStatus::kProtocolError);
  EXPECT_TRUE(result.verdict.anomalies.Has(Anomaly::kReplyTruncated));
  EXPECT_EQ(result.conversation.ehlo->reply.raw.size(), 64u * 1024);
}

TEST_F(SessionTest, ConnectErrorsMapToStatuses) {
  struct Case {
    int err;
    ScanStatus status;
  };
  for (Case c : {Case{ECONNREFUSED, ScanStatus::kConnectionRefused},
                 Case{ENETUNREACH, ScanStatus::kConnectionRefused},
                 Case{EHOSTUNREACH, ScanStatus::kConnectionRefused},
                 Case{ETIMEDOUT, ScanStatus::kConnectionTimeout},
                 Case{ECONNRESET, ScanStatus::kConnectionReset}}) {
    ScriptedPeer peer(config_);
    peer.Apply(SessionEvent::Start(peer.now));
    peer.Apply(SessionEvent::ConnectFailed(peer.now + kMs, c.err));
    ASSERT_TRUE(peer.done) << c.err;
    EXPECT_TRUE(peer.closed);
    EXPECT_EQ(peer.result().status, c.status) << c.err;
    EXPECT_EQ(peer.result().error.rfind("connect: ", 0), 0u) << peer.result().error;
    EXPECT_EQ(peer.sent, "");
    EXPECT_FALSE(peer.result().conversation.banner.has_value());
    EXPECT_FALSE(peer.result().timing.connect_ms.has_value());
  }
}

TEST_F(SessionTest, ConnectTimeout) {
  peer_.Apply(SessionEvent::Start(peer_.now));
  peer_.FireDeadline();
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kConnectionTimeout);
  EXPECT_EQ(peer_.result().error, "connect timed out after 1000 ms");
  EXPECT_EQ(peer_.result().timing.total_ms, 1000.0);
}

TEST_F(SessionTest, BannerTimeoutWithoutBytes) {
  peer_.Connect();
  peer_.FireDeadline();
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kBannerTimeout);
  EXPECT_EQ(peer_.result().error, "banner timed out after 30000 ms");
  EXPECT_FALSE(peer_.result().conversation.banner.has_value());
  EXPECT_EQ(peer_.sent, "");
}

TEST_F(SessionTest, BannerTimeoutKeepsPartialBanner) {
  peer_.Connect();
  peer_.Feed("220-first line\r\n220-second");
  peer_.FireDeadline();
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kBannerTimeout);
  ASSERT_TRUE(peer_.result().conversation.banner.has_value());
  EXPECT_EQ(peer_.result().conversation.banner->reply.raw, "220-first line\r\n220-second");
  EXPECT_FALSE(peer_.result().conversation.banner->reply.complete());
}

TEST_F(SessionTest, EhloTimeoutIsIoTimeout) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("250-mx\r\n");
  peer_.FireDeadline();
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kIoTimeout);
  EXPECT_EQ(peer_.result().error, "EHLO timed out after 2000 ms");
  EXPECT_EQ(peer_.result().conversation.ehlo->reply.raw, "250-mx\r\n");
  EXPECT_FALSE(peer_.result().verdict.cls.has_value());
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\n");  // no QUIT to a silent peer
}

TEST_F(SessionTest, HeloTimeoutIsIoTimeout) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed("502 no\r\n");
  peer_.FireDeadline();
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kIoTimeout);
  EXPECT_EQ(peer_.result().error, "HELO timed out after 2000 ms");
  EXPECT_FALSE(peer_.result().conversation.helo.has_value());
}

TEST_F(SessionTest, QuitTimeoutKeepsTheVerdict) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed(kCompliantEhlo);
  peer_.FireDeadline();
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
  EXPECT_EQ(peer_.result().verdict.cls, EhloClass::kCompliant);
}

TEST_F(SessionTest, StaleTimeoutOfEarlierPhaseIsIgnored) {
  peer_.Connect();
  peer_.Feed(kBanner);
  SessionActions actions = peer_.Apply(SessionEvent::Timeout(peer_.now, SessionPhase::kBanner));
  EXPECT_FALSE(actions.close);
  EXPECT_FALSE(actions.done);
  EXPECT_FALSE(actions.deadline.has_value());
  actions = peer_.Apply(SessionEvent::Timeout(peer_.now, SessionPhase::kConnect));
  EXPECT_FALSE(actions.done);
  EXPECT_EQ(peer_.session().state(), SessionState::kAwaitEhlo);
}

TEST(SessionDeadlineTest, SessionLimitCapsEveryPhaseDeadline) {
  SessionTimeouts timeouts;
  timeouts.connect_ms = 1000;
  timeouts.banner_ms = 30'000;
  timeouts.command_ms = 30'000;
  timeouts.session_ms = 3000;
  SessionConfig config("scanner.test", timeouts);
  ScriptedPeer peer(config);
  int64_t start = peer.now;
  peer.Apply(SessionEvent::Start(peer.now));
  EXPECT_EQ(peer.deadline->at_ns, start + 1000 * kMs);
  peer.now += 500 * kMs;
  peer.Apply(SessionEvent::Connected(peer.now));
  EXPECT_EQ(peer.deadline->at_ns, start + 3000 * kMs);  // not connected + 30 s
  peer.FireDeadline();
  ASSERT_TRUE(peer.done);
  EXPECT_EQ(peer.result().status, ScanStatus::kBannerTimeout);
  EXPECT_EQ(peer.result().error, "session time limit of 3000 ms reached during banner");
}

TEST_F(SessionTest, CloseBeforeBannerIsConnectionReset) {
  peer_.Connect();
  peer_.Apply(SessionEvent::PeerClosed(peer_.now));
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kConnectionReset);
  EXPECT_EQ(peer_.result().error, "peer closed the connection before the banner");
}

TEST_F(SessionTest, CloseMidBannerIsProtocolError) {
  peer_.Connect();
  peer_.Feed("220 half a ban");
  peer_.Apply(SessionEvent::PeerClosed(peer_.now));
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kProtocolError);
  EXPECT_EQ(peer_.result().error, "peer closed during the banner reply");
  EXPECT_EQ(peer_.result().conversation.banner->reply.raw, "220 half a ban");
}

TEST_F(SessionTest, CloseAfterEhloSentIsProtocolError) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Apply(SessionEvent::PeerClosed(peer_.now));
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kProtocolError);
  EXPECT_EQ(peer_.result().error, "peer closed during the EHLO reply");
  EXPECT_FALSE(peer_.result().conversation.ehlo.has_value());
}

TEST_F(SessionTest, ResetDuringBannerIsConnectionReset) {
  peer_.Connect();
  peer_.Feed("220-partial\r\n");
  peer_.Apply(SessionEvent::IoError(peer_.now, ECONNRESET));
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kConnectionReset);
  EXPECT_EQ(peer_.result().error.rfind("banner: ", 0), 0u) << peer_.result().error;
  EXPECT_EQ(peer_.result().conversation.banner->reply.raw, "220-partial\r\n");
}

TEST_F(SessionTest, RecvTimeoutErrnoIsIoTimeout) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Apply(SessionEvent::IoError(peer_.now, ETIMEDOUT));
  EXPECT_EQ(peer_.result().status, ScanStatus::kIoTimeout);
}

TEST_F(SessionTest, ResetAfterQuitKeepsSuccess) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed(kCompliantEhlo);
  peer_.Apply(SessionEvent::IoError(peer_.now, ECONNRESET));
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
}

TEST_F(SessionTest, MalformedQuitReplyStillEndsTheSession) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed(kCompliantEhlo);
  peer_.Feed("garbage\r\n");
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
}

TEST_F(SessionTest, PartialQuitReplyWaits) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed(kCompliantEhlo);
  peer_.Feed("221 by");
  EXPECT_FALSE(peer_.done);
  peer_.Feed("e\r\n");
  EXPECT_TRUE(peer_.done);
}

TEST_F(SessionTest, NothingHappensAfterDone) {
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed(kCompliantEhlo);
  peer_.Feed(kQuitReply);
  ASSERT_TRUE(peer_.done);
  peer_.Feed("250 more\r\n");
  peer_.Apply(SessionEvent::PeerClosed(peer_.now));
  peer_.Apply(SessionEvent::IoError(peer_.now, ECONNRESET));
  peer_.Apply(SessionEvent::Timeout(peer_.now, SessionPhase::kQuit));
  peer_.Apply(SessionEvent::Connected(peer_.now));
  peer_.Apply(SessionEvent::Start(peer_.now));
  EXPECT_EQ(peer_.actions_after_done, 0);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
}

TEST_F(SessionTest, EventsOutOfOrderAreIgnored) {
  // Bytes or EOF before the connect completes ask for nothing.
  peer_.Apply(SessionEvent::Start(peer_.now));
  SessionActions actions = peer_.Apply(SessionEvent::Bytes(peer_.now, kBanner));
  EXPECT_FALSE(actions.done);
  EXPECT_TRUE(actions.send.empty());
  actions = peer_.Apply(SessionEvent::PeerClosed(peer_.now));
  EXPECT_FALSE(actions.done);
  actions = peer_.Apply(SessionEvent::Start(peer_.now));
  EXPECT_FALSE(actions.connect);
  EXPECT_EQ(peer_.session().state(), SessionState::kConnecting);
}

TEST_F(SessionTest, ResetReusesTheSessionCleanly) {
  peer_.Connect();
  peer_.Feed("554 no\r\n");
  peer_.Feed(kQuitReply);
  ASSERT_EQ(peer_.result().status, ScanStatus::kRejected);
  peer_.session().Reset(config_);
  EXPECT_EQ(peer_.session().state(), SessionState::kNew);
  EXPECT_FALSE(peer_.result().conversation.banner.has_value());
  peer_.done = false;
  peer_.sent.clear();
  peer_.Connect();
  peer_.Feed(kBanner);
  peer_.Feed(kCompliantEhlo);
  peer_.Feed(kQuitReply);
  ASSERT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
  EXPECT_FALSE(peer_.result().quit_sent == false);
}

TEST(SessionConfigTest, EhloNameCannotInjectCommands) {
  EXPECT_TRUE(SessionConfig::IsValidEhloName("scanner.example.org"));
  EXPECT_TRUE(SessionConfig::IsValidEhloName("[192.0.2.1]"));
  EXPECT_FALSE(SessionConfig::IsValidEhloName(""));
  EXPECT_FALSE(SessionConfig::IsValidEhloName("a b"));
  EXPECT_FALSE(SessionConfig::IsValidEhloName("x\r\nMAIL FROM:<a@b>"));
  EXPECT_FALSE(SessionConfig::IsValidEhloName(std::string(256, 'a')));
  SessionConfig config("x\r\nRCPT TO:<a@b>");
  EXPECT_EQ(config.ehlo_command(), "EHLO localhost\r\n");
  EXPECT_EQ(config.helo_command(), "HELO localhost\r\n");
  EXPECT_EQ(config.quit_command(), "QUIT\r\n");
}

TEST_F(SessionTest, NeverSendsForbiddenCommands) {
  // Whatever the server says, only EHLO, HELO and QUIT ever leave.
  for (const char* ehlo_reply : {"250 ok\r\n", "502 no\r\n", "421 bye\r\n", "354 data?\r\n"}) {
    ScriptedPeer peer(config_);
    peer.Connect();
    peer.Feed(kBanner);
    peer.Feed(ehlo_reply);
    peer.Feed("250 ok\r\n");
    peer.Feed(kQuitReply);
    for (const char* forbidden : {"MAIL", "RCPT", "DATA", "AUTH", "VRFY", "EXPN", "STARTTLS"}) {
      EXPECT_EQ(peer.sent.find(forbidden), std::string::npos) << ehlo_reply;
    }
    EXPECT_TRUE(peer.done) << ehlo_reply;
    EXPECT_NE(peer.sent.find("QUIT\r\n"), std::string::npos) << ehlo_reply;
  }
}

// A peer that answers before our command went out (found by fuzz/smtp/session_fuzzer): the
// session asks for one send at a time, as the engine executes them, so the next command
// waits for the last send's kSent instead of overlapping it.
TEST_F(SessionTest, PeerAnsweringBeforeTheSendCompletedGetsOneSendAtATime) {
  peer_.hold_sends = true;
  peer_.Connect();
  peer_.Feed(kBanner);
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\n");
  ASSERT_TRUE(peer_.send_in_flight);
  peer_.now += 1 * kMs;
  SessionActions early = peer_.Apply(SessionEvent::Bytes(peer_.now, kCompliantEhlo));
  EXPECT_TRUE(early.send.empty());  // QUIT is due, but EHLO is still being sent
  EXPECT_EQ(peer_.session().phase(), SessionPhase::kQuit);
  ASSERT_TRUE(early.deadline.has_value());
  EXPECT_EQ(early.deadline->phase, SessionPhase::kQuit);
  SessionActions after = peer_.CompleteSend();
  EXPECT_EQ(after.send, "QUIT\r\n");
  EXPECT_EQ(peer_.sent, "EHLO scanner.test\r\nQUIT\r\n");
  peer_.hold_sends = false;
  peer_.CompleteSend();
  peer_.Feed(kQuitReply);
  EXPECT_TRUE(peer_.done);
  EXPECT_EQ(peer_.result().status, ScanStatus::kSuccess);
  EXPECT_EQ(peer_.actions_after_done, 0);
}

}  // namespace
}  // namespace starttls
