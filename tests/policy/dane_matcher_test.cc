// DANE matching (RFC 7672 §3.1, RFC 7671, RFC 6698) on certificates made here with
// BoringSSL: a root, an intermediate and leaves, EC P-256.
#include "scanner/policy/dane_matcher.h"

#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

bssl::UniquePtr<EVP_PKEY> NewKey() {
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (!ec || !key || !EC_KEY_generate_key(ec.get()) ||
      !EVP_PKEY_assign_EC_KEY(key.get(), ec.release())) {
    return nullptr;
  }
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

struct CertSpec {
  std::string cn;
  EVP_PKEY* key = nullptr;     // the subject's key
  X509* issuer = nullptr;      // nullptr: self-signed
  EVP_PKEY* signer = nullptr;  // the key that signs
  bool ca = false;
  std::string dns;           // "" for none
  long not_after_s = 86400;  // from now; negative: expired
};

bssl::UniquePtr<X509> NewCert(const CertSpec& spec) {
  static long serial = 1;
  bssl::UniquePtr<X509> x(X509_new());
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -2 * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), spec.not_after_s);
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const uint8_t*>(spec.cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), spec.issuer ? X509_get_subject_name(spec.issuer) : name);
  X509_set_pubkey(x.get(), spec.key);
  X509* issuer = spec.issuer ? spec.issuer : x.get();
  if (spec.ca) {
    AddExtension(x.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(x.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(x.get(), issuer, NID_basic_constraints, "CA:FALSE");
  }
  if (!spec.dns.empty()) {
    AddExtension(x.get(), issuer, NID_subject_alt_name, ("DNS:" + spec.dns).c_str());
  }
  if (!X509_sign(x.get(), spec.signer, EVP_sha256())) return nullptr;
  return x;
}

std::string Der(X509* cert) {
  uint8_t* der = nullptr;
  const int len = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string Spki(X509* cert) {
  uint8_t* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string Sha256(const std::string& bytes) {
  uint8_t d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof(d));
}

std::string Sha512(const std::string& bytes) {
  uint8_t d[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof(d));
}

constexpr char kMx[] = "mx.example";

class DaneMatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_key_ = NewKey();
    int_key_ = NewKey();
    leaf_key_ = NewKey();
    ASSERT_TRUE(root_key_ && int_key_ && leaf_key_);
    root_ = NewCert({"Test Root", root_key_.get(), nullptr, root_key_.get(), true, "", 86400});
    inter_ = NewCert(
        {"Test Intermediate", int_key_.get(), root_.get(), root_key_.get(), true, "", 86400});
    leaf_ = NewCert({kMx, leaf_key_.get(), inter_.get(), int_key_.get(), false, kMx, 86400});
    ASSERT_TRUE(root_ && inter_ && leaf_);
    chain_ = {Der(leaf_.get()), Der(inter_.get()), Der(root_.get())};
  }

  DaneMatchResult Match(std::vector<TlsaRecord> records, const std::vector<std::string>& chain,
                        const char* mx = kMx) {
    return MatchDane(records, chain, mx);
  }

  bssl::UniquePtr<EVP_PKEY> root_key_, int_key_, leaf_key_;
  bssl::UniquePtr<X509> root_, inter_, leaf_;
  std::vector<std::string> chain_;
};

TEST_F(DaneMatcherTest, EndEntityByCertificateAndBySpkiWithEveryMatchingType) {
  const std::string cert = Der(leaf_.get());
  const std::string spki = Spki(leaf_.get());
  const TlsaRecord records[] = {
      {3, 0, 0, cert}, {3, 0, 1, Sha256(cert)}, {3, 0, 2, Sha512(cert)},
      {3, 1, 0, spki}, {3, 1, 1, Sha256(spki)}, {3, 1, 2, Sha512(spki)},
  };
  for (const TlsaRecord& record : records) {
    SCOPED_TRACE(std::to_string(record.selector) + " " + std::to_string(record.matching_type));
    const DaneMatchResult r = Match({record}, chain_);
    EXPECT_TRUE(r.matched) << r.detail;
    EXPECT_EQ(r.record, 0);
    EXPECT_EQ(r.depth, 0);
  }
  // The leaf alone is enough for DANE-EE.
  EXPECT_TRUE(Match({{3, 1, 1, Sha256(spki)}}, {cert}).matched);
}

