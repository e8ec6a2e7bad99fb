// The hostile TLS behaviours, driven by a BoringSSL client of the test's own: a handshake that
// stalls after ServerHello, a 100-certificate chain, a 1 MiB certificate (refused by a client
// with the default 100 KiB cap, accepted by one with a larger cap), fatal alerts at each
// stage, and a whole TLS conversation in one-byte segments. Also checks that many clients of
// the 1 MiB certificate that never read do not grow the lab's memory past a small bound.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <memory>

#include "bench/lab/session.h"
#include "tests/lab/lab_process.h"
#include "tests/lab/plain_client.h"

namespace starttls::lab::test {
namespace {

const std::vector<std::string> kHosts = {"",
                                         "hostile_tls_stall_after_server_hello",
                                         "hostile_tls_chain_100",
                                         "hostile_tls_huge_cert",
                                         "hostile_tls_alert_instead_of_server_hello",
                                         "hostile_tls_alert_after_server_hello",
                                         "hostile_tls_alert_after_handshake",
                                         "hostile_one_byte_segments",
                                         "hostile_quit_babble"};

int Host(const std::string& b) {
  for (size_t i = 1; i < kHosts.size(); ++i)
    if (kHosts[i] == b) return static_cast<int>(i);
  return -1;
}

class LabHostileTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lab_ = new LabProcess;
    std::ofstream assign(lab_->Path("assign.txt"));
    for (size_t i = 1; i < kHosts.size(); ++i)
      assign << lab_->Ip(static_cast<int>(i)) << " " << kHosts[i] << "\n";
    assign.close();
    started_ = lab_->Start({"--assign", lab_->Path("assign.txt"), "--domains", "0"});
  }
  static void TearDownTestSuite() {
    delete lab_;  // stops it by PID
    lab_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_); }
  static LabProcess* lab_;
  static bool started_;
};
LabProcess* LabHostileTls::lab_ = nullptr;
bool LabHostileTls::started_ = false;

// Banner, EHLO, STARTTLS (220 read), with a receive timeout on the socket so that a stalled
// handshake ends the test's blocking SSL calls.
bool ReachTls(PlainClient& c, const LabProcess& lab, int host) {
  if (c.Connect(lab.Ip(host), lab.port()) != 0) return false;
  std::string mx = lab.Mx(host);
  std::string banner = "220 " + mx + " ESMTP smtp-lab\r\n";
  std::string ehlo = "250-" + mx +
                     " greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                     "250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n";
  if (c.Read(banner.size(), 3000, 0) != banner) return false;
  c.Send("EHLO client.test\r\n");
  if (c.Read(ehlo.size(), 3000, 0) != ehlo) return false;
  c.Send("STARTTLS\r\n");
  if (c.Read(30, 3000, 0) != "220 2.0.0 Ready to start TLS\r\n") return false;
  timeval tv{1, 500000};
  setsockopt(c.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return true;
}

struct Client {
  bssl::UniquePtr<SSL_CTX> ctx;
  bssl::UniquePtr<SSL> ssl;
  int connect_rc = 0;
  uint32_t error_reason = 0;  // ERR_GET_REASON of the first queued error
};

Client Handshake(const LabProcess& lab, PlainClient& c, int host, size_t max_cert_list = 0) {
  Client r;
  r.ctx.reset(SSL_CTX_new(TLS_method()));
  SSL_CTX_load_verify_locations(r.ctx.get(), lab.Path("ca.pem").c_str(), nullptr);
  SSL_CTX_set_verify(r.ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (max_cert_list) SSL_CTX_set_max_cert_list(r.ctx.get(), max_cert_list);
  r.ssl.reset(SSL_new(r.ctx.get()));
  SSL_set_fd(r.ssl.get(), c.fd());  // the test's own blocking client, not the scanner
  std::string mx = lab.Mx(host);
  SSL_set_tlsext_host_name(r.ssl.get(), mx.c_str());
  ERR_clear_error();
  r.connect_rc = SSL_connect(r.ssl.get());
  r.error_reason = ERR_GET_REASON(ERR_peek_error());
  return r;
}

TEST_F(LabHostileTls, StallsAfterServerHello) {
  PlainClient c;
  int host = Host("hostile_tls_stall_after_server_hello");
  ASSERT_TRUE(ReachTls(c, *lab_, host));
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), rbio, wbio);
  SSL_set_connect_state(ssl.get());
  ASSERT_EQ(SSL_get_error(ssl.get(), SSL_do_handshake(ssl.get())), SSL_ERROR_WANT_READ);
  std::string hello(BIO_pending(wbio), '\0');
  BIO_read(wbio, hello.data(), static_cast<int>(hello.size()));
  c.Send(hello);
  std::string got = c.Read(1 << 16, 1200, 0);  // everything the server sends in 1.2 s
  ASSERT_GE(got.size(), 9u);
  size_t record_len = (static_cast<uint8_t>(got[3]) << 8) | static_cast<uint8_t>(got[4]);
  EXPECT_EQ(got[0], 22);                  // handshake record
  EXPECT_EQ(got[5], 2);                   // ServerHello
  EXPECT_EQ(got.size(), 5 + record_len);  // that record alone, nothing after it
  BIO_write(rbio, got.data(), static_cast<int>(got.size()));
  EXPECT_EQ(SSL_get_error(ssl.get(), SSL_do_handshake(ssl.get())), SSL_ERROR_WANT_READ);
  EXPECT_FALSE(c.eof());
}

