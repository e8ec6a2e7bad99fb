// The lab's PKI, made at start-up with BoringSSL: a CA (written to RUN_DIR/ca.pem), one ECDSA
// P-256 and one RSA-2048 leaf key, and per MX name leaf certificates of each kind, minted on
// first use (leaf_minter.h: one ECDSA signature each) and cached, bounded. The hostile kinds'
// extra certificates (99 fillers, one 1 MiB leaf) are made once, on first use, and shared.
// Certificates are held as CRYPTO_BUFFERs and handed to each SSL without re-encoding.
#pragma once
#include <openssl/pool.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/leaf_minter.h"

namespace starttls::lab {

inline constexpr std::string_view kWrongName = "mail.wrong-name.test";
inline constexpr size_t kFillerCertificates = 99;       // hostile_tls_chain_100: leaf + 99
inline constexpr size_t kHugeCertificatePadding = 1u << 20;  // hostile_tls_huge_cert

class CertStore {
 public:
  // Generates the CA and leaf keys, writes RUN_DIR/ca.pem and makes the TLS contexts.
  bool Init(const std::string& run_dir, std::string& error);
  // A new server SSL for `versions`, with the chain of `kind` for `mx`; nullptr on failure.
  SSL* NewSsl(TlsVersions versions, CertKind kind, std::string_view mx);

 private:
  CRYPTO_BUFFER* Leaf(CertKind kind, std::string_view mx);
  bool MakeFillers();
  bool MakeHuge();

  bssl::UniquePtr<EVP_PKEY> ca_key_, ecdsa_key_, rsa_key_;
  bssl::UniquePtr<X509> ca_;
  bssl::UniquePtr<SSL_CTX> ctx_[3];
  bssl::UniquePtr<CRYPTO_BUFFER_POOL> pool_;
  // Per CertKind (the first five): what MintLeaf needs besides the name.
  LeafTemplate templates_[5];
  std::unordered_map<std::string, bssl::UniquePtr<CRYPTO_BUFFER>> cache_;
  std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> fillers_;
  bssl::UniquePtr<CRYPTO_BUFFER> huge_;
  uint64_t serial_ = 1000;
};

}  // namespace starttls::lab
