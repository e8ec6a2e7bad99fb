// TLS behaviours checked with a BoringSSL client of the test's own (SSL_set_fd is fine here:
// only the lab must use memory BIOs), the truth file checked against expectations written here
// from docs/rules.md §3-5, and the exit counters checked against the commands the test sent.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <map>
#include <memory>

#include "tests/lab/lab_process.h"
#include "tests/lab/plain_client.h"

namespace starttls::lab::test {
namespace {

struct TlsResult {
  bool ok = false;
  std::string version;
  int key_id = 0;
  int key_bits = 0;
  long verify = -1;  // X509 verify result against ca.pem
  bool name_ok = false;
  std::string ehlo_tls;
};

// Banner, EHLO, STARTTLS, handshake (SNI = mx), EHLO inside TLS, QUIT.
TlsResult RunStarttls(const LabProcess& lab, int host) {
  TlsResult r;
  std::string mx = lab.Mx(host);
  PlainClient c;
  if (c.Connect(lab.Ip(host), lab.port()) != 0) return r;
  std::string banner = c.Read(1, 3000, 50);
  c.Send("EHLO client.test\r\n");
  c.Read(1, 3000, 100);
  c.Send("STARTTLS\r\n");
  if (c.Read(30, 3000, 50) != "220 2.0.0 Ready to start TLS\r\n") return r;
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  SSL_CTX_load_verify_locations(ctx.get(), lab.Path("ca.pem").c_str(), nullptr);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  bssl::UniquePtr<SSL> ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), c.fd());
  SSL_set_tlsext_host_name(ssl.get(), mx.c_str());
  if (SSL_connect(ssl.get()) != 1) return r;
  r.ok = true;
  r.version = SSL_get_version(ssl.get());
  r.verify = SSL_get_verify_result(ssl.get());
  bssl::UniquePtr<X509> leaf(SSL_get_peer_certificate(ssl.get()));
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(leaf.get()));
  r.key_id = EVP_PKEY_id(key.get());
  r.key_bits = EVP_PKEY_bits(key.get());
  r.name_ok = X509_check_host(leaf.get(), mx.data(), mx.size(), 0, nullptr) == 1;
  const char ehlo[] = "EHLO client.test\r\n";
  SSL_write(ssl.get(), ehlo, sizeof ehlo - 1);
  char buf[4096];
  while (r.ehlo_tls.find("250 ") == std::string::npos) {
    int n = SSL_read(ssl.get(), buf, sizeof buf);
    if (n <= 0) break;
    r.ehlo_tls.append(buf, static_cast<size_t>(n));
  }
  SSL_write(ssl.get(), "QUIT\r\n", 6);
  std::string bye;
  while (bye.find("221") == std::string::npos) {  // read it all so our close is a FIN
    int n = SSL_read(ssl.get(), buf, sizeof buf);
    if (n <= 0) break;
    bye.append(buf, static_cast<size_t>(n));
  }
  return r;
}

const std::vector<std::string> kAll = {"",
                                       "compliant",
                                       "misordered",
                                       "tls_rsa",
                                       "tls_expired",
                                       "tls_wrong_name",
                                       "tls_self_signed",
                                       "tls12_only",
                                       "tls13_only",
                                       "starttls_readvertised",
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
                                       "starttls_both",
                                       "greeting_mentions_starttls",
                                       "duplicate_keyword",
                                       "non_ascii",
                                       "trailing_data",
                                       "line_too_long",
                                       "mixed_codes",
                                       "no_esmtp_banner"};

int HostOf(const std::string& b) {
  for (size_t i = 1; i < kAll.size(); ++i)
    if (kAll[i] == b) return static_cast<int>(i);
  return -1;
}

class LabTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lab_ = new LabProcess;
    std::ofstream assign(lab_->Path("assign.txt"));
    for (size_t i = 1; i < kAll.size(); ++i)
      assign << lab_->Ip(static_cast<int>(i)) << " " << kAll[i] << "\n";
    assign.close();
    started_ = lab_->Start({"--assign", lab_->Path("assign.txt"), "--domains", "20"});
  }
  static void TearDownTestSuite() {
    delete lab_;  // stops it by PID
    lab_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_); }
  static LabProcess* lab_;
  static bool started_;
};
LabProcess* LabTls::lab_ = nullptr;
bool LabTls::started_ = false;

const char kEhloTlsPlain[] =
    "250-{mx} greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-ENHANCEDSTATUSCODES\r\n250 "
    "8BITMIME\r\n";

std::string Sub(std::string text, const std::string& mx) {
  for (size_t p; (p = text.find("{mx}")) != std::string::npos;) text.replace(p, 4, mx);
  return text;
}

