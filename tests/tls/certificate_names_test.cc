// CertificateNames keeps a certificate's names after the session so a domain record can judge
// the MX name it uses. Its matching must agree with BoringSSL's X509_check_host (flags 0), the
// judge of the host record's own verdict: these tests compare the two on certificates made
// here with many SAN / CN shapes, against many host names.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "scanner/tls/certificate_names.h"

namespace starttls {
namespace {

bssl::UniquePtr<EVP_PKEY> NewKey() {
  bssl::UniquePtr<EVP_PKEY_CTX> context(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY_keygen_init(context.get());
  EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context.get(), NID_X9_62_prime256v1);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_keygen(context.get(), &key);
  return bssl::UniquePtr<EVP_PKEY>(key);
}

// A self-signed certificate with these subject CNs and SAN DNS names (none: no SAN).
bssl::UniquePtr<X509> MakeCert(EVP_PKEY* key, const std::vector<std::string>& cns,
                               const std::vector<std::string>& dns) {
  bssl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const std::string& cn : cns) {
    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                               reinterpret_cast<const uint8_t*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
  }
  X509_set_issuer_name(cert.get(), name);
  if (!dns.empty()) {
    bssl::UniquePtr<GENERAL_NAMES> names(GENERAL_NAMES_new());
    for (const std::string& d : dns) {
      GENERAL_NAME* general = GENERAL_NAME_new();
      ASN1_IA5STRING* text = ASN1_IA5STRING_new();
      ASN1_STRING_set(text, d.data(), static_cast<int>(d.size()));
      GENERAL_NAME_set0_value(general, GEN_DNS, text);
      sk_GENERAL_NAME_push(names.get(), general);
    }
    X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT);
  }
  X509_set_pubkey(cert.get(), key);
  X509_sign(cert.get(), key, EVP_sha256());
  return cert;
}

const std::vector<std::string> kPatterns = {"mx.example.com",
                                            "MX.Example.COM",
                                            "*.example.com",
                                            "*.com",
                                            "*",
                                            "*.*.example.com",
                                            "f*.example.com",
                                            "*x.example.com",
                                            "m*x.example.com",
                                            "xn--*.example.com",
                                            "*.xn--bcher-kva.example",
                                            "mx.example.com.",
                                            "*.example.com.",
                                            "a.*.example.com",
                                            "**.example.com",
                                            "*.",
                                            ".example.com",
                                            "mx..example.com",
                                            "*.co.uk",
                                            "mail.*",
                                            "xn--bcher-kva.example.com",
                                            "mx-1.example.com",
                                            "*.sub.example.com"};

const std::vector<std::string> kHosts = {"mx.example.com",
                                         "MX.EXAMPLE.COM",
                                         "mx.example.com.",
                                         "a.b.example.com",
                                         "example.com",
                                         "fo.example.com",
                                         "f.example.com",
                                         "xx.example.com",
                                         "mx.sub.example.com",
                                         "xn--bcher-kva.example.com",
                                         "xn--abc.example.com",
                                         "co.uk",
                                         "a.co.uk",
                                         "mail.example",
                                         "mx-1.example.com",
                                         "m1x.example.com",
                                         "mx",
                                         "x.xn--bcher-kva.example",
                                         "mx_1.example.com"};

TEST(CertificateNamesTest, AgreesWithX509CheckHostOnSanNames) {
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  int compared = 0;
  for (const std::string& pattern : kPatterns) {
    bssl::UniquePtr<X509> cert = MakeCert(key.get(), {"ignored.example.net"}, {pattern});
    CertificateNames names = ExtractCertificateNames(cert.get());
    EXPECT_FALSE(names.from_subject);
    for (const std::string& host : kHosts) {
      bool boring = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr) == 1;
      EXPECT_EQ(MatchesHostname(names, host), boring) << "SAN " << pattern << " host " << host;
      ++compared;
    }
  }
  EXPECT_GT(compared, 400);
}

TEST(CertificateNamesTest, SubjectCommonNamesCountOnlyWithoutDnsSans) {
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  for (const std::string& pattern : kPatterns) {
    bssl::UniquePtr<X509> cert = MakeCert(key.get(), {"other.example.net", pattern}, {});
    CertificateNames names = ExtractCertificateNames(cert.get());
    EXPECT_TRUE(names.from_subject);
    for (const std::string& host : kHosts) {
      bool boring = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr) == 1;
      EXPECT_EQ(MatchesHostname(names, host), boring) << "CN " << pattern << " host " << host;
    }
  }
  // A DNS SAN present: the CN is never looked at.
  bssl::UniquePtr<X509> both = MakeCert(key.get(), {"mx.example.com"}, {"other.example.com"});
  EXPECT_FALSE(MatchesHostname(ExtractCertificateNames(both.get()), "mx.example.com"));
  EXPECT_EQ(X509_check_host(both.get(), "mx.example.com", 14, 0, nullptr), 0);
}

