// Replies split at every byte boundary give the same result as replies read whole, and bytes
// that arrive with a reply's end (pipelined ahead of our next command) become its trailing
// data, capped.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scanner/session/smtp_session.h"
#include "tests/session/session_script.h"

namespace starttls {
namespace {

using testing::ScriptedPeer;

SessionConfig TestConfig() { return SessionConfig("scanner.test"); }

// The server's replies, one per command (the first is the banner).
struct Script {
  std::vector<std::string> replies;
};

// Feeds reply `split_reply` in the chunks `cuts` describes; every other reply whole.
void RunScript(ScriptedPeer& peer, const Script& script, size_t split_reply,
               const std::vector<size_t>& cuts) {
  peer.Connect();
  for (size_t i = 0; i < script.replies.size() && !peer.done; ++i) {
    peer.Feed(script.replies[i], i == split_reply ? cuts : std::vector<size_t>{});
  }
}

void ExpectSameResult(const SessionResult& want, const SessionResult& got, const std::string& why) {
  EXPECT_EQ(got.status, want.status) << why;
  EXPECT_EQ(got.error, want.error) << why;
  EXPECT_EQ(got.verdict.cls, want.verdict.cls) << why;
  EXPECT_EQ(got.verdict.anomalies, want.verdict.anomalies) << why;
  for (auto member : {&Conversation::banner, &Conversation::ehlo, &Conversation::helo}) {
    const auto& a = want.conversation.*member;
    const auto& b = got.conversation.*member;
    ASSERT_EQ(a.has_value(), b.has_value()) << why;
    if (!a.has_value()) continue;
    EXPECT_EQ(a->reply.status, b->reply.status) << why;
    if (a->reply.status == FrameStatus::kMalformed) {
      // A malformed reply keeps what came with the bad line; later chunks are not read.
      EXPECT_EQ(a->reply.raw.rfind(b->reply.raw, 0), 0u) << why;
      continue;
    }
    EXPECT_EQ(a->reply.raw, b->reply.raw) << why;
    EXPECT_EQ(a->reply.lines.size(), b->reply.lines.size()) << why;
    EXPECT_EQ(a->trailing, b->trailing) << why;
  }
}

const std::vector<Script>& Scripts() {
  static const std::vector<Script> scripts = {
      {{"220 mx ESMTP\r\n", "250-mx\r\n250-SIZE 10\r\n250 STARTTLS\r\n", "221 bye\r\n"}},
      {{"220-mx ESMTP\r\n220 second\r\n", "250-STARTTLS\r\n250 8BITMIME\r\n", "221 bye\r\n"}},
      {{"220 mx\n", "250-mx\n250-starttls\n250 XXXXXXXA\n", "221 bye\n"}},  // bare LF
      {{"220 mx ESMTP\r\n", "502 no\r\n", "250 mx\r\n", "221 bye\r\n"}},
      {{"421 busy\r\n", "221 bye\r\n"}},
      {{"220 mx ESMTP\r\n", "250-mx\r\nnot a reply line\r\n250 X\r\n"}},  // malformed
      {{"220 \xff\xfe ESMTP\r\n", "250-mx\r\n250 STARTTLS\r\n", "221 bye\r\n"}},
  };
  return scripts;
}

TEST(SessionSplitTest, EveryTwoWaySplitOfEveryReplyGivesTheSameResult) {
  SessionConfig config = TestConfig();
  for (size_t s = 0; s < Scripts().size(); ++s) {
    const Script& script = Scripts()[s];
    ScriptedPeer whole(config);
    RunScript(whole, script, script.replies.size(), {});
    ASSERT_TRUE(whole.done) << s;
    for (size_t r = 0; r < script.replies.size(); ++r) {
      for (size_t cut = 1; cut < script.replies[r].size(); ++cut) {
        ScriptedPeer split(config);
        RunScript(split, script, r, {cut});
        std::string why = "script " + std::to_string(s) + " reply " + std::to_string(r) +
                          " cut at " + std::to_string(cut);
        ASSERT_TRUE(split.done) << why;
        EXPECT_EQ(split.sent, whole.sent) << why;
        ExpectSameResult(whole.result(), split.result(), why);
      }
    }
  }
}

TEST(SessionSplitTest, EveryThreeWaySplitOfTheEhloReplyGivesTheSameResult) {
  SessionConfig config = TestConfig();
  const Script& script = Scripts()[0];
  ScriptedPeer whole(config);
  RunScript(whole, script, 99, {});
  const std::string& ehlo = script.replies[1];
  for (size_t a = 1; a < ehlo.size(); ++a) {
    for (size_t b = a + 1; b < ehlo.size(); ++b) {
      ScriptedPeer split(config);
      RunScript(split, script, 1, {a, b});
      std::string why = "cuts " + std::to_string(a) + "," + std::to_string(b);
      ASSERT_TRUE(split.done) << why;
      ExpectSameResult(whole.result(), split.result(), why);
    }
  }
}

TEST(SessionSplitTest, ByteByByteGivesTheSameResult) {
  SessionConfig config = TestConfig();
  for (size_t s = 0; s < Scripts().size(); ++s) {
    const Script& script = Scripts()[s];
    ScriptedPeer whole(config);
    RunScript(whole, script, 99, {});
    ScriptedPeer bytewise(config);
    bytewise.Connect();
    for (const std::string& reply : script.replies) {
      if (bytewise.done) break;
      bytewise.FeedByteByByte(reply);
    }
    ASSERT_TRUE(bytewise.done) << s;
    EXPECT_EQ(bytewise.sent, whole.sent) << s;
    ExpectSameResult(whole.result(), bytewise.result(), "script " + std::to_string(s));
  }
}

TEST(SessionSplitTest, BytesWithTheBannerEndAreItsTrailingData) {
  SessionConfig config = TestConfig();
  ScriptedPeer peer(config);
  peer.Connect();
  peer.Feed("220 mx ESMTP\r\n250-early\r\n");  // pipelined before our EHLO
  EXPECT_EQ(peer.sent, "EHLO scanner.test\r\n");
  peer.Feed("250-mx\r\n250 STARTTLS\r\n");
  peer.Feed("221 bye\r\n");
  ASSERT_TRUE(peer.done);
  const SessionResult& result = peer.result();
  EXPECT_EQ(result.conversation.banner->reply.raw, "220 mx ESMTP\r\n");
  EXPECT_EQ(result.conversation.banner->trailing, "250-early\r\n");
  EXPECT_EQ(result.conversation.ehlo->reply.raw, "250-mx\r\n250 STARTTLS\r\n");
  EXPECT_EQ(result.conversation.ehlo->trailing, "");
  EXPECT_TRUE(result.verdict.anomalies.Has(Anomaly::kTrailingData));
  EXPECT_EQ(result.status, ScanStatus::kSuccess);
}

TEST(SessionSplitTest, BytesWithTheEhloEndAreItsTrailingDataNotTheQuitReply) {
  SessionConfig config = TestConfig();
  ScriptedPeer peer(config);
  peer.Connect();
  peer.Feed("220 mx ESMTP\r\n");
  peer.Feed("250-mx\r\n250 STARTTLS\r\n221 early bye\r\n");
  EXPECT_FALSE(peer.done);  // the pipelined 221 is not taken as the QUIT reply
  EXPECT_EQ(peer.result().conversation.ehlo->trailing, "221 early bye\r\n");
  peer.Feed("221 bye\r\n");
  ASSERT_TRUE(peer.done);
  EXPECT_TRUE(peer.result().verdict.anomalies.Has(Anomaly::kTrailingData));
}

TEST(SessionSplitTest, TrailingDataIsCapped) {
  SessionConfig config("scanner.test", {}, {}, 4096);
  ScriptedPeer peer(config);
  peer.Connect();
  std::string flood(10'000, 'z');
  peer.Feed("220 mx ESMTP\r\n" + flood);
  EXPECT_EQ(peer.result().conversation.banner->trailing, flood.substr(0, 4096));
}

TEST(SessionSplitTest, TrailingCutEverywhereIsStillTrailing) {
  // Whatever arrives in the chunk that ends the banner is trailing; a chunk after it belongs
  // to the EHLO reply.
  SessionConfig config = TestConfig();
  const std::string stream = "220 mx ESMTP\r\n250-x\r\n";
  const size_t banner_end = 14;
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    ScriptedPeer peer(config);
    peer.Connect();
    peer.Feed(stream, {cut});
    const auto& banner = peer.result().conversation.banner;
    ASSERT_TRUE(banner.has_value()) << cut;
    EXPECT_EQ(banner->reply.raw, "220 mx ESMTP\r\n") << cut;
    if (cut < banner_end) {
      EXPECT_EQ(banner->trailing, stream.substr(banner_end)) << cut;
    } else if (cut == banner_end) {
      EXPECT_EQ(banner->trailing, "") << cut;
      EXPECT_EQ(peer.session().state(), SessionState::kAwaitEhlo);
    } else {
      EXPECT_EQ(banner->trailing, stream.substr(banner_end, cut - banner_end)) << cut;
    }
  }
}

}  // namespace
}  // namespace starttls
