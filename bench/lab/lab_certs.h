// The lab's PKI, made at start-up with BoringSSL's X509 API: a CA (written to RUN_DIR/ca.pem),
// one ECDSA P-256 and one RSA-2048 leaf key, and per MX name leaf certificates of each kind,
// minted on first use and cached (one ECDSA signature each, so millions of names stay cheap).
#pragma once
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <unordered_map>

#include "bench/lab/behaviour_table.h"

namespace starttls::lab {

inline constexpr std::string_view kWrongName = "mail.wrong-name.test";

class CertStore {
 public:
  // Loads the CA and leaf keys from RUN_DIR/lab-pki.pem, or generates and writes them there
  // (lab_pki_file.h); writes RUN_DIR/ca.pem and makes the TLS contexts.
  bool Init(const std::string& run_dir, std::string& error);
  // A new server SSL for `versions`, with the leaf of `kind` for `mx`; nullptr on failure.
  SSL* NewSsl(TlsVersions versions, CertKind kind, const std::string& mx);
  // Puts the leaf of `kind` for `name` (and the CA after it, unless self-signed) on `ssl`:
  // for servers that pick the certificate by SNI (policy-lab).
  bool UseLeaf(SSL* ssl, CertKind kind, const std::string& name);

  X509* ca() const { return ca_.get(); }
  // The key of every leaf of `kind` (one ECDSA key, one RSA key for all names).
  EVP_PKEY* leaf_key(CertKind kind) const {
    return kind == CertKind::kValidRsa ? rsa_key_.get() : ecdsa_key_.get();
  }

 private:
  X509* Leaf(CertKind kind, const std::string& mx);
  bool MakePki(const std::string& pki_path, std::string& error);

  bssl::UniquePtr<EVP_PKEY> ca_key_, ecdsa_key_, rsa_key_;
  bssl::UniquePtr<X509> ca_;
  bssl::UniquePtr<SSL_CTX> ctx_[3];
  std::unordered_map<std::string, bssl::UniquePtr<X509>> cache_;
  uint64_t serial_ = 1000;
};

}  // namespace starttls::lab
