#include "bench/lab/lab_certs.h"

#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
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
  if (!ec || !key || !EC_KEY_generate_key(ec.get()) ||
      !EVP_PKEY_assign_EC_KEY(key.get(), ec.release()))
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
  std::string san;          // DNS name; empty for the CA
  EVP_PKEY* key = nullptr;  // subject key
  X509* issuer = nullptr;   // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;
  long not_before = -kDay;  // seconds from now
  long not_after = 365 * kDay;
  bool ca = false;
  uint64_t serial = 1;
  size_t padding = 0;  // > 0: a private extension of this many zero octets
};

// Under 2.999, the arc ITU-T X.660 sets aside for examples: no real extension has it.
constexpr const char* kPaddingOid = "2.999.1";

bool AddPadding(X509* cert, size_t bytes) {
  // extnValue = DER OCTET STRING of `bytes` zeros (long-form length, 3 octets: < 16 MiB).
  std::string der = {0x04, static_cast<char>(0x83)};
  for (int shift = 16; shift >= 0; shift -= 8)
    der.push_back(static_cast<char>((bytes >> shift) & 0xff));
  der.append(bytes, '\0');
  bssl::UniquePtr<ASN1_OBJECT> oid(OBJ_txt2obj(kPaddingOid, 1));
  bssl::UniquePtr<ASN1_OCTET_STRING> value(ASN1_OCTET_STRING_new());
  if (!oid || !value ||
      !ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const uint8_t*>(der.data()),
                             static_cast<int>(der.size())))
    return false;
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bssl::UniquePtr<CRYPTO_BUFFER> ToBuffer(X509* x, CRYPTO_BUFFER_POOL* pool) {
  uint8_t* der = nullptr;
  int len = i2d_X509(x, &der);
  if (len <= 0) return nullptr;
  OpenSslBytes owner(der);
  return bssl::UniquePtr<CRYPTO_BUFFER>(CRYPTO_BUFFER_new(der, static_cast<size_t>(len), pool));
}

// DER SubjectPublicKeyInfo of `key`, and its key id (RFC 5280 §4.2.1.2 method 1: SHA-1 of the
// subjectPublicKey bits), as OpenSSL's "subjectKeyIdentifier=hash" computes it.
bool SpkiAndKeyId(EVP_PKEY* key, std::string& spki, std::string& key_id) {
  bssl::ScopedCBB cbb;
  uint8_t* der = nullptr;
  size_t len = 0;
  if (!CBB_init(cbb.get(), 300) || !EVP_marshal_public_key(cbb.get(), key) ||
      !CBB_finish(cbb.get(), &der, &len))
    return false;
  OpenSslBytes owner(der);
  spki.assign(reinterpret_cast<char*>(der), len);
  CBS in, seq, algorithm, bits;
  CBS_init(&in, der, len);
  if (!CBS_get_asn1(&in, &seq, CBS_ASN1_SEQUENCE) ||
      !CBS_get_asn1(&seq, &algorithm, CBS_ASN1_SEQUENCE) ||
      !CBS_get_asn1(&seq, &bits, CBS_ASN1_BITSTRING) || !CBS_skip(&bits, 1))
    return false;
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(CBS_data(&bits), CBS_len(&bits), digest);
  key_id.assign(reinterpret_cast<char*>(digest), sizeof digest);
  return true;
}

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
  if (p.padding) ok = ok && AddPadding(x.get(), p.padding);
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

