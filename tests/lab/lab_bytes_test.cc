// Starts one smtp-lab with every behaviour on its own address of a random 127.x.y.0/24 and
// checks, with a plain client, that each sends exactly the bytes bench/README.md specifies.
// The expected bytes are written out here literally, independent of the lab's table.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "tests/lab/lab_process.h"
#include "tests/lab/plain_client.h"

namespace starttls::lab::test {
namespace {

const std::vector<std::string> kHosts = {"",
                                         "compliant",
                                         "misordered",
                                         "no_starttls",
                                         "starttls_only",
                                         "starttls_last",
                                         "starttls_lowercase",
                                         "bare_lf",
                                         "asa_masked",
                                         "greeting_keyword",
                                         "ehlo_rejected",
                                         "helo_rejected",
                                         "banner_421",
                                         "banner_554",
                                         "multiline_banner",
                                         "slow_greeting",
                                         "drip",
                                         "no_banner",
                                         "connection_refused",
                                         "reset_after_banner",
                                         "reset_on_accept",
                                         "http",
                                         "endless_ehlo",
                                         "starttls_454",
                                         "tls_garbage",
                                         "starttls_readvertised",
                                         "starttls_both",
                                         "greeting_mentions_starttls",
                                         "duplicate_keyword",
                                         "non_ascii",
                                         "trailing_data",
                                         "line_too_long",
                                         "mixed_codes",
                                         "no_esmtp_banner"};

LabProcess* g_lab = nullptr;

int Host(const std::string& behaviour) {
  for (size_t i = 1; i < kHosts.size(); ++i)
    if (kHosts[i] == behaviour) return static_cast<int>(i);
  return -1;
}

class LabEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    lab_ = std::make_unique<LabProcess>();
    std::ofstream assign(lab_->Path("assign.txt"));
    for (size_t i = 1; i < kHosts.size(); ++i)
      assign << lab_->Ip(static_cast<int>(i)) << " " << kHosts[i] << "\n";
    assign.close();
    ASSERT_TRUE(lab_->Start({"--assign", lab_->Path("assign.txt"), "--greeting-delay-ms", "400",
                             "--drip-gap-ms", "1", "--domains", "20"}));
    g_lab = lab_.get();
  }
  void TearDown() override {
    g_lab = nullptr;
    lab_.reset();  // stops it by PID
  }
  std::unique_ptr<LabProcess> lab_;
};

// A client connected to the host of `behaviour`.
std::unique_ptr<PlainClient> Open(const std::string& behaviour) {
  auto c = std::make_unique<PlainClient>();
  EXPECT_EQ(c->Connect(g_lab->Ip(Host(behaviour)), g_lab->port()), 0) << behaviour;
  return c;
}

std::string Sub(std::string text, const std::string& mx) {
  for (size_t p; (p = text.find("{mx}")) != std::string::npos;) text.replace(p, 4, mx);
  return text;
}

const std::string kBanner = "220 {mx} ESMTP smtp-lab\r\n";
const std::string kEhloStarttls =
    "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";
const std::string kEhloPlain =
    "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";

// Checks banner and EHLO reply exactly, then QUIT -> 221 and the server's close.
void CheckBannerEhlo(const std::string& behaviour, const std::string& banner,
                     const std::string& ehlo) {
  SCOPED_TRACE(behaviour);
  std::string mx = g_lab->Mx(Host(behaviour));
  auto c = Open(behaviour);
  std::string want_banner = Sub(banner, mx);
  EXPECT_EQ(c->Read(want_banner.size()), want_banner);
  c->Send("EHLO client.test\r\n");
  std::string want_ehlo = Sub(ehlo, mx);
  EXPECT_EQ(c->Read(want_ehlo.size()), want_ehlo);
  c->Send("QUIT\r\n");
  std::string bye = behaviour == "bare_lf" ? "221 2.0.0 Bye\n" : "221 2.0.0 Bye\r\n";
  EXPECT_EQ(c->Read(bye.size(), 3000, 1000), bye);
  EXPECT_TRUE(c->eof());
}