TEST_F(LabHostileTls, HundredCertificateChainStillVerifies) {
  PlainClient c;
  int host = Host("hostile_tls_chain_100");
  ASSERT_TRUE(ReachTls(c, *lab_, host));
  Client r = Handshake(*lab_, c, host);
  ASSERT_EQ(r.connect_rc, 1) << r.error_reason;
  const STACK_OF(CRYPTO_BUFFER)* chain = SSL_get0_peer_certificates(r.ssl.get());
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(sk_CRYPTO_BUFFER_num(chain), 100u);
  EXPECT_EQ(SSL_get_verify_result(r.ssl.get()), X509_V_OK);
}

TEST_F(LabHostileTls, HugeCertificateExceedsTheDefaultCap) {
  int host = Host("hostile_tls_huge_cert");
  {
    PlainClient c;
    ASSERT_TRUE(ReachTls(c, *lab_, host));
    Client r = Handshake(*lab_, c, host);  // BoringSSL's default cap: 100 KiB
    EXPECT_NE(r.connect_rc, 1);
    EXPECT_EQ(r.error_reason, static_cast<uint32_t>(SSL_R_EXCESSIVE_MESSAGE_SIZE));
  }
  {
    PlainClient c;
    ASSERT_TRUE(ReachTls(c, *lab_, host));
    Client r = Handshake(*lab_, c, host, 4u << 20);
    ASSERT_EQ(r.connect_rc, 1) << r.error_reason;
    const STACK_OF(CRYPTO_BUFFER)* chain = SSL_get0_peer_certificates(r.ssl.get());
    ASSERT_EQ(sk_CRYPTO_BUFFER_num(chain), 1u);
    EXPECT_GT(CRYPTO_BUFFER_len(sk_CRYPTO_BUFFER_value(chain, 0)), 1u << 20);
    EXPECT_EQ(SSL_get_verify_result(r.ssl.get()), X509_V_OK);  // CA-signed, *.lab.test
  }
}

TEST_F(LabHostileTls, AlertsAtEachStage) {
  {
    PlainClient c;
    int host = Host("hostile_tls_alert_instead_of_server_hello");
    ASSERT_TRUE(ReachTls(c, *lab_, host));
    Client r = Handshake(*lab_, c, host);
    EXPECT_NE(r.connect_rc, 1);
    EXPECT_EQ(r.error_reason, static_cast<uint32_t>(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE));
    EXPECT_EQ(SSL_get0_peer_certificates(r.ssl.get()), nullptr);  // no ServerHello, no chain
  }
  {
    PlainClient c;
    int host = Host("hostile_tls_alert_after_server_hello");
    ASSERT_TRUE(ReachTls(c, *lab_, host));
    Client r = Handshake(*lab_, c, host);
    EXPECT_NE(r.connect_rc, 1);
    EXPECT_EQ(r.error_reason, static_cast<uint32_t>(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE));
    EXPECT_NE(SSL_get0_peer_certificates(r.ssl.get()), nullptr);  // the first flight came
  }
  {
    PlainClient c;
    int host = Host("hostile_tls_alert_after_handshake");
    ASSERT_TRUE(ReachTls(c, *lab_, host));
    Client r = Handshake(*lab_, c, host);
    ASSERT_EQ(r.connect_rc, 1) << r.error_reason;
    EXPECT_STREQ(SSL_get_version(r.ssl.get()), "TLSv1.3");
    SSL_write(r.ssl.get(), "EHLO client.test\r\n", 18);
    char buf[256];
    ERR_clear_error();
    EXPECT_LE(SSL_read(r.ssl.get(), buf, sizeof buf), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_error()),
              static_cast<uint32_t>(SSL_R_TLSV1_ALERT_INTERNAL_ERROR));
  }
}

