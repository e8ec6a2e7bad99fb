// The lab's PKI, with BoringSSL: a CA (written to RUN_DIR/ca.pem), one ECDSA P-256 and one
// RSA-2048 leaf key — kept in RUN_DIR/lab-pki.pem and reused by every later start on the run
// dir (lab_pki_file.h), so TLSA digests written into the zone stay true — and per MX name leaf
// certificates of each kind, minted on first use (leaf_minter.h: one ECDSA signature each) and
// cached, bounded. CA-issued leaves are served with the CA after them, as servers send their
// chain (a DANE-TA record of the CA can then match, RFC 7672 §3.1.2). The hostile kinds'
// extra certificates (fillers, one 1 MiB leaf) are made once, on first use, and shared.
// Certificates are held as CRYPTO_BUFFERs and handed to each SSL without re-encoding.
//
// `--pki intermediates` (PkiShape): the CA-issued leaves come from a few intermediates under the
// CA instead — two ECDSA P-256 and two RSA-2048 ones, made at each start (only the CA is a
// trust anchor, so they need not persist) — and are served as leaf + intermediate, the chain
// most mail servers send. Each MX name's leaf key is RSA-2048 for `rsa_percent` of the names
// (a hash of the name) and ECDSA P-256 otherwise, under an intermediate of its key's type, so a
// scan meets many distinct leaves under a few intermediates, as on the Internet.
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
inline constexpr size_t kFillerCertificates = 98;  // hostile_tls_chain_100: leaf + CA + 98
inline constexpr size_t kHugeCertificatePadding = 1u << 20;  // hostile_tls_huge_cert

struct PkiShape {
  bool intermediates = false;  // leaves under intermediates (above), not straight under the CA
  unsigned rsa_percent = 80;   // with intermediates: share of MX names with an RSA-2048 leaf
};
inline constexpr size_t kIntermediatesPerKeyType = 2;

class CertStore {
 public:
  // Loads the CA and leaf keys from RUN_DIR/lab-pki.pem, or generates and writes them there;
  // writes RUN_DIR/ca.pem and makes the TLS contexts (and the intermediates, if asked).
  bool Init(const std::string& run_dir, std::string& error, const PkiShape& shape = {});
  // A new server SSL for `versions`, with the chain of `kind` for `mx`; nullptr on failure.
  SSL* NewSsl(TlsVersions versions, CertKind kind, std::string_view mx);
  // Puts the chain of `kind` for `name` and its key on `ssl`: for servers that pick the
  // certificate by SNI (policy-lab). Only the five plain kinds.
  bool UseLeaf(SSL* ssl, CertKind kind, std::string_view name);

  X509* ca() const { return ca_.get(); }
  // The intermediates (empty unless PkiShape::intermediates), ECDSA ones first.
  std::vector<X509*> intermediates() const;
  // The key of every leaf of `kind` (one ECDSA key, one RSA key for all names).
  EVP_PKEY* leaf_key(CertKind kind) const {
    return kind == CertKind::kValidRsa ? rsa_key_.get() : ecdsa_key_.get();
  }

 private:
  struct Intermediate {
    bssl::UniquePtr<EVP_PKEY> key;
    bssl::UniquePtr<X509> cert;
    bssl::UniquePtr<CRYPTO_BUFFER> buffer;
    std::string name_der, key_id;
  };
  // Under intermediates: whether `mx`'s leaf of `kind` has an RSA key, and its issuer.
  bool LeafIsRsa(CertKind kind, std::string_view mx) const;
  const Intermediate& IssuerOf(CertKind kind, std::string_view mx) const;
  EVP_PKEY* LeafKeyFor(CertKind kind, std::string_view mx) const;
  bool MakeIntermediates(std::string& error);
  CRYPTO_BUFFER* Leaf(CertKind kind, std::string_view mx);
  bool MakePki(const std::string& pki_path, std::string& error);
  bool MakeFillers();
  bool MakeHuge();
  // leaf (+ CA unless self-signed) (+ fillers for the 100-certificate chain) into `chain`.
  size_t ChainOf(CertKind kind, std::string_view mx, CRYPTO_BUFFER** chain);

  bssl::UniquePtr<EVP_PKEY> ca_key_, ecdsa_key_, rsa_key_;
  bssl::UniquePtr<X509> ca_;
  bssl::UniquePtr<SSL_CTX> ctx_[3];
  bssl::UniquePtr<CRYPTO_BUFFER_POOL> pool_;
  bssl::UniquePtr<CRYPTO_BUFFER> ca_buffer_;
  // Per CertKind (the first five): what MintLeaf needs besides the name.
  LeafTemplate templates_[5];
  PkiShape shape_;
  std::vector<Intermediate> intermediates_;  // ECDSA ones, then RSA ones
  std::string ecdsa_spki_, ecdsa_key_id_, rsa_spki_, rsa_key_id_;
  std::unordered_map<std::string, bssl::UniquePtr<CRYPTO_BUFFER>> cache_;
  std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> fillers_;
  bssl::UniquePtr<CRYPTO_BUFFER> huge_;
  uint64_t serial_ = 1000;
};

}  // namespace starttls::lab
