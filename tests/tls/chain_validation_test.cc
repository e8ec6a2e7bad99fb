// The session takes its trust verdict from the context's ChainVerifier (chain_verifier.h).
// These tests hold that verdict equal to a verification run apart on the same chain, for every
// kind of lab certificate and TLS version, and check the verdicts ValidateChain derives from it
// (chain_verifier_test.cc compares the two on many more chains).
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <string>

#include "scanner/tls/chain_validation.h"
#include "scanner/tls/tls_connection.h"
#include "tests/tls/tls_test_peer.h"

namespace starttls::testing {
namespace {

using lab::CertKind;
using lab::TlsVersions;

constexpr char kMx[] = "mx.example";

// A verification run apart from any handshake: the X509_V_* verdict of X509_verify_cert
// for `chain` against `store` at `now`, as a TLS server certificate.
long VerifyChainTrust(X509_STORE* store, STACK_OF(X509) * chain, time_t now) {
  X509* leaf = chain == nullptr || sk_X509_num(chain) == 0 ? nullptr : sk_X509_value(chain, 0);
  bssl::UniquePtr<X509_STORE_CTX> context(X509_STORE_CTX_new());
  if (leaf == nullptr || !context || !X509_STORE_CTX_init(context.get(), store, leaf, chain)) {
    ERR_clear_error();
    return X509_V_ERR_UNSPECIFIED;
  }
  X509_STORE_CTX_set_time(context.get(), 0, now);
  // Mail servers' certificates are judged as TLS server certificates.
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
  long result = X509_V_OK;
  if (X509_verify_cert(context.get()) != 1) {
    result = X509_STORE_CTX_get_error(context.get());
    if (result == X509_V_OK) result = X509_V_ERR_UNSPECIFIED;  // failed without saying why
  }
  ERR_clear_error();
  return result;
}

TEST(ChainValidationTest, HandshakeVerdictEqualsASeparateVerification) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  for (TlsVersions versions : {TlsVersions::kTls12Only, TlsVersions::kTls13Only}) {
    for (CertKind kind : {CertKind::kValidEcdsa, CertKind::kValidRsa, CertKind::kExpired,
                          CertKind::kWrongName, CertKind::kSelfSigned}) {
      SCOPED_TRACE(static_cast<int>(kind));
      bssl::UniquePtr<SSL> server(pki.store().NewSsl(versions, kind, kMx));
      ASSERT_NE(server, nullptr);
      TlsConnection client;
      ASSERT_TRUE(client.Start(pki.context()->ctx(), kMx, 64 * 1024));
      ASSERT_EQ(HandshakeWith(client, server.get()), TlsStep::kDone) << client.error();
      STACK_OF(X509)* chain = client.peer_chain().stack();
      ASSERT_NE(chain, nullptr);
      time_t now = std::time(nullptr);
      long separate = VerifyChainTrust(pki.context()->trust_store(), chain, now);
      long trust = pki.context()->verifier().Verify(client.peer_chain(), now);
      EXPECT_EQ(trust, separate);
      bool valid = kind == CertKind::kValidEcdsa || kind == CertKind::kValidRsa ||
                   kind == CertKind::kWrongName;
      EXPECT_EQ(separate == X509_V_OK, valid);

      ChainValidation verdicts = ValidateChain(chain, trust, kMx, now);
      EXPECT_EQ(verdicts.trusted, valid);
      EXPECT_EQ(verdicts.error.empty(), valid) << verdicts.error;
      EXPECT_EQ(*verdicts.hostname_match, kind != CertKind::kWrongName);
      EXPECT_EQ(verdicts.expired, kind == CertKind::kExpired);
      EXPECT_EQ(verdicts.self_signed, kind == CertKind::kSelfSigned);
    }
  }
}

TEST(ChainValidationTest, ExpiryAndTrustFollowTheTimeGiven) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  bssl::UniquePtr<SSL> server(
      pki.store().NewSsl(TlsVersions::kTls13Only, CertKind::kValidEcdsa, kMx));
  TlsConnection client;
  ASSERT_TRUE(client.Start(pki.context()->ctx(), kMx, 64 * 1024));
  ASSERT_EQ(HandshakeWith(client, server.get()), TlsStep::kDone) << client.error();
  STACK_OF(X509)* chain = client.peer_chain().stack();
  time_t in_ten_years = std::time(nullptr) + 10L * 366 * 24 * 3600;
  long later = VerifyChainTrust(pki.context()->trust_store(), chain, in_ten_years);
  EXPECT_EQ(later, X509_V_ERR_CERT_HAS_EXPIRED);
  ChainValidation verdicts = ValidateChain(chain, later, "", in_ten_years);
  EXPECT_TRUE(verdicts.expired);
  EXPECT_FALSE(verdicts.trusted);
  EXPECT_FALSE(verdicts.hostname_match.has_value());
  EXPECT_EQ(verdicts.error, X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
}

TEST(ChainValidationTest, NoCertificateIsAVerdictNotACrash) {
  ChainValidation verdicts = ValidateChain(nullptr, X509_V_OK, kMx, std::time(nullptr));
  EXPECT_FALSE(verdicts.trusted);
  EXPECT_EQ(verdicts.error, "the peer sent no certificate");
  EXPECT_EQ(VerifyChainTrust(nullptr, nullptr, 0), X509_V_ERR_UNSPECIFIED);
}

}  // namespace
}  // namespace starttls::testing
