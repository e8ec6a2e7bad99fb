// Unit tests of the lab's DNS and policy pieces without sockets: dns-lab's query parser on
// good, malformed and truncated input; the hostile answers' exact shape (and that the
// scanner's own DNS parser rejects exactly the ones whose truth says BADRESP); policy-lab's
// request parser and answers per site mode; the sites file round trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "bench/lab/dns_wire.h"
#include "bench/lab/hostile_zone.h"
#include "bench/lab/policy_http.h"
#include "bench/lab/policy_sites.h"
#include "resolver/dns_answer.h"

namespace starttls::lab {
namespace {

std::string Query(std::string_view name, uint16_t type, uint16_t id = 0x1234, bool edns = true) {
  DnsWriter w;
  w.Header(id, true, false, 0);
  std::string bytes = w.Take();
  bytes[2] = 0x01;  // a query: QR clear, RD set
  bytes[3] = 0;
  DnsWriter q;
  q.Raw(bytes);
  q.Name(name);
  q.U16(type);
  q.U16(1);
  if (edns) q.Opt(1232);
  q.SetCounts(1, 0, 0, edns ? 1 : 0);
  return q.Take();
}

TEST(DnsQuery, ParsesAQueryWithEdns) {
  DnsQuery q;
  ASSERT_EQ(ParseDnsQuery(Query("OK.Hostile.Test", kTypeMx), q), QueryParse::kOk);
  EXPECT_EQ(q.id, 0x1234);
  EXPECT_TRUE(q.rd);
  EXPECT_EQ(q.qname, "ok.hostile.test");
  EXPECT_EQ(q.qtype, kTypeMx);
  EXPECT_EQ(q.edns_payload, 1232);
  EXPECT_EQ(q.question.size(), 17u + 4u);
}

TEST(DnsQuery, RejectsWhatIsNotOneQuestion) {
  DnsQuery q;
  std::string two = Query("a.test", kTypeA, 1, false);
  two[5] = 2;  // QDCOUNT 2
  EXPECT_EQ(ParseDnsQuery(two, q), QueryParse::kMalformed);
  std::string response = Query("a.test", kTypeA);
  response[2] = static_cast<char>(response[2] | 0x80);
  EXPECT_EQ(ParseDnsQuery(response, q), QueryParse::kNotAQuery);
  std::string compressed = Query("a.test", kTypeA, 1, false);
  compressed[12] = static_cast<char>(0xC0);  // a pointer where the name starts
  compressed[13] = 12;
  EXPECT_EQ(ParseDnsQuery(compressed, q), QueryParse::kMalformed);
  EXPECT_EQ(ParseDnsQuery(Query("a.test", kTypeA) + "x", q), QueryParse::kMalformed);
}

TEST(DnsQuery, SurvivesEveryPrefixAndRandomBytes) {
  std::string good = Query("wrong-id-then-right.hostile.test", kTypeMx);
  DnsQuery q;
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_NE(ParseDnsQuery(std::string_view(good).substr(0, n), q), QueryParse::kOk) << n;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 80, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    ParseDnsQuery(junk, q);  // must not crash, read out of bounds or loop
  }
}

class HostileZoneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<LabHost> hosts = {{"127.9.0.1", 25, "mx-127-9-0-1.lab.test", "compliant"},
                                  {"127.9.0.2", 25, "mx-127-9-0-2.lab.test", "misordered"},
                                  {"127.9.0.3", 25, "mx-127-9-0-3.lab.test", "no_starttls"}};
    std::string error;
    ASSERT_TRUE(zone_.Init(hosts, 200, error)) << error;
  }
  std::vector<DnsSend> Ask(std::string_view name, uint16_t type, bool tcp, uint16_t id = 0x1234) {
    DnsQuery q;
    EXPECT_EQ(ParseDnsQuery(Query(name, type, id), q), QueryParse::kOk);
    std::vector<DnsSend> out;
    zone_.Answer(q, tcp, out);
    return out;
  }
  HostileZone zone_;
};

TEST_F(HostileZoneTest, NeedsTheControlBehaviours) {
  HostileZone z;
  std::string error;
  EXPECT_FALSE(z.Init({{"127.9.0.1", 25, "mx-127-9-0-1.lab.test", "compliant"}}, 200, error));
  EXPECT_NE(error.find("misordered"), std::string::npos);
}