TEST(LabBytes, CompliantAndEhloVariants) {
  CheckBannerEhlo("compliant", kBanner, kEhloStarttls);
  CheckBannerEhlo("misordered", kBanner,
                  "250-STARTTLS\r\n250-{mx}\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-HELP\r\n"
                  "250-DELIVERBY 300\r\n250 SIZE 30000000\r\n");
  CheckBannerEhlo("no_starttls", kBanner, kEhloPlain);
  CheckBannerEhlo("starttls_only", kBanner, "250 STARTTLS\r\n");
  CheckBannerEhlo("starttls_last", kBanner,
                  "250-{mx} greets you\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
  CheckBannerEhlo("starttls_lowercase", kBanner,
                  "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-starttls\r\n"
                  "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
  CheckBannerEhlo("greeting_keyword", kBanner,
                  "250-8BITMIME\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 PIPELINING\r\n");
  CheckBannerEhlo("starttls_both", kBanner,
                  "250-STARTTLS\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
  CheckBannerEhlo("greeting_mentions_starttls", kBanner,
                  "250-{mx} supports STARTTLS soon\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
  CheckBannerEhlo("duplicate_keyword", kBanner,
                  "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
                  "250-SIZE 20480000\r\n250 8BITMIME\r\n");
  CheckBannerEhlo("mixed_codes", kBanner,
                  "250-{mx} greets you\r\n250-PIPELINING\r\n251-STARTTLS\r\n250 8BITMIME\r\n");
  CheckBannerEhlo("line_too_long", kBanner,
                  "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
                  "250-X-LONG " +
                      std::string(613, 'A') + "\r\n250 8BITMIME\r\n");
}

TEST(LabBytes, BannerVariants) {
  CheckBannerEhlo("bare_lf", "220 {mx} ESMTP smtp-lab\n",
                  "250-{mx} greets you\n250-PIPELINING\n250-SIZE 10240000\n250-STARTTLS\n"
                  "250-ENHANCEDSTATUSCODES\n250 8BITMIME\n");
  CheckBannerEhlo("multiline_banner",
                  "220-{mx} ESMTP smtp-lab\r\n220-Unauthorised use prohibited\r\n220 Ready\r\n",
                  kEhloStarttls);
  CheckBannerEhlo("non_ascii", "220 {mx} ESMTP Gr\xc3\xbc\xc3\x9f dich\r\n", kEhloStarttls);
  CheckBannerEhlo("trailing_data", "220 {mx} ESMTP smtp-lab\r\n250 unsolicited\r\n", kEhloStarttls);
  CheckBannerEhlo("no_esmtp_banner", "220 {mx} smtp-lab ready\r\n", kEhloStarttls);
}

TEST(LabBytes, AsaMaskedAnswersStarttls500) {
  CheckBannerEhlo("asa_masked",
                  "220 ********************************0*0*****2002*******2002*0***0*****\r\n",
                  "250-{mx} greets you\r\n250-XXXXXXXA\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
  auto c = Open("asa_masked");
  c->Read(70);
  c->Send("STARTTLS\r\n");
  std::string want = "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n";
  EXPECT_EQ(c->Read(want.size()), want);
}

TEST(LabBytes, EhloRejectedThenHelo) {
  for (std::string b : {"ehlo_rejected", "helo_rejected"}) {
    auto c = Open(b);
    std::string mx = g_lab->Mx(Host(b));
    EXPECT_EQ(c->Read(Sub(kBanner, mx).size()), Sub(kBanner, mx));
    c->Send("EHLO client.test\r\n");
    EXPECT_EQ(c->Read(32), "500 5.5.1 Command unrecognized\r\n");
    c->Send("HELO client.test\r\n");
    std::string helo = b == "ehlo_rejected" ? Sub("250 {mx}\r\n", mx) : "550 5.7.1 Go away\r\n";
    EXPECT_EQ(c->Read(helo.size()), helo);
  }
}

TEST(LabBytes, BannerRefusals) {
  {
    auto c = Open("banner_421");
    std::string want = Sub("421 4.7.0 {mx} ESMTP Too many connections, try again later\r\n",
                           g_lab->Mx(Host("banner_421")));
    EXPECT_EQ(c->Read(want.size(), 3000, 1000), want);
    EXPECT_TRUE(c->eof());
  }
  {
    auto c = Open("banner_554");
    std::string want =
        Sub("554 5.7.1 {mx} ESMTP No SMTP service here\r\n", g_lab->Mx(Host("banner_554")));
    EXPECT_EQ(c->Read(want.size()), want);
    c->Send("EHLO client.test\r\n");
    EXPECT_EQ(c->Read(36), "503 5.5.1 Bad sequence of commands\r\n");
    c->Send("QUIT\r\n");
    EXPECT_EQ(c->Read(15, 3000, 1000), "221 2.0.0 Bye\r\n");
    EXPECT_TRUE(c->eof());
  }
  {
    auto c = Open("http");
    std::string want =
        "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(c->Read(want.size(), 3000, 1000), want);
    EXPECT_TRUE(c->eof());
  }
}

TEST(LabBytes, TimingBehaviours) {
  std::string mx = g_lab->Mx(Host("slow_greeting"));
  auto slow = Open("slow_greeting");
  EXPECT_EQ(slow->Read(1, 250, 0), "");  // held back 400 ms
  EXPECT_EQ(slow->Read(Sub(kBanner, mx).size(), 3000), Sub(kBanner, mx));

  auto drip = Open("drip");
  std::string want = Sub(kBanner, g_lab->Mx(Host("drip")));
  EXPECT_EQ(drip->Read(want.size(), 5000), want);
  EXPECT_GT(drip->reads(), static_cast<int>(want.size()) / 2);  // arrived in pieces

  auto silent = Open("no_banner");
  EXPECT_EQ(silent->Read(1, 1000, 0), "");
  EXPECT_FALSE(silent->eof());
  silent->Send("EHLO client.test\r\n");
  EXPECT_EQ(silent->Read(1, 500, 0), "");
}

TEST(LabBytes, ConnectionFailures) {
  PlainClient refused;
  EXPECT_EQ(refused.Connect(g_lab->Ip(Host("connection_refused")), g_lab->port()), ECONNREFUSED);

  auto reset = Open("reset_after_banner");
  std::string want = Sub(kBanner, g_lab->Mx(Host("reset_after_banner")));
  EXPECT_EQ(reset->Read(want.size()), want);
  reset->Send("EHLO client.test\r\n");
  reset->Read(1, 2000, 0);
  EXPECT_EQ(reset->error(), ECONNRESET);

  auto on_accept = Open("reset_on_accept");
  EXPECT_EQ(on_accept->Read(1, 2000, 0), "");
  EXPECT_EQ(on_accept->error(), ECONNRESET);
}

TEST(LabBytes, EndlessEhloKeepsGoing) {
  auto c = Open("endless_ehlo");
  std::string mx = g_lab->Mx(Host("endless_ehlo"));
  c->Read(Sub(kBanner, mx).size());
  c->Send("EHLO client.test\r\n");
  std::string got = c->Read(100000, 10000, 0);
  ASSERT_GE(got.size(), 100000u);
  std::string head = Sub("250-{mx} greets you\r\n250-X-LAB-FILLER-0000001\r\n", mx);
  EXPECT_EQ(got.substr(0, head.size()), head);
  EXPECT_EQ(got.find("\r\n250 "), std::string::npos);  // never a last line
  EXPECT_FALSE(c->eof());
}

TEST(LabBytes, StarttlsRefusedAndGarbage) {
  auto c = Open("starttls_454");
  c->Read(Sub(kBanner, g_lab->Mx(Host("starttls_454"))).size());
  c->Send("STARTTLS\r\n");
  std::string want = "454 4.7.0 TLS not available due to local problem\r\n";
  EXPECT_EQ(c->Read(want.size()), want);

  auto g = Open("tls_garbage");
  g->Read(Sub(kBanner, g_lab->Mx(Host("tls_garbage"))).size());
  g->Send("STARTTLS\r\n");
  std::string garbage =
      "220 2.0.0 Ready to start TLS\r\nThis is not TLS. \x01\x02\x03\xff\xfe garbage garbage\r\n";
  EXPECT_EQ(g->Read(garbage.size(), 3000, 1000), garbage);
  EXPECT_TRUE(g->eof());
}

TEST(LabBytes, OtherCommandsAndLineBound) {
  auto c = Open("compliant");
  c->Read(Sub(kBanner, g_lab->Mx(Host("compliant"))).size());
  const std::pair<std::string, std::string> exchanges[] = {
      {"NOOP\r\n", "250 2.0.0 OK\r\n"},
      {"RSET\r\n", "250 2.0.0 OK\r\n"},
      {"MAIL FROM:<a@b.test>\r\n", "503 5.5.1 Not accepted by smtp-lab\r\n"},
      {"RCPT TO:<a@b.test>\r\n", "503 5.5.1 Not accepted by smtp-lab\r\n"},
      {"DATA\r\n", "503 5.5.1 Not accepted by smtp-lab\r\n"},
      {"AUTH PLAIN\r\n", "502 5.5.1 Not accepted by smtp-lab\r\n"},
      {"VRFY root\r\n", "502 5.5.1 Not accepted by smtp-lab\r\n"},
      {"EXPN staff\r\n", "502 5.5.1 Not accepted by smtp-lab\r\n"},
      {"HELP\r\n", "502 5.5.2 Command not recognized\r\n"},
      {std::string(5000, 'Z') + "\r\n", "500 5.5.2 Line too long\r\n"},
  };
  for (const auto& [cmd, reply] : exchanges) {
    c->Send(cmd);
    EXPECT_EQ(c->Read(reply.size()), reply) << cmd.substr(0, 20);
  }
}

}  // namespace
}  // namespace starttls::lab::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto* env = new starttls::lab::test::LabEnvironment;
  ::testing::AddGlobalTestEnvironment(env);
  int rc = RUN_ALL_TESTS();
  return rc;
}
