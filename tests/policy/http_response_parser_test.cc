// The bounded incremental HTTP/1.1 response parser, fed whole and byte by byte.
#include "scanner/policy/http_response_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace starttls {
namespace {

// Feeds `bytes` in pieces of `step` bytes; then, when asked, the end of the stream.
HttpParse FeedInSteps(HttpResponseParser& parser, std::string_view bytes, size_t step, bool close) {
  HttpParse outcome = HttpParse::kNeedMore;
  for (size_t at = 0; at < bytes.size(); at += step) {
    outcome = parser.Feed(bytes.substr(at, step));
  }
  if (close) outcome = parser.EndOfStream();
  return outcome;
}

constexpr std::string_view kPolicy = "version: STSv1\r\nmode: enforce\r\n";

TEST(HttpResponseParserTest, ContentLengthBodyWholeAndByteByByte) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
      std::to_string(kPolicy.size()) + "\r\n\r\n" + std::string(kPolicy) + "ignored";
  for (size_t step : {response.size(), size_t{1}, size_t{7}}) {
    SCOPED_TRACE(step);
    HttpResponseParser parser;
    EXPECT_EQ(FeedInSteps(parser, response, step, false), HttpParse::kComplete);
    EXPECT_EQ(parser.status_code(), 200);
    EXPECT_EQ(parser.content_type(), "text/plain; charset=utf-8");
    EXPECT_EQ(parser.content_length(), kPolicy.size());
    EXPECT_EQ(parser.body(), kPolicy);
    EXPECT_EQ(parser.EndOfStream(), HttpParse::kComplete);  // stays
  }
}

TEST(HttpResponseParserTest, ChunkedWithExtensionsAndTrailers) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Type: text/plain\r\n\r\n"
      "a;name=value\r\nversion: S\r\n"
      "6 ; x\r\nTSv1\r\n\r\n"
      "0\r\nX-Trailer: 1\r\n\r\n";
  for (size_t step : {response.size(), size_t{1}, size_t{5}}) {
    SCOPED_TRACE(step);
    HttpResponseParser parser;
    EXPECT_EQ(FeedInSteps(parser, response, step, false), HttpParse::kComplete);
    EXPECT_TRUE(parser.chunked());
    EXPECT_EQ(parser.body(), "version: STSv1\r\n");
  }
}

TEST(HttpResponseParserTest, BodyUntilCloseAndBareLfLines) {
  HttpResponseParser parser;
  EXPECT_EQ(parser.Feed("HTTP/1.0 200\nContent-Type: TEXT/PLAIN\n\nmode: none\n"),
            HttpParse::kNeedMore);
  EXPECT_TRUE(parser.headers_complete());
  EXPECT_EQ(parser.Feed("max_age: 1\n"), HttpParse::kNeedMore);
  EXPECT_EQ(parser.EndOfStream(), HttpParse::kComplete);
  EXPECT_EQ(parser.body(), "mode: none\nmax_age: 1\n");
  EXPECT_TRUE(HttpMediaTypeIs(parser.content_type(), "text/plain"));
}

TEST(HttpResponseParserTest, RedirectIsAStatusNotFollowed) {
  HttpResponseParser parser;
  EXPECT_EQ(parser.Feed("HTTP/1.1 301 Moved Permanently\r\nLocation: https://elsewhere/\r\n"
                        "Content-Length: 0\r\n\r\n"),
            HttpParse::kComplete);
  EXPECT_EQ(parser.status_code(), 301);
  EXPECT_TRUE(parser.body().empty());
}

TEST(HttpResponseParserTest, InterimResponsesAreSkippedAndNoBodyStatuses) {
  HttpResponseParser parser;
  EXPECT_EQ(parser.Feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
            HttpParse::kComplete);
  EXPECT_EQ(parser.status_code(), 204);
  HttpResponseParser many;
  std::string interims;
  for (int i = 0; i <= kMaxInterimResponses; ++i) interims += "HTTP/1.1 103 Early Hints\r\n\r\n";
  EXPECT_EQ(many.Feed(interims), HttpParse::kMalformed);
  HttpResponseParser switching;
  EXPECT_EQ(switching.Feed("HTTP/1.1 101 Switching\r\n\r\n"), HttpParse::kMalformed);
}

