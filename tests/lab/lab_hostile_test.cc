// The hostile behaviours, checked with a plain client (and, for TLS, a BoringSSL client of the
// test's own) against the bytes and timing bench/README.md gives for each, written out here
// literally; their truth rows against docs/rules.md §3-5 applied by hand; and the lab's own
// memory staying bounded while it serves the biggest of them.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <thread>

#include "tests/lab/lab_process.h"
#include "tests/lab/plain_client.h"

namespace starttls::lab::test {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kHosts = {"",
                                         "hostile_drip_forever",
                                         "hostile_endless_ehlo_steady",
                                         "hostile_huge_line",
                                         "hostile_ehlo_1001_lines",
                                         "ehlo_1000_lines",
                                         "hostile_nul_ff",
                                         "hostile_one_byte_segments",
                                         "hostile_rst_mid_ehlo",
                                         "hostile_fin_after_banner",
                                         "hostile_starttls_then_smtp",
                                         "hostile_starttls_then_silence",
                                         "hostile_starttls_then_http",
                                         "hostile_tls_stall_after_server_hello",
                                         "hostile_tls_chain_100",
                                         "hostile_tls_huge_cert",
                                         "hostile_tls_alert_instead_of_server_hello",
                                         "hostile_tls_alert_after_server_hello",
                                         "hostile_tls_alert_after_handshake",
                                         "hostile_late_banner",
                                         "hostile_never_reads",
                                         "hostile_quit_babble",
                                         "banner_421_once",
                                         "compliant"};

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
    ASSERT_TRUE(lab_->Start(
        {"--assign", lab_->Path("assign.txt"), "--late-banner-ms", "600", "--domains", "0"}));
    g_lab = lab_.get();
  }
  void TearDown() override {
    g_lab = nullptr;
    lab_.reset();  // stops it by PID
  }
  std::unique_ptr<LabProcess> lab_;
};

std::string Sub(std::string text, const std::string& mx) {
  for (size_t p; (p = text.find("{mx}")) != std::string::npos;) text.replace(p, 4, mx);
  return text;
}

struct Opened {
  std::unique_ptr<PlainClient> c;
  std::string mx;
};

// Connects to the host of `behaviour` and reads its (ordinary) banner.
Opened OpenPastBanner(const std::string& behaviour) {
  Opened o{std::make_unique<PlainClient>(), g_lab->Mx(Host(behaviour))};
  EXPECT_EQ(o.c->Connect(g_lab->Ip(Host(behaviour)), g_lab->port()), 0) << behaviour;
  std::string banner = Sub("220 {mx} ESMTP smtp-lab\r\n", o.mx);
  EXPECT_EQ(o.c->Read(banner.size(), 3000, 0), banner) << behaviour;
  return o;
}

long MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// The lab's peak resident memory so far (VmHWM), KiB.
long LabPeakKiB() {
  std::string status = ReadWholeFile("/proc/" + std::to_string(g_lab->pid()) + "/status");
  auto at = status.find("VmHWM:");
  return at == std::string::npos ? -1 : std::atol(status.c_str() + at + 6);
}

TEST(LabHostile, DripForeverSendsOneBytePerSecond) {
  PlainClient c;
  ASSERT_EQ(c.Connect(g_lab->Ip(Host("hostile_drip_forever")), g_lab->port()), 0);
  auto t0 = Clock::now();
  EXPECT_EQ(c.Read(1, 2000, 0), "2");
  EXPECT_LT(MsSince(t0), 500);
  EXPECT_EQ(c.Read(1, 2000, 0), "2");
  EXPECT_GE(MsSince(t0), 900);
  EXPECT_EQ(c.Read(1, 400, 0), "");  // not before the next second
  EXPECT_FALSE(c.eof());
}

