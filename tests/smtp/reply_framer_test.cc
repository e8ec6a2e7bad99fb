#include "scanner/smtp/reply_framer.h"

#include <string>

#include <gtest/gtest.h>

namespace starttls {
namespace {

Reply FrameAll(std::string_view bytes, std::string* trailing) {
  return FrameWholeReply(bytes, trailing);
}

TEST(ReplyFramer, MultiLineReplyEndsAtFirstLastLine) {
  std::string trailing;
  Reply reply = FrameAll("250-mx.example\r\n250-SIZE 100\r\n250 STARTTLS\r\n", &trailing);
  ASSERT_EQ(reply.status, FrameStatus::kComplete);
  EXPECT_EQ(reply.code(), 250);
  ASSERT_EQ(reply.lines.size(), 3u);
  EXPECT_EQ(reply.Line(0), "250-mx.example");
  EXPECT_EQ(reply.Text(1), "SIZE 100");
  EXPECT_EQ(reply.Text(2), "STARTTLS");
  EXPECT_TRUE(reply.lines[0].continues);
  EXPECT_FALSE(reply.lines[2].continues);
  EXPECT_FALSE(reply.bare_lf);
  EXPECT_TRUE(trailing.empty());
}

TEST(ReplyFramer, CodeAloneIsALastLine) {
  std::string trailing;
  Reply reply = FrameAll("220\r\n", &trailing);
  ASSERT_EQ(reply.status, FrameStatus::kComplete);
  EXPECT_EQ(reply.code(), 220);
  EXPECT_EQ(reply.Text(0), "");
}

TEST(ReplyFramer, BytesAfterTheReplyAreLeftAsTrailing) {
  std::string trailing;
  Reply reply = FrameAll("220 hi\r\n250 extra\r\n", &trailing);
  ASSERT_TRUE(reply.complete());
  EXPECT_EQ(reply.raw, "220 hi\r\n");
  EXPECT_EQ(trailing, "250 extra\r\n");
}

TEST(ReplyFramer, BareLfIsFlaggedPerLine) {
  std::string trailing;
  Reply reply = FrameAll("250-a\n250 b\r\n", &trailing);
  ASSERT_TRUE(reply.complete());
  EXPECT_TRUE(reply.bare_lf);
  EXPECT_TRUE(reply.lines[0].bare_lf);
  EXPECT_FALSE(reply.lines[1].bare_lf);
  EXPECT_EQ(reply.Line(0), "250-a");
}

TEST(ReplyFramer, OnlyOneCrIsStripped) {
  std::string trailing;
  Reply reply = FrameAll("250 a\r\r\n", &trailing);
  ASSERT_TRUE(reply.complete());
  EXPECT_EQ(reply.Text(0), "a\r");
  EXPECT_FALSE(reply.bare_lf);
}

TEST(ReplyFramer, MixedCodesAreFlaggedAndTheFirstCodeWins) {
  std::string trailing;
  Reply reply = FrameAll("250-a\r\n220-b\r\n250 c\r\n", &trailing);
  ASSERT_TRUE(reply.complete());
  EXPECT_EQ(reply.code(), 250);
  EXPECT_TRUE(reply.mixed_reply_codes);
}

TEST(ReplyFramer, MalformedLinesMakeTheReplyMalformedAndKeepRawBytes) {
  for (std::string_view bad :
       {"HTTP/1.1 400 Bad Request\r\n\r\n", "25\r\n", "250_x\r\n", "250-ok\r\nhello\r\n250 x\r\n",
        "2501 x\r\n", "\r\n", "250\rX\r\n"}) {
    std::string trailing;
    Reply reply = FrameAll(bad, &trailing);
    EXPECT_EQ(reply.status, FrameStatus::kMalformed) << bad;
    EXPECT_EQ(reply.raw, bad);
    EXPECT_TRUE(trailing.empty());
  }
}

TEST(ReplyFramer, NonSmtpPeerIsRejectedBeforeAnyLineEnd) {
  ReplyFramer framer;
  size_t consumed = 0;
  EXPECT_EQ(framer.Feed("HTT", &consumed), FrameStatus::kMalformed);
  EXPECT_EQ(consumed, 3u);
  ReplyFramer partial;
  EXPECT_EQ(partial.Feed("250\r", &consumed), FrameStatus::kNeedMore);
  EXPECT_EQ(partial.Feed("\n", &consumed), FrameStatus::kComplete);
}

TEST(ReplyFramer, IncompleteReplyNeedsMore) {
  std::string trailing;
  Reply reply = FrameAll("250-a\r\n250 b", &trailing);
  EXPECT_EQ(reply.status, FrameStatus::kNeedMore);
  EXPECT_EQ(reply.lines.size(), 1u);
}

TEST(ReplyFramer, LongLineIsFlaggedButKept) {
  std::string at_limit = "250 " + std::string(506, 'a') + "\r\n";  // 510 octets of line
  std::string over = "250 " + std::string(507, 'a') + "\r\n";
  std::string trailing;
  EXPECT_FALSE(FrameAll(at_limit, &trailing).line_too_long);
  Reply reply = FrameAll(over, &trailing);
  EXPECT_TRUE(reply.complete());
  EXPECT_TRUE(reply.line_too_long);
}

TEST(ReplyFramer, ReplyOverByteCapIsTruncated) {
  std::string endless;
  while (endless.size() < 70 * 1024) endless += "250-" + std::string(60, 'x') + "\r\n";
  std::string trailing;
  Reply reply = FrameAll(endless, &trailing);
  EXPECT_EQ(reply.status, FrameStatus::kTruncated);
  EXPECT_EQ(reply.raw.size(), 64u * 1024);
  // The cap fell inside a short line: no line was too long.
  EXPECT_FALSE(reply.line_too_long);
}

TEST(ReplyFramer, SingleEndlessLineIsTruncatedAtTheByteCap) {
  ReplyFramer framer;
  std::string chunk(4096, 'a');
  size_t consumed = 0;
  ASSERT_EQ(framer.Feed("250-", &consumed), FrameStatus::kNeedMore);
  FrameStatus status = FrameStatus::kNeedMore;
  for (int i = 0; i < 100 && status == FrameStatus::kNeedMore; ++i) {
    status = framer.Feed(chunk, &consumed);
  }
  EXPECT_EQ(status, FrameStatus::kTruncated);
  EXPECT_LE(framer.reply().raw.size(), 64u * 1024);
  // A line cut at the cap is over 510 octets: line_too_long as well (docs/rules.md §3).
  EXPECT_TRUE(framer.reply().line_too_long);
}

TEST(ReplyFramer, TenMebibyteLineInOneReadIsCutAndTooLong) {
  std::string huge = "250 " + std::string(10 << 20, 'A');  // no LF at all
  std::string trailing;
  Reply reply = FrameAll(huge, &trailing);
  EXPECT_EQ(reply.status, FrameStatus::kTruncated);
  EXPECT_EQ(reply.raw.size(), 64u * 1024);
  EXPECT_TRUE(reply.line_too_long);
  EXPECT_TRUE(trailing.empty());
}

TEST(ReplyFramer, ReplyOverLineCapIsTruncated) {
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "250-k\r\n";
  std::string trailing;
  Reply at_cap = FrameAll(lines + "250 end\r\n", &trailing);
  EXPECT_EQ(at_cap.status, FrameStatus::kTruncated) << "1,001 lines is over the cap";
  std::string exactly;
  for (int i = 0; i < 999; ++i) exactly += "250-k\r\n";
  Reply fits = FrameAll(exactly + "250 end\r\n", &trailing);
  EXPECT_EQ(fits.status, FrameStatus::kComplete);
  EXPECT_EQ(fits.lines.size(), 1000u);
}

TEST(ReplyFramer, CapsAreConfigurable) {
  ReplyLimits limits;
  limits.max_lines = 2;
  std::string trailing;
  EXPECT_EQ(FrameWholeReply("250-a\r\n250-b\r\n250 c\r\n", &trailing, limits).status,
            FrameStatus::kTruncated);
}

TEST(ReplyFramer, FinishedFramerConsumesNothingMore) {
  ReplyFramer framer;
  size_t consumed = 0;
  ASSERT_EQ(framer.Feed("220 x\r\n", &consumed), FrameStatus::kComplete);
  EXPECT_EQ(framer.Feed("more", &consumed), FrameStatus::kComplete);
  EXPECT_EQ(consumed, 0u);
}

// Every way of cutting the bytes into two or three reads frames to the same reply.
TEST(ReplyFramer, SplitAtEveryByteBoundaryGivesTheSameReply) {
  const std::string inputs[] = {
      "250-STARTTLS\r\n250-mail.domain1.com\r\n250-8BITMIME\r\n250 SIZE 30000000\r\nTRAIL",
      "250-a\n250-b\r\n251 c\r\n",
      "HTTP/1.0 200 OK\r\n",
      "250-x\r\n250-y\r\n",
  };
  for (const std::string& input : inputs) {
    std::string whole_trailing;
    Reply whole = FrameWholeReply(input, &whole_trailing);
    for (size_t cut1 = 0; cut1 <= input.size(); ++cut1) {
      for (size_t cut2 = cut1; cut2 <= input.size(); ++cut2) {
        ReplyFramer framer;
        size_t offset = 0;
        for (size_t end : {cut1, cut2, input.size()}) {
          if (end <= offset || framer.reply().status != FrameStatus::kNeedMore) continue;
          size_t consumed = 0;
          framer.Feed(std::string_view(input).substr(offset, end - offset), &consumed);
          offset += consumed;
          if (framer.reply().status != FrameStatus::kNeedMore) break;
        }
        const Reply& split = framer.reply();
        ASSERT_EQ(split.status, whole.status) << input << " cut at " << cut1 << "," << cut2;
        if (split.status == FrameStatus::kMalformed) {
          // A non-SMTP peer is dropped as soon as it shows: raw is what had arrived by then.
          ASSERT_TRUE(std::string_view(input).starts_with(split.raw));
          continue;
        }
        ASSERT_EQ(split.raw, whole.raw);
        ASSERT_EQ(split.lines.size(), whole.lines.size());
        ASSERT_EQ(split.bare_lf, whole.bare_lf);
        ASSERT_EQ(split.mixed_reply_codes, whole.mixed_reply_codes);
        ASSERT_EQ(input.substr(offset), whole_trailing);
      }
    }
  }
}

TEST(ReplyFramer, ByteAtATimeFeeding) {
  std::string input = "220-first\r\n220 second ESMTP\r\n";
  ReplyFramer framer;
  FrameStatus status = FrameStatus::kNeedMore;
  for (size_t i = 0; i < input.size(); ++i) {
    size_t consumed = 0;
    status = framer.Feed(input.substr(i, 1), &consumed);
    ASSERT_EQ(consumed, 1u);
    if (i + 1 < input.size()) {
      ASSERT_EQ(status, FrameStatus::kNeedMore) << i;
    }
  }
  EXPECT_EQ(status, FrameStatus::kComplete);
  EXPECT_EQ(framer.reply().lines.size(), 2u);
}

// A reply over a cap that is malformed as well frames the same however it is split (found by
// fuzz/smtp/classify_fuzzer): a line past the line cap is cut off whatever it holds, and the
// bytes that fit under the byte cap are judged as smaller reads would judge them.
TEST(ReplyFramer, OverCapAndMalformedFramesTheSameWholeOrByteAtATime) {
  ReplyLimits lines_cap;
  lines_cap.max_lines = 2;
  ReplyLimits bytes_cap;
  bytes_cap.max_reply_bytes = 12;
  struct Case {
    std::string input;
    ReplyLimits limits;
    FrameStatus status;
  };
  for (const Case& c : {Case{"250-a\r\n250-b\r\n250\r.x\r\n", lines_cap, FrameStatus::kTruncated},
                        Case{"250-a\r\n250-b\r\nHTTP/1.1\r\n", lines_cap, FrameStatus::kTruncated},
                        Case{"250-abcd\r\nXYZW\r\n", bytes_cap, FrameStatus::kMalformed},
                        Case{"250-abcd\r\n2X0 ok\r\n", bytes_cap, FrameStatus::kMalformed},
                        Case{"250-abcd\r\n25X ok\r\n", bytes_cap, FrameStatus::kTruncated}}) {
    std::string trailing;
    Reply whole = FrameWholeReply(c.input, &trailing, c.limits);
    EXPECT_EQ(whole.status, c.status) << c.input;
    ReplyFramer framer(c.limits);
    for (size_t i = 0; i < c.input.size(); ++i) {
      size_t consumed = 0;
      if (framer.Feed(std::string_view(c.input).substr(i, 1), &consumed) !=
          FrameStatus::kNeedMore) {
        break;
      }
    }
    EXPECT_EQ(framer.reply().status, c.status) << c.input;
  }
}

}  // namespace
}  // namespace starttls