bool CertStore::Init(const std::string& run_dir, std::string& error, const PkiShape& shape) {
  shape_ = shape;
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
    // Buffers, not X509 objects; no tickets and no session cache: no scanner resumes, and
    // both cost CPU and memory per handshake.
    ctx_[i].reset(SSL_CTX_new(TLS_with_buffers_method()));
    if (!ctx_[i] || !SSL_CTX_set_min_proto_version(ctx_[i].get(), ranges[i][0]) ||
        !SSL_CTX_set_max_proto_version(ctx_[i].get(), ranges[i][1])) {
      error = "SSL_CTX setup failed";
      return false;
    }
    SSL_CTX_set_options(ctx_[i].get(), SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx_[i].get(), SSL_SESS_CACHE_OFF);
  }
  pool_.reset(CRYPTO_BUFFER_POOL_new());
  ca_buffer_ = ToBuffer(ca_.get(), pool_.get());
  if (!ca_buffer_) {
    error = "cannot encode the CA";
    return false;
  }
  // Leaf templates per kind: issuer, validity, key.
  std::string ca_name, ecdsa_spki, ecdsa_id, rsa_spki, rsa_id;
  {
    uint8_t* der = nullptr;
    int len = i2d_X509_NAME(X509_get_subject_name(ca_.get()), &der);
    if (len <= 0) {
      error = "cannot encode the CA name";
      return false;
    }
    ca_name.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  const ASN1_OCTET_STRING* ca_id = X509_get0_subject_key_id(ca_.get());
  if (!ca_id || !SpkiAndKeyId(ecdsa_key_.get(), ecdsa_spki, ecdsa_id) ||
      !SpkiAndKeyId(rsa_key_.get(), rsa_spki, rsa_id)) {
    error = "cannot encode the leaf keys";
    return false;
  }
  std::string ca_key_id(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ca_id)),
                        static_cast<size_t>(ASN1_STRING_length(ca_id)));
  std::string valid = EncodeValidity(-kDay, 365 * kDay);
  auto make = [&](CertKind kind, const std::string& validity, const std::string& spki,
                  const std::string& id, bool self_signed) {
    LeafTemplate& t = templates_[static_cast<int>(kind)];
    t.issuer_name = self_signed ? std::string() : ca_name;
    t.validity = validity;
    t.spki = spki;
    t.subject_key_id = id;
    t.issuer_key_id = self_signed ? id : ca_key_id;
    t.signer = self_signed ? ecdsa_key_.get() : ca_key_.get();
  };
  make(CertKind::kValidEcdsa, valid, ecdsa_spki, ecdsa_id, false);
  make(CertKind::kValidRsa, valid, rsa_spki, rsa_id, false);
  make(CertKind::kExpired, EncodeValidity(-400 * kDay, -30 * kDay), ecdsa_spki, ecdsa_id, false);
  make(CertKind::kWrongName, valid, ecdsa_spki, ecdsa_id, false);
  make(CertKind::kSelfSigned, valid, ecdsa_spki, ecdsa_id, true);
  ecdsa_spki_ = ecdsa_spki;
  ecdsa_key_id_ = ecdsa_id;
  rsa_spki_ = rsa_spki;
  rsa_key_id_ = rsa_id;
  return !shape_.intermediates || MakeIntermediates(error);
}

bool CertStore::MakeIntermediates(std::string& error) {
  for (size_t i = 0; i < 2 * kIntermediatesPerKeyType; ++i) {
    bool rsa = i >= kIntermediatesPerKeyType;
    Intermediate made;
    made.key = rsa ? NewRsaKey() : NewEcdsaKey();
    CertParams p;
    p.cn = std::string("smtp-lab ") + (rsa ? "RSA" : "ECDSA") + " intermediate " +
           std::to_string(i % kIntermediatesPerKeyType + 1);
    p.key = made.key.get();
    p.issuer = ca_.get();
    p.issuer_key = ca_key_.get();
    p.not_after = 3 * 365 * kDay;
    p.ca = true;
    p.serial = 100 + i;
    if (made.key) made.cert = MakeCert(p);
    if (made.cert) made.buffer = ToBuffer(made.cert.get(), pool_.get());
    uint8_t* der = nullptr;
    int len = made.buffer ? i2d_X509_NAME(X509_get_subject_name(made.cert.get()), &der) : 0;
    std::string spki;
    if (len <= 0 || !SpkiAndKeyId(made.key.get(), spki, made.key_id)) {
      OPENSSL_free(der);
      error = "intermediate certificate generation failed";
      return false;
    }
    made.name_der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    intermediates_.push_back(std::move(made));
  }
  return true;
}

std::vector<X509*> CertStore::intermediates() const {
  std::vector<X509*> out;
  for (const Intermediate& i : intermediates_) out.push_back(i.cert.get());
  return out;
}

namespace {
// A stable hash of the name: which key and issuer its leaf gets, the same in every worker.
uint64_t NameHash(std::string_view name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}
}  // namespace

bool CertStore::LeafIsRsa(CertKind kind, std::string_view mx) const {
  if (kind == CertKind::kValidRsa) return true;
  if (!shape_.intermediates || kind == CertKind::kSelfSigned) return false;
  return NameHash(mx) % 100 < shape_.rsa_percent;
}