// Every truth row that says BADRESP must fail the scanner's parser; every NOERROR MX row
// must parse (over TCP where UDP is truncated). Returns the number of rows.
size_t CheckBadrespRows(const HostileZone& zone) {
  std::string truth = zone.TruthNdjson();
  size_t rows = 0;
  for (size_t at = 0; at < truth.size();) {
    size_t end = truth.find('\n', at);
    std::string line = truth.substr(at, end - at);
    at = end + 1;
    ++rows;
    auto field = [&](std::string key) {
      size_t p = line.find("\"" + key + "\":\"");
      return line.substr(p + key.size() + 4,
                         line.find('"', p + key.size() + 4) - p - key.size() - 4);
    };
    std::string domain = field("domain"), dns = field("dns");
    DnsQuery q;
    EXPECT_EQ(ParseDnsQuery(Query(domain, kTypeMx, 0x1234), q), QueryParse::kOk);
    std::vector<DnsSend> sends;
    zone.Answer(q, /*tcp=*/true, sends);
    if (dns == "TIMEOUT") continue;
    EXPECT_FALSE(sends.empty()) << domain;
    if (sends.empty()) continue;
    const std::string& bytes = sends.back().bytes;  // the right answer comes last
    DnsAnswer answer;
    std::string error;
    bool parsed = ParseDnsAnswer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                 domain, kDnsTypeMx, 4096, &answer, &error);
    EXPECT_EQ(parsed, dns != "BADRESP") << domain << ": " << error;
    // A chain followed to its end stays among the asked copy's names.
    std::string origin = domain.substr(domain.find('.'));
    if (parsed) {
      size_t tail = std::min(answer.final_name.size(), origin.size());
      EXPECT_EQ(answer.final_name.substr(answer.final_name.size() - tail), origin)
          << domain << " ended at " << answer.final_name;
    }
  }
  return rows;
}

TEST_F(HostileZoneTest, ScannerParserRejectsExactlyTheBadrespRows) {
  EXPECT_EQ(CheckBadrespRows(zone_), 23u);
}

TEST_F(HostileZoneTest, CopiesAnswerAsTheFirst) {
  // --copies 3: names under hostile.test, k1.hostile.test and k2.hostile.test, each copy's
  // rows as the first's; a name of a copy not served is NXDOMAIN.
  HostileZone z;
  std::string error;
  ASSERT_TRUE(z.Init({{"127.9.0.1", 25, "mx-127-9-0-1.lab.test", "compliant"},
                      {"127.9.0.2", 25, "mx-127-9-0-2.lab.test", "misordered"},
                      {"127.9.0.3", 25, "mx-127-9-0-3.lab.test", "no_starttls"}},
                     200, error, 3))
      << error;
  EXPECT_EQ(CheckBadrespRows(z), 69u);
  std::string list = z.DomainList();
  EXPECT_NE(list.find("cname-chain.k2.hostile.test\n"), std::string::npos);
  EXPECT_EQ(list.find(".k3."), std::string::npos);
  DnsQuery q;
  ASSERT_EQ(ParseDnsQuery(Query("ok.k3.hostile.test", kTypeMx, 1), q), QueryParse::kOk);
  std::vector<DnsSend> out;
  z.Answer(q, false, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(static_cast<uint8_t>(out[0].bytes[3]) & 0x0f, kRcodeNxDomain);
}

TEST_F(HostileZoneTest, BigMxSetOnlyOverTcp) {
  auto udp = Ask("mx1000.hostile.test", kTypeMx, false);
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_TRUE(udp[0].bytes[2] & 0x02);  // TC
  EXPECT_EQ(udp[0].bytes[7], 0);        // no answers
  auto tcp = Ask("mx1000.hostile.test", kTypeMx, true);
  ASSERT_EQ(tcp.size(), 1u);
  EXPECT_LT(tcp[0].bytes.size(), 65535u);
  DnsAnswer answer;
  std::string error;
  ASSERT_TRUE(ParseDnsAnswer(reinterpret_cast<const uint8_t*>(tcp[0].bytes.data()),
                             tcp[0].bytes.size(), "mx1000.hostile.test", kDnsTypeMx, 2000, &answer,
                             &error));
  ASSERT_EQ(answer.mx.size(), 1000u);
  EXPECT_EQ(answer.mx.back().preference, 1);
  EXPECT_EQ(answer.mx.back().exchange, "mx-0999.mx1000.hostile.test");
}

TEST_F(HostileZoneTest, WrongIdThenRightAndSilence) {
  auto sends = Ask("wrong-id-then-right.hostile.test", kTypeMx, false, 0x4000);
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].bytes.substr(0, 2), std::string("\x40\x01", 2));
  EXPECT_EQ(sends[0].delay_ms, 0u);
  EXPECT_EQ(sends[1].bytes.substr(0, 2), std::string("\x40\x00", 2));
  EXPECT_EQ(sends[1].delay_ms, 200u);
  EXPECT_TRUE(Ask("silent.hostile.test", kTypeMx, false).empty());
  auto refused = Ask("example.com", kTypeA, false);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].bytes[3] & 0x0F, kRcodeRefused);
}

