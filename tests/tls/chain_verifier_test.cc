// The ChainVerifier's verdict (a remembered path and the leaf's own checks where it can) must be
// X509_verify_cert's, error code included, on the lab's whole certificate set: leaves under the
// four intermediates (RSA and ECDSA), expired, wrong-name, self-signed, 100-certificate chains,
// chains from another lab whose root is not trusted, and chains put together wrong (the wrong
// intermediate, none, extra or reordered certificates), judged now, before the leaves are
// valid and after they expire.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pool.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "scanner/tls/chain_verifier.h"
#include "scanner/tls/tls_connection.h"
#include "tests/tls/tls_test_peer.h"

namespace starttls::testing {
namespace {

using lab::CertKind;
using lab::TlsVersions;

// The reference: X509_verify_cert on the whole chain as untrusted certificates, as a TLS
// server certificate (purpose set directly, not through the verifier's code).
long ReferenceVerdict(X509_STORE* anchors, STACK_OF(X509) * chain, time_t now) {
  bssl::UniquePtr<X509_STORE_CTX> context(X509_STORE_CTX_new());
  if (!context || !X509_STORE_CTX_init(context.get(), anchors, sk_X509_value(chain, 0), chain)) {
    ERR_clear_error();
    return X509_V_ERR_UNSPECIFIED;
  }
  X509_STORE_CTX_set_time(context.get(), 0, now);
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
  long result =
      X509_verify_cert(context.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(context.get());
  ERR_clear_error();
  return result;
}

std::string DerOf(X509* cert) {
  uint8_t* der = nullptr;
  int length = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length > 0 ? length : 0));
  OPENSSL_free(der);
  return out;
}

// Chains as DER lists, turned into CRYPTO_BUFFERs of one pool (so one certificate is one
// buffer, as the scanner's context makes them) and judged both ways. The pool must outlive
// the context: its verifier keeps buffers.
class ChainJudge {
 public:
  ChainJudge(const TlsClientContext* context, CRYPTO_BUFFER_POOL* pool)
      : context_(context), pool_(pool) {}

  void Judge(const std::vector<std::string>& ders, time_t now, const std::string& what) {
    bssl::UniquePtr<STACK_OF(CRYPTO_BUFFER)> stack(sk_CRYPTO_BUFFER_new_null());
    for (const std::string& der : ders) {
      bssl::UniquePtr<CRYPTO_BUFFER> buffer(
          CRYPTO_BUFFER_new(reinterpret_cast<const uint8_t*>(der.data()), der.size(), pool_));
      ASSERT_TRUE(bssl::PushToStack(stack.get(), std::move(buffer)));
    }
    PeerChain chain;
    ASSERT_TRUE(context_->verifier().Load(stack.get(), &chain)) << what;
    ASSERT_EQ(chain.size(), ders.size());
    long reference = ReferenceVerdict(context_->trust_store(), chain.stack(), now);
    long verdict = context_->verifier().Verify(chain, now);
    EXPECT_EQ(verdict, reference) << what << ": " << X509_verify_cert_error_string(verdict)
                                  << " vs " << X509_verify_cert_error_string(reference);
    ++verdicts_[reference];
  }
  const std::map<long, int>& verdicts() const { return verdicts_; }