const CertStore::Intermediate& CertStore::IssuerOf(CertKind kind, std::string_view mx) const {
  size_t index = (NameHash(mx) >> 32) % kIntermediatesPerKeyType;
  if (LeafIsRsa(kind, mx)) index += kIntermediatesPerKeyType;
  return intermediates_[index];
}

EVP_PKEY* CertStore::LeafKeyFor(CertKind kind, std::string_view mx) const {
  return LeafIsRsa(kind, mx) ? rsa_key_.get() : ecdsa_key_.get();
}

CRYPTO_BUFFER* CertStore::Leaf(CertKind kind, std::string_view mx) {
  std::string key(1, static_cast<char>('0' + static_cast<int>(kind)));
  key.append(mx);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.get();
  if (cache_.size() >= 50000) cache_.clear();  // bounded: re-minting is cheap
  std::string_view name = kind == CertKind::kWrongName ? kWrongName : mx;
  LeafTemplate t = templates_[static_cast<int>(kind)];
  if (shape_.intermediates && kind != CertKind::kSelfSigned) {
    const Intermediate& issuer = IssuerOf(kind, mx);
    bool rsa = LeafIsRsa(kind, mx);
    t.issuer_name = issuer.name_der;
    t.issuer_key_id = issuer.key_id;
    t.signer = issuer.key.get();
    t.spki = rsa ? rsa_spki_ : ecdsa_spki_;
    t.subject_key_id = rsa ? rsa_key_id_ : ecdsa_key_id_;
  }
  auto cert = MintLeaf(t, name, ++serial_, pool_.get());
  CRYPTO_BUFFER* raw = cert.get();
  if (cert) cache_.emplace(std::move(key), std::move(cert));
  return raw;
}

bool CertStore::MakeFillers() {
  for (size_t i = 0; i < kFillerCertificates; ++i) {
    CertParams p;
    p.cn = "smtp-lab filler " + std::to_string(i + 1);
    p.san = "filler-" + std::to_string(i + 1) + ".invalid";
    p.key = ecdsa_key_.get();
    p.serial = ++serial_;
    auto cert = MakeCert(p);
    auto buffer = cert ? ToBuffer(cert.get(), pool_.get()) : nullptr;
    if (!buffer) return false;
    fillers_.push_back(std::move(buffer));
  }
  return true;
}

bool CertStore::MakeHuge() {
  CertParams p;
  p.cn = "smtp-lab huge";
  p.san = "*.lab.test";
  p.key = ecdsa_key_.get();
  p.issuer = ca_.get();
  p.issuer_key = ca_key_.get();
  p.serial = ++serial_;
  p.padding = kHugeCertificatePadding;
  auto cert = MakeCert(p);
  if (cert) huge_ = ToBuffer(cert.get(), pool_.get());
  return huge_ != nullptr;
}

size_t CertStore::ChainOf(CertKind kind, std::string_view mx, CRYPTO_BUFFER** chain) {
  size_t n = 0;
  if (kind == CertKind::kHuge) {
    if (!huge_ && !MakeHuge()) return 0;
    chain[n++] = huge_.get();
    return n;
  }
  CertKind leaf_kind = kind == CertKind::kChain100 ? CertKind::kValidEcdsa : kind;
  chain[n++] = Leaf(leaf_kind, mx);
  if (!chain[0]) return 0;
  if (kind != CertKind::kSelfSigned) {
    chain[n++] = shape_.intermediates ? IssuerOf(leaf_kind, mx).buffer.get() : ca_buffer_.get();
  }
  if (kind == CertKind::kChain100) {
    if (fillers_.empty() && !MakeFillers()) return 0;
    for (const auto& f : fillers_) chain[n++] = f.get();
  }
  return n;
}

bool CertStore::UseLeaf(SSL* ssl, CertKind kind, std::string_view name) {
  CRYPTO_BUFFER* chain[2 + kFillerCertificates];
  size_t n = ChainOf(kind, name, chain);
  CertKind leaf_kind = kind == CertKind::kChain100 ? CertKind::kValidEcdsa : kind;
  EVP_PKEY* key = kind == CertKind::kHuge ? ecdsa_key_.get() : LeafKeyFor(leaf_kind, name);
  return n > 0 && SSL_set_chain_and_key(ssl, chain, n, key, nullptr);
}

SSL* CertStore::NewSsl(TlsVersions versions, CertKind kind, std::string_view mx) {
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