TEST(CertificateNamesTest, SeveralNamesAnyMatches) {
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  bssl::UniquePtr<X509> cert =
      MakeCert(key.get(), {}, {"mx1.example.com", "*.mail.example.org", "mx3.example.net"});
  CertificateNames names = ExtractCertificateNames(cert.get());
  ASSERT_EQ(names.names.size(), 3u);
  EXPECT_TRUE(MatchesHostname(names, "mx1.example.com"));
  EXPECT_TRUE(MatchesHostname(names, "in.mail.example.org"));
  EXPECT_TRUE(MatchesHostname(names, "MX3.example.net"));
  EXPECT_FALSE(MatchesHostname(names, "mx2.example.com"));
  EXPECT_FALSE(MatchesHostname(names, ""));
  EXPECT_FALSE(MatchesHostname(CertificateNames{}, "mx1.example.com"));
}

// Wildcards whose other labels are no host-name labels are no wildcards to X509_check_host
// (found by fuzz/tls/certificate_fuzzer): they match only themselves, literally.
TEST(CertificateNamesTest, WildcardOverLabelsThatAreNoHostNameLabelsIsLiteral) {
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  const std::vector<std::string> patterns = {
      "*.-xample.com",   "*.a-.example.com", "*.exa_mple.com",  "*.xn--.example",
      "*.XN--9.example", "*.xn---a.example", "*.xn--a.example", "*.e xample.com"};
  const std::vector<std::string> hosts = {
      "x.-xample.com",    "x.a-.example.com", "x.exa_mple.com", "x.xn--.example", "x.XN--9.example",
      "x.xn---a.example", "x.xn--a.example",  "x.e xample.com", "*.-xample.com",  "*.exa_mple.com"};
  for (const std::string& pattern : patterns) {
    bssl::UniquePtr<X509> cert = MakeCert(key.get(), {}, {pattern});
    CertificateNames names = ExtractCertificateNames(cert.get());
    for (const std::string& host : hosts) {
      bool boring = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr) == 1;
      EXPECT_EQ(MatchesHostname(names, host), boring) << "SAN " << pattern << " host " << host;
    }
  }
  bssl::UniquePtr<X509> cert = MakeCert(key.get(), {}, {"*.-xample.com"});
  EXPECT_FALSE(MatchesHostname(ExtractCertificateNames(cert.get()), "x.-xample.com"));
  EXPECT_TRUE(MatchesHostname(ExtractCertificateNames(cert.get()), "*.-XAMPLE.com"));
}

// A subject CN counts only when it looks like a host name, as X509_check_host has it (found
// by fuzz/tls/certificate_fuzzer): "-x.example.com" or "Example Mail" match nothing.
TEST(CertificateNamesTest, CommonNamesThatAreNoHostNamesMatchNothing) {
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  const std::vector<std::string> cns = {"-x.example.com",    "x-.example.com",
                                        "Example Mail",      "a..example.com",
                                        "mx.example.com.",   "mx_1.example.com",
                                        "mx.example.com:25", "*.example.com",
                                        "*.-x.example.com",  "mx"};
  const std::vector<std::string> hosts = {"-x.example.com",
                                          "x-.example.com",
                                          "Example Mail",
                                          "a..example.com",
                                          "mx.example.com.",
                                          "mx.example.com",
                                          "mx_1.example.com",
                                          "mx.example.com:25",
                                          "a.example.com",
                                          "a.-x.example.com",
                                          "mx"};
  for (const std::string& cn : cns) {
    bssl::UniquePtr<X509> cert = MakeCert(key.get(), {cn}, {});
    CertificateNames names = ExtractCertificateNames(cert.get());
    ASSERT_TRUE(names.from_subject);
    for (const std::string& host : hosts) {
      bool boring = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr) == 1;
      EXPECT_EQ(MatchesHostname(names, host), boring) << "CN " << cn << " host " << host;
    }
  }
  bssl::UniquePtr<X509> cert = MakeCert(key.get(), {"-x.example.com"}, {});
  EXPECT_FALSE(MatchesHostname(ExtractCertificateNames(cert.get()), "-x.example.com"));
}

}  // namespace
}  // namespace starttls