 private:
  const TlsClientContext* context_;
  CRYPTO_BUFFER_POOL* pool_;
  std::map<long, int> verdicts_;
};

// The chain `pki` serves for `kind` and `name`, as the scanner's client receives it.
std::vector<std::string> ServedChain(TestPki& pki, CertKind kind, const std::string& name) {
  bssl::UniquePtr<SSL> server(pki.store().NewSsl(TlsVersions::kTls13Only, kind, name));
  TlsConnection client;
  std::vector<std::string> ders;
  if (!server || !client.Start(pki.context()->ctx(), name, 1 << 20) ||
      HandshakeWith(client, server.get()) != TlsStep::kDone) {
    ADD_FAILURE() << "handshake failed: " << client.error();
    return ders;
  }
  client.peer_chain().AppendDer(200, &ders);
  return ders;
}

TEST(ChainVerifierTest, VerdictEqualsFullVerificationOnTheLabsCertificates) {
  bssl::UniquePtr<CRYPTO_BUFFER_POOL> pool(CRYPTO_BUFFER_POOL_new());
  lab::PkiShape shape;
  shape.intermediates = true;
  shape.rsa_percent = 50;
  TestPki pki(shape);
  TestPki other(shape);  // another lab: its root is no anchor of pki's context
  TestPki flat;          // leaves straight under a third root
  ASSERT_TRUE(pki.ok() && other.ok() && flat.ok());
  std::vector<std::string> intermediates;
  for (X509* cert : pki.store().intermediates()) intermediates.push_back(DerOf(cert));
  ASSERT_EQ(intermediates.size(), 2 * lab::kIntermediatesPerKeyType);
  const std::string root = DerOf(pki.store().ca());

  const time_t now = std::time(nullptr);
  const time_t times[] = {now, now - 2 * 86400, now + 400L * 86400, now + 4L * 366 * 86400};
  ChainJudge judge(pki.context(), pool.get());
  for (int n = 0; n < 60; ++n) {
    std::string name = "mx-" + std::to_string(n) + ".lab.test";
    for (CertKind kind : {CertKind::kValidEcdsa, CertKind::kValidRsa, CertKind::kExpired,
                          CertKind::kWrongName, CertKind::kSelfSigned}) {
      std::vector<std::string> served = ServedChain(pki, kind, name);
      ASSERT_FALSE(served.empty());
      std::vector<std::vector<std::string>> chains = {served, ServedChain(other, kind, name)};
      if (n % 10 == 0) chains.push_back(ServedChain(flat, kind, name));
      if (kind != CertKind::kSelfSigned) {
        const std::string& leaf = served[0];
        chains.push_back({leaf});                         // the intermediate left out
        chains.push_back({leaf, served[1], root});        // the root sent too
        chains.push_back({leaf, root, served[1]});        // out of order
        for (const std::string& wrong : intermediates) {  // the wrong issuer
          if (wrong != served[1]) chains.push_back({leaf, wrong});
        }
      }
      for (const auto& chain : chains) {
        for (time_t when : times)
          judge.Judge(chain, when, name + " kind " + std::to_string(static_cast<int>(kind)));
      }
    }
  }
  // One 100-certificate chain (its fillers off the path) and one leaf under a bare CA.
  judge.Judge(ServedChain(pki, CertKind::kChain100, "mx-100.lab.test"), now, "chain100");
  judge.Judge(ServedChain(flat, CertKind::kChain100, "mx-100.lab.test"), now, "flat chain100");

  // The set holds trusted chains and each kind of failure; the shortcut did most of the work.
  const auto& verdicts = judge.verdicts();
  for (long expected :
       {long{X509_V_OK}, long{X509_V_ERR_CERT_HAS_EXPIRED}, long{X509_V_ERR_CERT_NOT_YET_VALID},
        long{X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
        long{X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT}}) {
    EXPECT_GT(verdicts.count(expected), 0u) << X509_verify_cert_error_string(expected);
  }
  EXPECT_GT(pki.context()->verifier().shortcut_count(), 200u);
  EXPECT_GT(pki.context()->verifier().full_count(), 200u);
}

TEST(ChainVerifierTest, AnUnparsableCertificateEndsTheLoad) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  bssl::UniquePtr<STACK_OF(CRYPTO_BUFFER)> stack(sk_CRYPTO_BUFFER_new_null());
  static const uint8_t kJunk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  ASSERT_TRUE(bssl::PushToStack(stack.get(), bssl::UniquePtr<CRYPTO_BUFFER>(
                                                 CRYPTO_BUFFER_new(kJunk, sizeof kJunk, nullptr))));
  PeerChain chain;
  EXPECT_FALSE(pki.context()->verifier().Load(stack.get(), &chain));
  ERR_clear_error();
  EXPECT_EQ(chain.size(), 0u);
  EXPECT_TRUE(pki.context()->verifier().Load(nullptr, &chain));
  EXPECT_EQ(pki.context()->verifier().Verify(chain, std::time(nullptr)), X509_V_ERR_UNSPECIFIED);
}

}  // namespace
}  // namespace starttls::testing