TEST_F(DaneMatcherTest, EndEntityChecksNeitherNameNorExpiryNorChain) {
  // Self-signed, expired, for another name: DANE-EE(3) still matches (RFC 7672 §3.1.1).
  bssl::UniquePtr<EVP_PKEY> key = NewKey();
  bssl::UniquePtr<X509> odd =
      NewCert({"other.example", key.get(), nullptr, key.get(), false, "other.example", -3600});
  ASSERT_TRUE(odd);
  const DaneMatchResult r = Match({{3, 1, 1, Sha256(Spki(odd.get()))}}, {Der(odd.get())});
  EXPECT_TRUE(r.matched) << r.detail;
}

TEST_F(DaneMatcherTest, StaleDigestAfterAKeyRollDoesNotMatch) {
  // The TLSA record still names the old key; the server now presents a new one.
  const std::string old_spki = Spki(leaf_.get());
  bssl::UniquePtr<EVP_PKEY> new_key = NewKey();
  bssl::UniquePtr<X509> rolled =
      NewCert({kMx, new_key.get(), inter_.get(), int_key_.get(), false, kMx, 86400});
  ASSERT_TRUE(rolled);
  const std::vector<std::string> chain = {Der(rolled.get()), Der(inter_.get())};
  DaneMatchResult r = Match({{3, 1, 1, Sha256(old_spki)}}, chain);
  EXPECT_FALSE(r.matched);
  EXPECT_EQ(r.detail, "no TLSA record matched the chain");
  // Publishing the new key's digest beside the old one (RFC 7671 §8.1's roll) matches.
  r = Match({{3, 1, 1, Sha256(old_spki)}, {3, 1, 1, Sha256(Spki(rolled.get()))}}, chain);
  EXPECT_TRUE(r.matched);
  EXPECT_EQ(r.record, 1);
}

TEST_F(DaneMatcherTest, TrustAnchorWithAGoodChain) {
  // The intermediate by certificate digest, the root by key digest, the root in full.
  DaneMatchResult r = Match({{2, 0, 1, Sha256(Der(inter_.get()))}}, chain_);
  EXPECT_TRUE(r.matched) << r.detail;
  EXPECT_EQ(r.depth, 1);
  r = Match({{2, 1, 2, Sha512(Spki(root_.get()))}}, chain_);
  EXPECT_TRUE(r.matched) << r.detail;
  EXPECT_EQ(r.depth, 2);
  r = Match({{2, 0, 0, Der(root_.get())}}, chain_);
  EXPECT_TRUE(r.matched) << r.detail;
  // Names compare without case and with a trailing dot.
  EXPECT_TRUE(Match({{2, 0, 1, Sha256(Der(inter_.get()))}}, chain_, "MX.Example.").matched);
}

TEST_F(DaneMatcherTest, TrustAnchorKeyLeftOutOfTheChain) {
  // `2 1 0`: the root's whole key; the server sends leaf and intermediate only.
  const std::vector<std::string> chain = {Der(leaf_.get()), Der(inter_.get())};
  const DaneMatchResult r = Match({{2, 1, 0, Spki(root_.get())}}, chain);
  EXPECT_TRUE(r.matched) << r.detail;
  EXPECT_EQ(r.depth, 2);
  // A digest of that key cannot be checked without the key: no match.
  EXPECT_FALSE(Match({{2, 1, 1, Sha256(Spki(root_.get()))}}, chain).matched);
}