TEST(HttpResponseParserTest, TooLarge) {
  HttpResponseLimits limits;
  limits.max_body_bytes = 16;
  {  // Known from Content-Length before any body byte.
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n"), HttpParse::kTooLarge);
    EXPECT_EQ(parser.status_code(), 200);
  }
  {  // Exactly the cap is fine.
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n0123456789abcdef"),
              HttpParse::kComplete);
  }
  {  // Chunk sizes add up past the cap.
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "8\r\n01234567\r\n9\r\n"),
              HttpParse::kTooLarge);
  }
  {  // A huge chunk size does not overflow.
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "fffffffffffffff\r\n"),
              HttpParse::kTooLarge);
  }
  {  // Until close.
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\n\r\n0123456789"), HttpParse::kNeedMore);
    EXPECT_EQ(parser.Feed("0123456789"), HttpParse::kTooLarge);
    EXPECT_EQ(parser.Feed("more"), HttpParse::kTooLarge);  // sticky
    EXPECT_EQ(parser.EndOfStream(), HttpParse::kTooLarge);
    EXPECT_TRUE(parser.body().empty());  // a failed body is not kept
  }
}

TEST(HttpResponseParserTest, HeaderCaps) {
  HttpResponseLimits limits;
  limits.max_line_bytes = 64;
  limits.max_header_count = 3;
  limits.max_header_bytes = 200;
  {
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a')), HttpParse::kMalformed);
    EXPECT_EQ(parser.error(), "line too long");
  }
  {
    HttpResponseParser parser(limits);
    EXPECT_EQ(parser.Feed("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n"),
              HttpParse::kMalformed);
    EXPECT_EQ(parser.error(), "too many header fields");
  }
  {
    HttpResponseParser parser(limits);
    std::string interims;
    for (int i = 0; i < 4; ++i) interims += "HTTP/1.1 100 " + std::string(50, 'x') + "\r\n\r\n";
    EXPECT_EQ(parser.Feed(interims), HttpParse::kMalformed);
    EXPECT_EQ(parser.error(), "header section too large");
  }
  {  // A line that never ends is refused at the cap, not buffered.
    HttpResponseParser parser(limits);
    HttpParse outcome = HttpParse::kNeedMore;
    for (int i = 0; i < 1000 && outcome == HttpParse::kNeedMore; ++i) outcome = parser.Feed("H");
    EXPECT_EQ(outcome, HttpParse::kMalformed);
  }
}

TEST(HttpResponseParserTest, Malformed) {
  const char* cases[] = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 099 Low\r\n\r\n",
      "HTTP/1.1 200OK\r\n\r\n",
      "\r\nHTTP/1.1 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\n: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n",
  };
  for (const char* response : cases) {
    SCOPED_TRACE(response);
    HttpResponseParser parser;
    EXPECT_EQ(parser.Feed(response), HttpParse::kMalformed);
    EXPECT_FALSE(parser.error().empty());
  }
  // The same Content-Length twice is fine.
  HttpResponseParser twice;
  EXPECT_EQ(twice.Feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nx"),
            HttpParse::kComplete);
}

TEST(HttpResponseParserTest, EndOfStreamBeforeTheEnd) {
  const char* cases[] = {
      "",
      "HTTP/1.1 200 OK\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
  };
  for (const char* response : cases) {
    SCOPED_TRACE(response);
    HttpResponseParser parser;
    parser.Feed(response);
    EXPECT_EQ(parser.EndOfStream(), HttpParse::kMalformed);
  }
}

TEST(HttpResponseParserTest, MediaType) {
  EXPECT_TRUE(HttpMediaTypeIs("text/plain", "text/plain"));
  EXPECT_TRUE(HttpMediaTypeIs(" Text/Plain ;charset=UTF-8", "text/plain"));
  EXPECT_FALSE(HttpMediaTypeIs("text/html", "text/plain"));
  EXPECT_FALSE(HttpMediaTypeIs("text/plainx", "text/plain"));
  EXPECT_FALSE(HttpMediaTypeIs("", "text/plain"));
}

}  // namespace
}  // namespace starttls