TEST(PolicyHttp, RequestHead) {
  RequestHead h;
  EXPECT_EQ(ParseRequestHead("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: x\r\n", h),
            HeadParse::kIncomplete);
  ASSERT_EQ(ParseRequestHead("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: x\r\n\r\n", h),
            HeadParse::kComplete);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, kPolicyPath);
  EXPECT_EQ(ParseRequestHead("garbage\r\n\r\n", h), HeadParse::kMalformed);
  EXPECT_EQ(ParseRequestHead(std::string(kMaxRequestHead + 1, 'a'), h), HeadParse::kMalformed);
}

TEST(PolicyHttp, AnswersPerMode) {
  PolicySite site{"d.lab.test", SiteMode::kOk,
                  "version: STSv1\nmode: enforce\nmx: a.lab.test\nmax_age: 86400\n", ""};
  RequestHead get{"GET", std::string(kPolicyPath)};
  PolicyResponse r = BuildPolicyResponse(site, get);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.head_and_body.substr(0, 17), "HTTP/1.1 200 OK\r\n");
  EXPECT_NE(r.head_and_body.find("\r\nContent-Type: text/plain\r\n"), std::string::npos);
  EXPECT_EQ(r.head_and_body.substr(r.head_and_body.size() - site.body.size()), site.body);

  site.mode = SiteMode::kChunked;
  r = BuildPolicyResponse(site, get);
  std::string rest = r.head_and_body.substr(r.head_and_body.find("\r\n\r\n") + 4), decoded;
  while (true) {  // decode the chunks
    size_t eol = rest.find("\r\n");
    size_t n = std::stoul(rest.substr(0, eol), nullptr, 16);
    if (n == 0) break;
    decoded += rest.substr(eol + 2, n);
    rest = rest.substr(eol + 2 + n + 2);
  }
  EXPECT_EQ(decoded, site.body);

  site.mode = SiteMode::kTooLarge;
  r = BuildPolicyResponse(site, get);
  EXPECT_GT(r.head_and_body.size() - r.head_and_body.find("\r\n\r\n") - 4, 65536u);

  site.mode = SiteMode::kSlow;
  r = BuildPolicyResponse(site, get);
  EXPECT_EQ(r.drip, site.body);
  EXPECT_EQ(r.head_and_body.substr(r.head_and_body.size() - 4), "\r\n\r\n");

  site.mode = SiteMode::kRedirect;
  site.location = "https://mta-sts.x.lab.test/.well-known/mta-sts.txt";
  r = BuildPolicyResponse(site, get);
  EXPECT_EQ(r.status, 301);
  EXPECT_NE(r.head_and_body.find("\r\nLocation: " + site.location + "\r\n"), std::string::npos);

  site.mode = SiteMode::kOk;
  EXPECT_EQ(BuildPolicyResponse(site, RequestHead{"GET", "/other"}).status, 404);
  EXPECT_EQ(BuildPolicyResponse(site, RequestHead{"POST", std::string(kPolicyPath)}).status, 405);
}

TEST(PolicySites, RoundTrip) {
  std::vector<PolicySite> sites = {{"a.lab.test", SiteMode::kOk, "line\r\nwith\ttab\\ and\n", ""},
                                   {"b.lab.test", SiteMode::kRedirect, "x", "https://c/"}};
  std::string path = ::testing::TempDir() + "/sites.tsv";
  {
    std::ofstream f(path);
    f << FormatSites(sites);
  }
  std::vector<PolicySite> back;
  std::string error;
  ASSERT_TRUE(ReadSites(path, back, error)) << error;
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].body, sites[0].body);
  EXPECT_EQ(back[1].mode, SiteMode::kRedirect);
  EXPECT_EQ(back[1].location, "https://c/");
  {
    std::ofstream f(path);
    f << "a.lab.test\tbogus_mode\tx\t\n";
  }
  EXPECT_FALSE(ReadSites(path, back, error));
}

}  // namespace
}  // namespace starttls::lab