TEST_F(DaneMatcherTest, TrustAnchorWhoseChainDoesNotVerify) {
  // The leaf is signed by a key that is not the intermediate's, though it names it as issuer.
  bssl::UniquePtr<EVP_PKEY> rogue_key = NewKey();
  bssl::UniquePtr<X509> forged =
      NewCert({kMx, leaf_key_.get(), inter_.get(), rogue_key.get(), false, kMx, 86400});
  ASSERT_TRUE(forged);
  const std::vector<std::string> chain = {Der(forged.get()), Der(inter_.get()), Der(root_.get())};
  DaneMatchResult r = Match({{2, 0, 1, Sha256(Der(root_.get()))}}, chain);
  EXPECT_FALSE(r.matched);
  EXPECT_EQ(r.detail, "DANE-TA matched, but the chain up to it does not verify");
  // A chain presented out of order does not verify either.
  r = Match({{2, 0, 1, Sha256(Der(root_.get()))}},
            {Der(leaf_.get()), Der(root_.get()), Der(inter_.get())});
  EXPECT_FALSE(r.matched);
}

TEST_F(DaneMatcherTest, TrustAnchorWithTheWrongName) {
  const DaneMatchResult r = Match({{2, 0, 1, Sha256(Der(inter_.get()))}}, chain_, "other.example");
  EXPECT_FALSE(r.matched);
  EXPECT_EQ(r.detail, "DANE-TA matched, but the name does not match the MX host name");
  // A wildcard certificate covers one label.
  bssl::UniquePtr<X509> wild = NewCert(
      {"wild", leaf_key_.get(), inter_.get(), int_key_.get(), false, "*.example.net", 86400});
  const std::vector<std::string> chain = {Der(wild.get()), Der(inter_.get())};
  EXPECT_TRUE(Match({{2, 0, 1, Sha256(Der(inter_.get()))}}, chain, "mx.example.net").matched);
  EXPECT_FALSE(Match({{2, 0, 1, Sha256(Der(inter_.get()))}}, chain, "a.mx.example.net").matched);
}

TEST_F(DaneMatcherTest, TheLeafIsNoTrustAnchor) {
  EXPECT_FALSE(Match({{2, 0, 1, Sha256(Der(leaf_.get()))}}, chain_).matched);
}

TEST_F(DaneMatcherTest, PkixUsagesAreUnusable) {
  const std::string cert = Der(leaf_.get());
  DaneMatchResult r = Match({{1, 0, 1, Sha256(cert)}}, chain_);
  EXPECT_FALSE(r.matched);
  EXPECT_EQ(r.detail, "no usable TLSA record");
  r = Match({{0, 0, 1, Sha256(Der(root_.get()))}, {1, 0, 1, Sha256(cert)}}, chain_);
  EXPECT_FALSE(r.matched);
  // Beside a usable record that matches, an unusable one is skipped.
  r = Match({{1, 0, 1, Sha256(cert)}, {3, 0, 1, Sha256(cert)}}, chain_);
  EXPECT_TRUE(r.matched);
  EXPECT_EQ(r.record, 1);
}

TEST_F(DaneMatcherTest, UnparsableChains) {
  const std::string cert = Der(leaf_.get());
  EXPECT_EQ(Match({{3, 0, 1, Sha256(cert)}}, {}).detail, "no certificate to match");
  EXPECT_FALSE(Match({{3, 0, 1, Sha256("junk")}}, {"junk"}).matched);
  // Bytes after the certificate: not the certificate the record names.
  EXPECT_FALSE(Match({{3, 0, 1, Sha256(cert + "x")}}, {cert + "x"}).matched);
  // A bad certificate after the leaf ends the chain there; the leaf still matches.
  EXPECT_TRUE(Match({{3, 0, 1, Sha256(cert)}}, {cert, "junk"}).matched);
}

}  // namespace
}  // namespace starttls