TEST(LabHostile, SteadyEndlessEhloHasNoLastLine) {
  auto o = OpenPastBanner("hostile_endless_ehlo_steady");
  o.c->Send("EHLO client.test\r\n");
  std::string got = o.c->Read(1 << 20, 600, 0);  // 0.6 s at 100 lines/s
  std::string head =
      Sub("250-{mx} greets you\r\n250-X-LAB-STEADY-0000001\r\n250-X-LAB-STEADY-0000002\r\n", o.mx);
  EXPECT_EQ(got.substr(0, head.size()), head);
  size_t lines = static_cast<size_t>(std::count(got.begin(), got.end(), '\n'));
  EXPECT_GE(lines, 35u) << got.size();
  EXPECT_LE(lines, 75u);
  EXPECT_EQ(got.find("\r\n250 "), std::string::npos);
  EXPECT_FALSE(o.c->eof());
}

// The pace is 100 lines a second from the reply's start, even across a lab that fell behind:
// stopped for 500 ms, it sends the lines it owes, so about 100 have come after one second.
TEST(LabHostile, SteadyEndlessEhloKeepsItsRateAcrossAStall) {
  auto o = OpenPastBanner("hostile_endless_ehlo_steady");
  o.c->Send("EHLO client.test\r\n");
  auto t0 = Clock::now();
  std::string got = o.c->Read(1 << 20, 200, 0);
  ASSERT_EQ(kill(g_lab->pid(), SIGSTOP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(kill(g_lab->pid(), SIGCONT), 0);
  got += o.c->Read(1 << 20, static_cast<int>(std::max<long>(0, 1000 - MsSince(t0))), 0);
  size_t lines = static_cast<size_t>(std::count(got.begin(), got.end(), '\n'));
  EXPECT_GE(lines, 80u) << MsSince(t0) << " ms";  // without catching up: about 50
  EXPECT_LE(lines, 115u);
  EXPECT_EQ(got.find("\r\n250 "), std::string::npos);
}

TEST(LabHostile, HugeLineIsGeneratedWhileSent) {
  long before = LabPeakKiB();
  auto o = OpenPastBanner("hostile_huge_line");
  o.c->Send("EHLO client.test\r\n");
  std::string head = Sub("250-{mx} greets you\r\n250-STARTTLS\r\n250-X-HUGE ", o.mx);
  std::string tail = "\r\n250 8BITMIME\r\n";
  size_t total = head.size() + (10u << 20) + tail.size();
  std::string got = o.c->Read(total, 10000, 100);
  ASSERT_EQ(got.size(), total);
  EXPECT_EQ(got.substr(0, head.size()), head);
  EXPECT_EQ(got.substr(got.size() - tail.size()), tail);
  EXPECT_EQ(got.find_first_not_of('A', head.size()), got.size() - tail.size());
  EXPECT_LT(LabPeakKiB() - before, 4096) << "the 10 MiB line was held in memory";
  o.c->Send("NOOP\r\n");  // and the session goes on
  EXPECT_EQ(o.c->Read(14), "250 2.0.0 OK\r\n");
}

std::string ManyLineReply(const std::string& mx, unsigned lines) {
  std::string r = "250-" + mx + " greets you\r\n250-STARTTLS\r\n";
  char line[32];
  for (unsigned i = 3; i < lines; ++i) {
    std::snprintf(line, sizeof line, "250-X-LAB-LINE-%04u\r\n", i);
    r += line;
  }
  return r + "250 8BITMIME\r\n";
}

TEST(LabHostile, ThousandAndThousandAndOneLines) {
  for (auto [behaviour, lines] :
       {std::pair{"hostile_ehlo_1001_lines", 1001u}, {"ehlo_1000_lines", 1000u}}) {
    auto o = OpenPastBanner(behaviour);
    o.c->Send("EHLO client.test\r\n");
    std::string want = ManyLineReply(o.mx, lines);
    std::string got = o.c->Read(want.size());
    EXPECT_EQ(got, want) << behaviour;
    EXPECT_EQ(static_cast<unsigned>(std::count(got.begin(), got.end(), '\n')), lines);
  }
}

TEST(LabHostile, NulAndFfInEveryReply) {
  PlainClient c;
  ASSERT_EQ(c.Connect(g_lab->Ip(Host("hostile_nul_ff")), g_lab->port()), 0);
  std::string mx = g_lab->Mx(Host("hostile_nul_ff"));
  const std::string z("\x20\x00\xff", 3);
  std::string banner = "220 " + mx + " ESMTP smtp-lab" + z + "\r\n";
  EXPECT_EQ(c.Read(banner.size()), banner);
  c.Send("EHLO client.test\r\n");
  std::string ehlo = "250-" + mx + " greets you" + z + "\r\n250-PIPELINING" + z +
                     "\r\n250-SIZE 10240000" + z + "\r\n250-STARTTLS" + z +
                     "\r\n250-ENHANCEDSTATUSCODES" + z + "\r\n250 8BITMIME" + z + "\r\n";
  EXPECT_EQ(c.Read(ehlo.size()), ehlo);
  c.Send("STARTTLS\r\n");
  std::string ready = "220 2.0.0 Ready to start TLS" + z + "\r\n";
  EXPECT_EQ(c.Read(ready.size()), ready);
}

TEST(LabHostile, OneByteSegments) {
  PlainClient c;
  ASSERT_EQ(c.Connect(g_lab->Ip(Host("hostile_one_byte_segments")), g_lab->port()), 0);
  std::string banner =
      Sub("220 {mx} ESMTP smtp-lab\r\n", g_lab->Mx(Host("hostile_one_byte_segments")));
  EXPECT_EQ(c.Read(banner.size()), banner);
  // One TCP segment per byte (segments in since connect: the SYN-ACK, then the banner).
  EXPECT_GE(c.SegmentsIn(), banner.size() + 1);
}

TEST(LabHostile, RstInTheMiddleOfTheEhloReply) {
  auto o = OpenPastBanner("hostile_rst_mid_ehlo");
  o.c->Send("EHLO client.test\r\n");
  std::string part = Sub("250-{mx} greets you\r\n250-PIPELI", o.mx);
  EXPECT_EQ(o.c->Read(part.size() + 1, 2000, 0), part);
  EXPECT_EQ(o.c->error(), ECONNRESET);
}

TEST(LabHostile, FinRightAfterTheBanner) {
  auto o = OpenPastBanner("hostile_fin_after_banner");
  EXPECT_EQ(o.c->Read(1, 1000, 0), "");
  EXPECT_TRUE(o.c->eof());
  o.c->Send("EHLO client.test\r\n");  // the lab still reads: a late command is no RST
  PlainClient& c = *o.c;
  char b;
  EXPECT_EQ(recv(c.fd(), &b, 1, MSG_DONTWAIT), 0);
}

// The answer to the client's first bytes after the 220 (its ClientHello) comes only then,
// never with the 220, so it can never be taken for the 220 reply's trailing data.
TEST(LabHostile, StarttlsThenNoTls) {
  const std::string hello_start("\x16\x03\x01\x00\x04\x01\x00\x00\x00", 9);
  {
    auto o = OpenPastBanner("hostile_starttls_then_smtp");
    o.c->Send("STARTTLS\r\n");
    EXPECT_EQ(o.c->Read(30, 3000, 300), "220 2.0.0 Ready to start TLS\r\n");  // and nothing more
    o.c->Send(hello_start);
    std::string banner = Sub("220 {mx} ESMTP smtp-lab\r\n", o.mx);
    EXPECT_EQ(o.c->Read(banner.size()), banner);
    o.c->Send(hello_start);
    std::string refused = "500 5.5.1 Command unrecognized\r\n";
    EXPECT_EQ(o.c->Read(refused.size()), refused);
    EXPECT_FALSE(o.c->eof());
  }
  {
    auto o = OpenPastBanner("hostile_starttls_then_silence");
    o.c->Send("STARTTLS\r\n");
    EXPECT_EQ(o.c->Read(30, 3000, 300), "220 2.0.0 Ready to start TLS\r\n");
    o.c->Send(hello_start);
    EXPECT_EQ(o.c->Read(1, 500, 0), "");
    EXPECT_FALSE(o.c->eof());
  }
  {
    auto o = OpenPastBanner("hostile_starttls_then_http");
    o.c->Send("STARTTLS\r\n");
    EXPECT_EQ(o.c->Read(30, 3000, 300), "220 2.0.0 Ready to start TLS\r\n");
    o.c->Send(hello_start);
    std::string want =
        "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n"
        "Content-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(o.c->Read(want.size(), 3000, 500), want);
    EXPECT_TRUE(o.c->eof());
  }
}

TEST(LabHostile, LateBannerInsideTheDeadline) {
  PlainClient c;
  ASSERT_EQ(c.Connect(g_lab->Ip(Host("hostile_late_banner")), g_lab->port()), 0);
  auto t0 = Clock::now();
  std::string banner = Sub("220 {mx} ESMTP smtp-lab\r\n", g_lab->Mx(Host("hostile_late_banner")));
  EXPECT_EQ(c.Read(banner.size(), 3000, 0), banner);
  EXPECT_GE(MsSince(t0), 590);  // --late-banner-ms 600 here (29,000 by default)
  EXPECT_LT(MsSince(t0), 1500);
}

// Under a burst the lab accepts long after the kernel completed the handshake; its delays count
// from the handshake, as the client's do. Here the lab is stopped for 700 ms around the connect.
TEST(LabHostile, LateBannerCountsFromTheHandshakeNotTheAccept) {
  ASSERT_EQ(kill(g_lab->pid(), SIGSTOP), 0);
  PlainClient c;
  int connected = c.Connect(g_lab->Ip(Host("hostile_late_banner")), g_lab->port());
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ASSERT_EQ(kill(g_lab->pid(), SIGCONT), 0);
  ASSERT_EQ(connected, 0);
  std::string banner = Sub("220 {mx} ESMTP smtp-lab\r\n", g_lab->Mx(Host("hostile_late_banner")));
  EXPECT_EQ(c.Read(banner.size(), 3000, 0), banner);
  EXPECT_GE(MsSince(t0), 690);   // the lab answers nothing while stopped
  EXPECT_LT(MsSince(t0), 1200);  // from the accept it would be 700 + 600 ms
}

TEST(LabHostile, NeverReadsSoTheWindowFills) {
  auto o = OpenPastBanner("hostile_never_reads");
  int fd = o.c->fd();
  std::string chunk(65536, 'x');
  size_t sent = 0;
  for (int i = 0; i < 2000; ++i) {
    ssize_t n = send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, 64u << 20) << "the lab kept reading";
  EXPECT_EQ(o.c->Read(1, 300, 0), "");
}

TEST(LabHostile, QuitBabbleNeverCloses) {
  auto o = OpenPastBanner("hostile_quit_babble");
  o.c->Send("QUIT\r\n");
  std::string babble =
      Sub("250-{mx} greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n", o.mx);
  EXPECT_EQ(o.c->Read(babble.size(), 3000, 0), babble);
  auto t0 = Clock::now();
  EXPECT_EQ(o.c->Read(babble.size(), 3000, 0), babble);  // again, a second later
  EXPECT_GE(MsSince(t0), 800);
  EXPECT_FALSE(o.c->eof());
}

TEST(LabHostile, BannerRefusedOnlyTheFirstTime) {
  std::string mx = g_lab->Mx(Host("banner_421_once"));
  for (int attempt = 0; attempt < 3; ++attempt) {
    PlainClient c;
    ASSERT_EQ(c.Connect(g_lab->Ip(Host("banner_421_once")), g_lab->port()), 0);
    std::string want = attempt == 0
                           ? "421 4.7.0 " + mx + " Too many connections, try again later\r\n"
                           : "220 " + mx + " ESMTP smtp-lab\r\n";
    EXPECT_EQ(c.Read(want.size(), 3000, attempt == 0 ? 1000 : 100), want) << attempt;
    EXPECT_EQ(c.eof(), attempt == 0) << attempt;
  }
}

// docs/rules.md §3-5 applied by hand to each hostile behaviour's bytes (bench/README.md,
// "Truth table"), with the scanner's default deadlines where the record depends on them.
TEST(LabHostile, TruthRows) {
  const std::map<std::string, std::string> expected = {
      {"hostile_drip_forever",
       R"("status":"banner-timeout","class":null,"anomalies":[],"starttls":null,"tls":null,"attempts":1)"},
      {"hostile_endless_ehlo_steady",
       R"("status":"protocol-error","class":null,"anomalies":["reply_truncated"],"starttls":null)"},
      {"hostile_huge_line",
       R"("status":"protocol-error","class":null,"anomalies":["line_too_long","reply_truncated"])"},
      {"hostile_ehlo_1001_lines",
       R"("status":"protocol-error","class":null,"anomalies":["reply_truncated"])"},
      {"ehlo_1000_lines",
       R"("status":"success","class":"compliant","anomalies":[],"starttls":{"sent":true,"reason":"offered","code":220},"tls":{"outcome":"ok")"},
      {"hostile_nul_ff", R"("status":"success","class":"compliant","anomalies":["non_ascii"])"},
      {"hostile_one_byte_segments", R"("status":"success","class":"compliant","anomalies":[],)"},
      {"hostile_rst_mid_ehlo", R"("status":"connection-reset","class":null,"anomalies":[])"},
      {"hostile_fin_after_banner", R"("status":"protocol-error","class":null,"anomalies":[])"},
      {"hostile_starttls_then_smtp",
       R"("class":"compliant","anomalies":[],"starttls":{"sent":true,"reason":"offered","code":220},"tls":{"outcome":"handshake-error"})"},
      {"hostile_starttls_then_silence", R"("tls":{"outcome":"timeout"},"attempts":1})"},
      {"hostile_starttls_then_http", R"("tls":{"outcome":"handshake-error"})"},
      {"hostile_tls_stall_after_server_hello",
       R"("status":"success","class":"compliant","anomalies":[],"starttls":{"sent":true,"reason":"offered","code":220},"tls":{"outcome":"timeout"})"},
      {"hostile_tls_chain_100",
       R"("tls":{"outcome":"ok","version":"TLSv1.3","key_type":"ECDSA","key_bits":256,"chain_valid":true,"hostname_match":true,"expired":false,"self_signed":false})"},
      {"hostile_tls_huge_cert", R"("tls":{"outcome":"handshake-error"})"},
      {"hostile_tls_alert_instead_of_server_hello", R"("tls":{"outcome":"handshake-error"})"},
      {"hostile_tls_alert_after_server_hello", R"("tls":{"outcome":"handshake-error"})"},
      {"hostile_tls_alert_after_handshake",
       R"("status":"success","class":"compliant","anomalies":[],"starttls":{"sent":true,"reason":"offered","code":220},"tls":{"outcome":"ok","version":"TLSv1.3","key_type":"ECDSA","key_bits":256,"chain_valid":true,"hostname_match":true,"expired":false,"self_signed":false,"phase":"ehlo"})"},
      {"hostile_late_banner", R"("status":"success","class":"compliant","anomalies":[],)"},
      {"hostile_never_reads",
       R"("status":"io-timeout","class":null,"anomalies":[],"starttls":null,"tls":null,"attempts":1})"},
      {"hostile_quit_babble", R"("status":"success","class":"compliant","anomalies":[],)"},
      {"banner_421_once",
       R"("status":"success","class":"compliant","anomalies":[],"starttls":{"sent":true,"reason":"offered","code":220},"tls":{"outcome":"ok","version":"TLSv1.3","key_type":"ECDSA","key_bits":256,"chain_valid":true,"hostname_match":true,"expired":false,"self_signed":false},"attempts":2})"},
      {"compliant", R"("self_signed":false},"attempts":1})"},
  };
  std::istringstream truth(ReadWholeFile(g_lab->Path("truth.ndjson")));
  std::map<std::string, std::string> lines;
  for (std::string line; std::getline(truth, line);) {
    auto at = line.find("\"behaviour\":\"");
    if (at != std::string::npos)
      lines[line.substr(at + 13, line.find('"', at + 13) - at - 13)] = line;
  }
  for (const auto& [b, fragment] : expected) {
    ASSERT_TRUE(lines.count(b)) << b;
    EXPECT_NE(lines[b].find(fragment), std::string::npos)
        << b << "\n  line: " << lines[b] << "\n  want: " << fragment;
  }
}

}  // namespace
}  // namespace starttls::lab::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new starttls::lab::test::LabEnvironment);
  return RUN_ALL_TESTS();
}
