// The MTA-STS policy request and the mapping of a whole fetch to docs/rules.md §8's names.
#include "scanner/policy/mta_sts_fetch.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "scanner/policy/mta_sts_policy.h"

namespace starttls {
namespace {

TEST(MtaStsFetchTest, Request) {
  const std::optional<std::string> request = BuildMtaStsPolicyRequest("Example.org.");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(*request, std::string("GET /.well-known/mta-sts.txt HTTP/1.1\r\n"
                                  "Host: mta-sts.Example.org\r\n"
                                  "Connection: close\r\n"
                                  "User-Agent: ") +
                          std::string(kMtaStsUserAgent) + "\r\nAccept: text/plain\r\n\r\n");
  for (const char* bad : {"", ".", "a..b", "a b", "a\r\nX: y", "a/b", "a:80"}) {
    EXPECT_FALSE(BuildMtaStsPolicyRequest(bad).has_value()) << bad;
  }
  EXPECT_FALSE(BuildMtaStsPolicyRequest(std::string(64, 'a') + ".example").has_value());
  std::string long_name;  // 247 octets: fine alone, over 253 with "mta-sts."
  for (int i = 0; i < 4; ++i) long_name += std::string(60, 'a') + ".";
  long_name += "com";
  EXPECT_FALSE(BuildMtaStsPolicyRequest(long_name).has_value());
  EXPECT_TRUE(BuildMtaStsPolicyRequest(long_name.substr(8)).has_value());
}

MtaStsFetchFacts Fetched(int status, std::string_view content_type, HttpParse http, bool usable) {
  MtaStsFetchFacts facts;
  facts.address_found = facts.connected = facts.tls_ok = true;
  facts.status_code = status;
  facts.has_content_type = !content_type.empty();
  facts.content_type = content_type;
  facts.http = http;
  facts.policy_usable = usable;
  return facts;
}

TEST(MtaStsFetchTest, EveryOutcome) {
  MtaStsFetchFacts facts;
  EXPECT_EQ(ClassifyMtaStsFetch(facts), MtaStsFetch::kDnsError);
  facts.address_found = true;
  facts.timed_out = true;
  EXPECT_EQ(ClassifyMtaStsFetch(facts), MtaStsFetch::kTimeout);
  facts.timed_out = false;
  EXPECT_EQ(ClassifyMtaStsFetch(facts), MtaStsFetch::kConnectError);
  facts.connected = true;
  EXPECT_EQ(ClassifyMtaStsFetch(facts), MtaStsFetch::kTlsError);

  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(200, "text/plain", HttpParse::kComplete, true)),
            MtaStsFetch::kOk);
  EXPECT_EQ(
      ClassifyMtaStsFetch(Fetched(200, "text/plain; charset=utf-8", HttpParse::kComplete, true)),
      MtaStsFetch::kOk);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(301, "text/plain", HttpParse::kComplete, false)),
            MtaStsFetch::kHttpStatus);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(404, "text/html", HttpParse::kTooLarge, false)),
            MtaStsFetch::kHttpStatus);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(0, "", HttpParse::kMalformed, false)),
            MtaStsFetch::kHttpStatus);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(200, "text/plain", HttpParse::kMalformed, false)),
            MtaStsFetch::kHttpStatus);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(200, "text/plain", HttpParse::kTooLarge, false)),
            MtaStsFetch::kTooLarge);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(200, "text/html", HttpParse::kComplete, true)),
            MtaStsFetch::kBadContentType);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(200, "", HttpParse::kComplete, true)),
            MtaStsFetch::kBadContentType);
  EXPECT_EQ(ClassifyMtaStsFetch(Fetched(200, "text/plain", HttpParse::kComplete, false)),
            MtaStsFetch::kBadPolicy);
}

TEST(MtaStsFetchTest, FromAParsedResponse) {
  HttpResponseParser parser;
  parser.Feed(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
      "version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 86400\n");
  parser.EndOfStream();
  MtaStsFetchFacts facts;
  facts.address_found = facts.connected = facts.tls_ok = true;
  TakeHttpFacts(parser, &facts);
  facts.policy_usable = ParseMtaStsPolicy(parser.body()).usable;
  EXPECT_EQ(ClassifyMtaStsFetch(facts), MtaStsFetch::kOk);

  HttpResponseParser cut;  // the status line was never complete
  cut.Feed("HTTP/1.1 200");
  cut.EndOfStream();
  TakeHttpFacts(cut, &facts);
  EXPECT_EQ(ClassifyMtaStsFetch(facts), MtaStsFetch::kHttpStatus);
}

TEST(MtaStsFetchTest, Names) {
  const std::pair<MtaStsFetch, const char*> names[] = {
      {MtaStsFetch::kOk, "ok"},
      {MtaStsFetch::kDnsError, "dns-error"},
      {MtaStsFetch::kConnectError, "connect-error"},
      {MtaStsFetch::kTlsError, "tls-error"},
      {MtaStsFetch::kHttpStatus, "http-status"},
      {MtaStsFetch::kBadContentType, "bad-content-type"},
      {MtaStsFetch::kTooLarge, "too-large"},
      {MtaStsFetch::kTimeout, "timeout"},
      {MtaStsFetch::kBadPolicy, "bad-policy"},
  };
  for (const auto& [fetch, name] : names) EXPECT_EQ(MtaStsFetchName(fetch), name);
}

}  // namespace
}  // namespace starttls
