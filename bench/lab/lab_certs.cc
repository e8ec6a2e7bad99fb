#include "bench/lab/lab_certs.h"

#include <openssl/bn.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <unistd.h>

#include "bench/lab/lab_pki_file.h"

namespace starttls::lab {
namespace {

constexpr long kDay = 86400;

bssl::UniquePtr<EVP_PKEY> NewEcdsaKey() {
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (!ec || !key || !EC_KEY_generate_key(ec.get()) || !EVP_PKEY_assign_EC_KEY(key.get(), ec.release()))
    return nullptr;
  return key;
}

bssl::UniquePtr<EVP_PKEY> NewRsaKey() {
  bssl::UniquePtr<RSA> rsa(RSA_new());
  bssl::UniquePtr<BIGNUM> e(BN_new());
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (!rsa || !e || !key || !BN_set_word(e.get(), RSA_F4) ||
      !RSA_generate_key_ex(rsa.get(), 2048, e.get(), nullptr) ||
      !EVP_PKEY_assign_RSA(key.get(), rsa.release()))
    return nullptr;
  return key;
}

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

struct CertParams {
  std::string cn;
  std::string san;            // DNS name; empty for the CA
  EVP_PKEY* key = nullptr;    // subject key
  X509* issuer = nullptr;     // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;
  long not_before = -kDay;    // seconds from now
  long not_after = 365 * kDay;
  bool ca = false;
  uint64_t serial = 1;
};

bssl::UniquePtr<X509> MakeCert(const CertParams& p) {
  bssl::UniquePtr<X509> x(X509_new());
  if (!x || !X509_set_version(x.get(), X509_VERSION_3) ||
      !ASN1_INTEGER_set_uint64(X509_get_serialNumber(x.get()), p.serial) ||
      !X509_gmtime_adj(X509_getm_notBefore(x.get()), p.not_before) ||
      !X509_gmtime_adj(X509_getm_notAfter(x.get()), p.not_after) ||
      !X509_set_pubkey(x.get(), p.key))
    return nullptr;
  X509_NAME* name = X509_get_subject_name(x.get());
  if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                  reinterpret_cast<const uint8_t*>("smtp-lab"), -1, -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const uint8_t*>(p.cn.c_str()), -1, -1, 0))
    return nullptr;
  X509* issuer = p.issuer ? p.issuer : x.get();
  if (!X509_set_issuer_name(x.get(), X509_get_subject_name(issuer))) return nullptr;
  bool ok = AddExt(x.get(), issuer, NID_subject_key_identifier, "hash") &&
            AddExt(x.get(), issuer, NID_authority_key_identifier, "keyid:always");
  if (p.ca) {
    ok = ok && AddExt(x.get(), issuer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExt(x.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    std::string san = "DNS:" + p.san;
    ok = ok && AddExt(x.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExt(x.get(), issuer, NID_ext_key_usage, "serverAuth") &&
         AddExt(x.get(), issuer, NID_subject_alt_name, san.c_str());
  }
  EVP_PKEY* signer = p.issuer_key ? p.issuer_key : p.key;
  if (!ok || !X509_sign(x.get(), signer, EVP_sha256())) return nullptr;
  return x;
}

}  // namespace

bool CertStore::MakePki(const std::string& pki_path, std::string& error) {
  ca_key_ = NewEcdsaKey();
  ecdsa_key_ = NewEcdsaKey();
  rsa_key_ = NewRsaKey();
  if (!ca_key_ || !ecdsa_key_ || !rsa_key_) {
    error = "key generation failed";
    return false;
  }
  CertParams ca;
  ca.cn = "smtp-lab CA";
  ca.key = ca_key_.get();
  ca.not_after = 3650 * kDay;
  ca.ca = true;
  ca.serial = 1;
  ca_ = MakeCert(ca);
  if (!ca_) {
    error = "CA certificate generation failed";
    return false;
  }
  LabPki pki;
  pki.ca = bssl::UpRef(ca_);
  pki.ca_key = bssl::UpRef(ca_key_);
  pki.ecdsa_key = bssl::UpRef(ecdsa_key_);
  pki.rsa_key = bssl::UpRef(rsa_key_);
  return SaveLabPki(pki_path, pki, error);
}

bool CertStore::Init(const std::string& run_dir, std::string& error) {
  // The PKI of an earlier start on this run dir is reused (lab_pki_file.h): TLSA digests and
  // policy-lab's certificates computed from it stay true.
  std::string pki_path = LabPkiPath(run_dir);
  if (access(pki_path.c_str(), F_OK) == 0) {
    LabPki pki;
    if (!LoadLabPki(pki_path, pki, error)) return false;
    ca_ = std::move(pki.ca);
    ca_key_ = std::move(pki.ca_key);
    ecdsa_key_ = std::move(pki.ecdsa_key);
    rsa_key_ = std::move(pki.rsa_key);
  } else if (!MakePki(pki_path, error)) {
    return false;
  }
  // Through a temporary file: another program of the lab may be reading ca.pem right now.
  std::string path = run_dir + "/ca.pem";
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  bssl::UniquePtr<BIO> bio(BIO_new_file(tmp.c_str(), "w"));
  bool written = bio && PEM_write_bio_X509(bio.get(), ca_.get());
  bio.reset();
  if (!written || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    error = "cannot write " + path;
    return false;
  }
  const uint16_t ranges[3][2] = {{TLS1_2_VERSION, TLS1_3_VERSION},
                                 {TLS1_2_VERSION, TLS1_2_VERSION},
                                 {TLS1_3_VERSION, TLS1_3_VERSION}};
  for (int i = 0; i < 3; ++i) {
    ctx_[i].reset(SSL_CTX_new(TLS_method()));
    if (!ctx_[i] || !SSL_CTX_set_min_proto_version(ctx_[i].get(), ranges[i][0]) ||
        !SSL_CTX_set_max_proto_version(ctx_[i].get(), ranges[i][1])) {
      error = "SSL_CTX setup failed";
      return false;
    }
  }
  return true;
}

X509* CertStore::Leaf(CertKind kind, const std::string& mx) {
  std::string key = std::to_string(static_cast<int>(kind)) + mx;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.get();
  if (cache_.size() >= 50000) cache_.clear();  // bounded: re-minting is cheap
  CertParams p;
  p.cn = mx;
  p.san = mx;
  p.key = ecdsa_key_.get();
  p.issuer = ca_.get();
  p.issuer_key = ca_key_.get();
  p.serial = ++serial_;
  switch (kind) {
    case CertKind::kValidEcdsa: break;
    case CertKind::kValidRsa: p.key = rsa_key_.get(); break;
    case CertKind::kExpired:
      p.not_before = -400 * kDay;
      p.not_after = -30 * kDay;
      break;
    case CertKind::kWrongName:
      p.cn = p.san = std::string(kWrongName);
      break;
    case CertKind::kSelfSigned:
      p.issuer = nullptr;
      p.issuer_key = nullptr;
      break;
  }
  auto cert = MakeCert(p);
  X509* raw = cert.get();
  if (cert) cache_.emplace(std::move(key), std::move(cert));
  return raw;
}

bool CertStore::UseLeaf(SSL* ssl, CertKind kind, const std::string& name) {
  X509* leaf = Leaf(kind, name);
  if (!leaf) return false;
  if (!SSL_use_certificate(ssl, leaf) || !SSL_use_PrivateKey(ssl, leaf_key(kind))) return false;
  // CA-issued leaves come with the CA certificate, as servers send their chain: a DANE-TA(2)
  // TLSA record of the CA can then match a certificate of the chain (RFC 7672 §3.1.2).
  if (kind != CertKind::kSelfSigned && !SSL_add1_chain_cert(ssl, ca_.get())) return false;
  return true;
}

SSL* CertStore::NewSsl(TlsVersions versions, CertKind kind, const std::string& mx) {
  SSL* ssl = SSL_new(ctx_[static_cast<int>(versions)].get());
  if (!ssl) return nullptr;
  if (!UseLeaf(ssl, kind, mx)) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

}  // namespace starttls::lab