TEST_F(LabTls, ValidEcdsaLeafVerifiesAgainstLabCa) {
  for (std::string b : {"compliant", "misordered"}) {
    TlsResult r = RunStarttls(*lab_, HostOf(b));
    ASSERT_TRUE(r.ok) << b;
    EXPECT_EQ(r.version, "TLSv1.3");
    EXPECT_EQ(r.key_id, EVP_PKEY_EC);
    EXPECT_EQ(r.key_bits, 256);
    EXPECT_EQ(r.verify, X509_V_OK);
    EXPECT_TRUE(r.name_ok);
    EXPECT_EQ(r.ehlo_tls, Sub(kEhloTlsPlain, lab_->Mx(HostOf(b))));
  }
}

TEST_F(LabTls, CertificateKinds) {
  TlsResult rsa = RunStarttls(*lab_, HostOf("tls_rsa"));
  ASSERT_TRUE(rsa.ok);
  EXPECT_EQ(rsa.key_id, EVP_PKEY_RSA);
  EXPECT_EQ(rsa.key_bits, 2048);
  EXPECT_EQ(rsa.verify, X509_V_OK);

  TlsResult expired = RunStarttls(*lab_, HostOf("tls_expired"));
  ASSERT_TRUE(expired.ok);
  EXPECT_EQ(expired.verify, X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_TRUE(expired.name_ok);

  TlsResult wrong = RunStarttls(*lab_, HostOf("tls_wrong_name"));
  ASSERT_TRUE(wrong.ok);
  EXPECT_EQ(wrong.verify, X509_V_OK);
  EXPECT_FALSE(wrong.name_ok);

  TlsResult self = RunStarttls(*lab_, HostOf("tls_self_signed"));
  ASSERT_TRUE(self.ok);
  EXPECT_EQ(self.verify, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_TRUE(self.name_ok);
}

TEST_F(LabTls, VersionsAndReadvertised) {
  EXPECT_EQ(RunStarttls(*lab_, HostOf("tls12_only")).version, "TLSv1.2");
  EXPECT_EQ(RunStarttls(*lab_, HostOf("tls13_only")).version, "TLSv1.3");
  TlsResult r = RunStarttls(*lab_, HostOf("starttls_readvertised"));
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.ehlo_tls.find("250-STARTTLS\r\n"), std::string::npos);
}

// docs/rules.md §3-4 applied by hand to each behaviour's bytes (see bench/README.md, "Truth
// table").
TEST_F(LabTls, TruthFileMatchesSpec) {
  const std::map<std::string, std::string> expected = {
      {"compliant", R"("status":"success","class":"compliant","anomalies":[])"},
      {"misordered",
       R"("status":"success","class":"starttls_misordered","anomalies":["starttls_in_greeting"])"},
      {"no_starttls", R"("status":"success","class":"no_starttls","anomalies":[])"},
      {"starttls_only",
       R"("status":"success","class":"starttls_misordered","anomalies":["starttls_in_greeting"])"},
      {"starttls_last", R"("status":"success","class":"compliant","anomalies":[])"},
      {"starttls_lowercase",
       R"("status":"success","class":"compliant","anomalies":["starttls_lowercase"])"},
      {"bare_lf", R"("status":"success","class":"compliant","anomalies":["bare_lf"])"},
      {"asa_masked",
       R"("status":"success","class":"no_starttls","anomalies":["banner_masked","no_esmtp_in_banner","starttls_masked"])"},
      {"greeting_keyword",
       R"("status":"success","class":"compliant","anomalies":["greeting_is_keyword"])"},
      {"ehlo_rejected",
       R"("status":"success","class":"no_starttls","anomalies":["ehlo_rejected"])"},
      {"helo_rejected", R"("status":"rejected","class":null,"anomalies":[])"},
      {"banner_421", R"("status":"rate-limited","class":null,"anomalies":[])"},
      {"banner_554", R"("status":"rejected","class":null,"anomalies":[])"},
      {"multiline_banner", R"("status":"success","class":"compliant","anomalies":[])"},
      {"slow_greeting", R"("status":"success","class":"compliant","anomalies":[])"},
      {"drip", R"("status":"success","class":"compliant","anomalies":[])"},
      {"no_banner", R"("status":"banner-timeout","class":null,"anomalies":[])"},
      {"connection_refused", R"("status":"connection-refused","class":null,"anomalies":[])"},
      {"reset_after_banner", R"("status":"connection-reset","class":null,"anomalies":[])"},
      {"reset_on_accept", R"("status":"connection-reset","class":null,"anomalies":[])"},
      {"http", R"("status":"protocol-error","class":null,"anomalies":[])"},
      {"endless_ehlo", R"("status":"protocol-error","class":null,"anomalies":["reply_truncated"])"},
      {"starttls_454",
       R"("status":"success","class":"compliant","anomalies":[],"starttls":{"sent":true,"reason":"offered","code":454},"tls":{"outcome":"starttls-refused","code":454})"},
      {"tls_garbage",
       R"("status":"success","class":"compliant","anomalies":["trailing_data"],"starttls":{"sent":true,"reason":"offered","code":220},"tls":{"outcome":"handshake-error"})"},
      {"starttls_readvertised",
       R"("status":"success","class":"compliant","anomalies":["starttls_readvertised"])"},
      {"starttls_both",
       R"("status":"success","class":"compliant","anomalies":["starttls_in_greeting"])"},
      {"greeting_mentions_starttls", R"("status":"success","class":"no_starttls","anomalies":[])"},
      {"duplicate_keyword",
       R"("status":"success","class":"compliant","anomalies":["duplicate_keyword"])"},
      {"non_ascii", R"("status":"success","class":"compliant","anomalies":["non_ascii"])"},
      {"trailing_data", R"("status":"success","class":"compliant","anomalies":["trailing_data"])"},
      {"line_too_long", R"("status":"success","class":"compliant","anomalies":["line_too_long"])"},
      {"mixed_codes",
       R"("status":"success","class":"compliant","anomalies":["mixed_reply_codes"])"},
      {"no_esmtp_banner",
       R"("status":"success","class":"compliant","anomalies":["no_esmtp_in_banner"])"},
      {"misordered",
       R"("starttls":{"sent":true,"reason":"probe","code":220},"tls":{"outcome":"ok","version":"TLSv1.3","key_type":"ECDSA","key_bits":256,"chain_valid":true,"hostname_match":true,"expired":false,"self_signed":false})"},
      {"tls_rsa",
       R"("tls":{"outcome":"ok","version":"TLSv1.3","key_type":"RSA","key_bits":2048,"chain_valid":true,"hostname_match":true,"expired":false,"self_signed":false})"},
      {"tls_expired",
       R"("chain_valid":false,"hostname_match":true,"expired":true,"self_signed":false})"},
      {"tls_wrong_name",
       R"("chain_valid":true,"hostname_match":false,"expired":false,"self_signed":false})"},
      {"tls_self_signed",
       R"("chain_valid":false,"hostname_match":true,"expired":false,"self_signed":true})"},
      {"tls12_only", R"("version":"TLSv1.2")"},
      {"no_starttls", R"("starttls":{"sent":false,"code":502},"tls":null)"},
  };
  std::map<std::string, std::string> lines;
  std::istringstream truth(ReadWholeFile(lab_->Path("truth.ndjson")));
  for (std::string line; std::getline(truth, line);) {
    for (size_t i = 1; i < kAll.size(); ++i) {
      std::string head = "{\"ip\":\"" + lab_->Ip(static_cast<int>(i)) +
                         "\",\"port\":" + std::to_string(lab_->port()) + ",\"mx\":\"" +
                         lab_->Mx(static_cast<int>(i)) + "\",\"behaviour\":\"" + kAll[i] + "\"";
      if (line.rfind(head, 0) == 0) lines[kAll[i]] = line;
    }
  }
  EXPECT_EQ(lines.size(), kAll.size() - 1);
  for (const auto& [b, fragment] : expected) {
    ASSERT_TRUE(lines.count(b)) << b;
    EXPECT_NE(lines[b].find(fragment), std::string::npos)
        << b << "\n  line: " << lines[b] << "\n  want: " << fragment;
  }
}

TEST(LabStats, CountsCommandsForbiddenVerbsAndHandshakes) {
  LabProcess lab;
  std::ofstream(lab.Path("assign.txt")) << lab.Ip(1) << " compliant\n";
  ASSERT_TRUE(lab.Start({"--assign", lab.Path("assign.txt"), "--domains", "0"}));
  {
    PlainClient c;
    ASSERT_EQ(c.Connect(lab.Ip(1), lab.port()), 0);
    c.Read(1, 3000, 50);
    for (const char* cmd :
         {"EHLO a\r\n", "MAIL FROM:<>\r\n", "RCPT TO:<a@b>\r\n", "RCPT TO:<c@d>\r\n", "DATA\r\n",
          "AUTH LOGIN\r\n", "VRFY x\r\n", "EXPN y\r\n", "QUIT\r\n"}) {
      c.Send(cmd);
      c.Read(1, 3000, 50);
    }
  }
  ASSERT_TRUE(RunStarttls(lab, 1).ok);  // EHLO, STARTTLS, EHLO, QUIT
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int status = lab.Stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::string stats = ReadWholeFile(lab.Path("stats.json"));
  EXPECT_NE(stats.find(R"("connections":2,)"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("commands":13,)"), std::string::npos) << stats;
  EXPECT_NE(
      stats.find(
          R"("forbidden":{"MAIL":1,"RCPT":2,"DATA":1,"AUTH":1,"VRFY":1,"EXPN":1},"forbidden_total":7)"),
      std::string::npos)
      << stats;
  EXPECT_NE(stats.find(R"("tls_handshakes":1,)"), std::string::npos) << stats;
  EXPECT_NE(stats.find(R"("EHLO":3,"HELO":0,"STARTTLS":1,"QUIT":2)"), std::string::npos) << stats;
}

}  // namespace
}  // namespace starttls::lab::test