TEST_F(LabHostileTls, WholeTlsConversationInOneByteSegments) {
  PlainClient c;
  int host = Host("hostile_one_byte_segments");
  ASSERT_TRUE(ReachTls(c, *lab_, host));
  uint32_t segments_before = c.SegmentsIn();
  Client r = Handshake(*lab_, c, host);
  ASSERT_EQ(r.connect_rc, 1) << r.error_reason;
  EXPECT_EQ(SSL_get_verify_result(r.ssl.get()), X509_V_OK);
  // The server's flight (ServerHello ... Finished) is several hundred bytes: as many segments.
  EXPECT_GE(c.SegmentsIn() - segments_before, 300u);
  SSL_write(r.ssl.get(), "QUIT\r\n", 6);
  char buf[64];
  std::string bye;
  while (bye.size() < 15) {
    int n = SSL_read(r.ssl.get(), buf, sizeof buf);
    if (n <= 0) break;
    bye.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(bye, "221 2.0.0 Bye\r\n");
}

TEST_F(LabHostileTls, QuitBabbleOverTls) {
  PlainClient c;
  int host = Host("hostile_quit_babble");
  ASSERT_TRUE(ReachTls(c, *lab_, host));
  Client r = Handshake(*lab_, c, host);
  ASSERT_EQ(r.connect_rc, 1);
  SSL_write(r.ssl.get(), "QUIT\r\n", 6);
  std::string want =
      "250-" + lab_->Mx(host) + " greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
  std::string got;
  char buf[512];
  while (got.size() < want.size()) {
    int n = SSL_read(r.ssl.get(), buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, want);
}

long PeakKiB(pid_t pid) {
  std::string status = ReadWholeFile("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("VmHWM:");
  return at == std::string::npos ? -1 : std::atol(status.c_str() + at + 6);
}

// Twice as many clients as the lab holds huge flights ask for the 1 MiB chain and never read
// it: the lab holds kMaxHugeFlights of them (the others wait), so its memory grows by about
// kMaxHugeFlights x 1.6 MiB, not twice that.
TEST_F(LabHostileTls, HugeFlightsToNonReadersStayBounded) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "resident memory means nothing under AddressSanitizer";
#endif
  int host = Host("hostile_tls_huge_cert");
  {  // one handshake first, so the shared 1 MiB certificate itself is made
    PlainClient c;
    ASSERT_TRUE(ReachTls(c, *lab_, host));
    Handshake(*lab_, c, host, 4u << 20);
  }
  long before = PeakKiB(lab_->pid());
  std::vector<std::unique_ptr<PlainClient>> clients;
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  for (int i = 0; i < 2 * kMaxHugeFlights + 8; ++i) {
    auto c = std::make_unique<PlainClient>();
    ASSERT_TRUE(ReachTls(*c, *lab_, host));
    int small = 4096;
    setsockopt(c->fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO* wbio = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), rbio, wbio);
    SSL_set_connect_state(ssl.get());
    SSL_do_handshake(ssl.get());
    std::string hello(BIO_pending(wbio), '\0');
    BIO_read(wbio, hello.data(), static_cast<int>(hello.size()));
    c->Send(hello);  // and never read what comes back
    clients.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long grown = PeakKiB(lab_->pid()) - before;
  EXPECT_LT(grown, kMaxHugeFlights * 2 * 1024) << "KiB";
}

}  // namespace
}  // namespace starttls::lab::test
