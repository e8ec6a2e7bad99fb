#include "bench/lab/leaf_minter.h"

#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <time.h>

#include <cstdio>

namespace starttls::lab {
namespace {

// DER object identifiers (contents octets only).
constexpr uint8_t kOidEcdsaSha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
constexpr uint8_t kOidRsaSha256[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
constexpr uint8_t kOidOrganization[] = {0x55, 0x04, 0x0a};
constexpr uint8_t kOidCommonName[] = {0x55, 0x04, 0x03};
constexpr uint8_t kOidSubjectKeyId[] = {0x55, 0x1d, 0x0e};
constexpr uint8_t kOidAuthorityKeyId[] = {0x55, 0x1d, 0x23};
constexpr uint8_t kOidBasicConstraints[] = {0x55, 0x1d, 0x13};
constexpr uint8_t kOidExtKeyUsage[] = {0x55, 0x1d, 0x25};
constexpr uint8_t kOidSubjectAltName[] = {0x55, 0x1d, 0x11};
constexpr uint8_t kOidServerAuth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};

template <size_t N>
bool AddOid(CBB* cbb, const uint8_t (&oid)[N]) {
  CBB c;
  return CBB_add_asn1(cbb, &c, CBS_ASN1_OBJECT) && CBB_add_bytes(&c, oid, N) && CBB_flush(cbb);
}

bool AddBytes(CBB* cbb, std::string_view der) {
  return CBB_add_bytes(cbb, reinterpret_cast<const uint8_t*>(der.data()), der.size());
}

bool SignsWithRsa(const EVP_PKEY* signer) { return EVP_PKEY_id(signer) == EVP_PKEY_RSA; }

// ecdsa-with-SHA256 (no parameters), or sha256WithRSAEncryption (NULL parameters, RFC 4055).
bool AddAlgorithm(CBB* cbb, bool rsa) {
  CBB seq, null;
  if (!CBB_add_asn1(cbb, &seq, CBS_ASN1_SEQUENCE)) return false;
  if (rsa) {
    if (!AddOid(&seq, kOidRsaSha256) || !CBB_add_asn1(&seq, &null, CBS_ASN1_NULL)) return false;
  } else if (!AddOid(&seq, kOidEcdsaSha256)) {
    return false;
  }
  return CBB_flush(cbb);
}

// O=smtp-lab, CN=name.
bool AddName(CBB* cbb, std::string_view cn) {
  CBB name, set, attr, value;
  if (!CBB_add_asn1(cbb, &name, CBS_ASN1_SEQUENCE)) return false;
  const std::pair<std::string_view, bool> parts[2] = {{"smtp-lab", true}, {cn, false}};
  for (const auto& [text, organization] : parts) {
    if (!CBB_add_asn1(&name, &set, CBS_ASN1_SET) || !CBB_add_asn1(&set, &attr, CBS_ASN1_SEQUENCE) ||
        !(organization ? AddOid(&attr, kOidOrganization) : AddOid(&attr, kOidCommonName)) ||
        !CBB_add_asn1(&attr, &value, CBS_ASN1_UTF8STRING) || !AddBytes(&value, text) ||
        !CBB_flush(&name))
      return false;
  }
  return CBB_flush(cbb);
}

// Extension SEQUENCE { oid, [critical,] OCTET STRING { value } }; `value` is filled by `fill`.
template <size_t N, typename Fill>
bool AddExtension(CBB* exts, const uint8_t (&oid)[N], bool critical, Fill fill) {
  CBB ext, octets;
  return CBB_add_asn1(exts, &ext, CBS_ASN1_SEQUENCE) && AddOid(&ext, oid) &&
         (!critical || CBB_add_asn1_bool(&ext, 1)) &&
         CBB_add_asn1(&ext, &octets, CBS_ASN1_OCTETSTRING) && fill(&octets) && CBB_flush(exts);
}

bool AddTbs(CBB* cbb, const LeafTemplate& t, std::string_view name, uint64_t serial) {
  CBB tbs, version, exts_wrapper, exts;
  if (!CBB_add_asn1(cbb, &tbs, CBS_ASN1_SEQUENCE) ||
      !CBB_add_asn1(&tbs, &version, CBS_ASN1_CONTEXT_SPECIFIC | CBS_ASN1_CONSTRUCTED | 0) ||
      !CBB_add_asn1_uint64(&version, 2) || !CBB_add_asn1_uint64(&tbs, serial) ||
      !AddAlgorithm(&tbs, SignsWithRsa(t.signer)))
    return false;
  if (t.issuer_name.empty() ? !AddName(&tbs, name) : !AddBytes(&tbs, t.issuer_name)) return false;
  if (!AddBytes(&tbs, t.validity) || !AddName(&tbs, name) || !AddBytes(&tbs, t.spki)) return false;
  if (!CBB_add_asn1(&tbs, &exts_wrapper, CBS_ASN1_CONTEXT_SPECIFIC | CBS_ASN1_CONSTRUCTED | 3) ||
      !CBB_add_asn1(&exts_wrapper, &exts, CBS_ASN1_SEQUENCE))
    return false;
  bool ok = AddExtension(&exts, kOidSubjectKeyId, false,
                         [&](CBB* v) {
                           return CBB_add_asn1_octet_string(
                               v, reinterpret_cast<const uint8_t*>(t.subject_key_id.data()),
                               t.subject_key_id.size());
                         }) &&
            AddExtension(&exts, kOidAuthorityKeyId, false,
                         [&](CBB* v) {
                           CBB seq, id;
                           return CBB_add_asn1(v, &seq, CBS_ASN1_SEQUENCE) &&
                                  CBB_add_asn1(&seq, &id, CBS_ASN1_CONTEXT_SPECIFIC | 0) &&
                                  AddBytes(&id, t.issuer_key_id) && CBB_flush(v);
                         }) &&
            AddExtension(&exts, kOidBasicConstraints, true,
                         [](CBB* v) {
                           CBB seq;
                           return CBB_add_asn1(v, &seq, CBS_ASN1_SEQUENCE) && CBB_flush(v);
                         }) &&
            AddExtension(&exts, kOidExtKeyUsage, false,
                         [](CBB* v) {
                           CBB seq;
                           return CBB_add_asn1(v, &seq, CBS_ASN1_SEQUENCE) &&
                                  AddOid(&seq, kOidServerAuth) && CBB_flush(v);
                         }) &&
            AddExtension(&exts, kOidSubjectAltName, false, [&](CBB* v) {
              CBB seq, dns;
              return CBB_add_asn1(v, &seq, CBS_ASN1_SEQUENCE) &&
                     CBB_add_asn1(&seq, &dns, CBS_ASN1_CONTEXT_SPECIFIC | 2) &&
                     AddBytes(&dns, name) && CBB_flush(v);
            });
  return ok && CBB_flush(cbb);
}

bool AddUtcTime(CBB* cbb, time_t when) {
  tm t;
  gmtime_r(&when, &t);
  char text[64];
  std::snprintf(text, sizeof text, "%02d%02d%02d%02d%02d%02dZ", t.tm_year % 100, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
  CBB c;
  return CBB_add_asn1(cbb, &c, CBS_ASN1_UTCTIME) && AddBytes(&c, std::string_view(text, 13)) &&
         CBB_flush(cbb);
}

}  // namespace

std::string EncodeValidity(long not_before, long not_after) {
  bssl::ScopedCBB cbb;
  CBB seq;
  time_t now = time(nullptr);
  uint8_t* der = nullptr;
  size_t len = 0;
  if (!CBB_init(cbb.get(), 64) || !CBB_add_asn1(cbb.get(), &seq, CBS_ASN1_SEQUENCE) ||
      !AddUtcTime(&seq, now + not_before) || !AddUtcTime(&seq, now + not_after) ||
      !CBB_finish(cbb.get(), &der, &len))
    return {};
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

bssl::UniquePtr<CRYPTO_BUFFER> MintLeaf(const LeafTemplate& t, std::string_view name,
                                        uint64_t serial, CRYPTO_BUFFER_POOL* pool) {
  // The TBS first (its bytes are signed), then the certificate around it.
  bssl::ScopedCBB tbs_cbb;
  uint8_t* tbs = nullptr;
  size_t tbs_len = 0;
  if (!CBB_init(tbs_cbb.get(), 600) || !AddTbs(tbs_cbb.get(), t, name, serial) ||
      !CBB_finish(tbs_cbb.get(), &tbs, &tbs_len))
    return nullptr;
  OpenSslBytes tbs_owner(tbs);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(tbs, tbs_len, digest);
  const bool rsa = SignsWithRsa(t.signer);
  uint8_t sig[512];  // a P-256 DER signature is at most 72 bytes, an RSA-2048 one 256
  unsigned sig_len = 0;
  if (rsa) {
    const RSA* key = EVP_PKEY_get0_RSA(t.signer);
    if (!key || RSA_size(key) > sizeof sig ||
        !RSA_sign(NID_sha256, digest, sizeof digest, sig, &sig_len, const_cast<RSA*>(key)))
      return nullptr;
  } else {
    const EC_KEY* key = EVP_PKEY_get0_EC_KEY(t.signer);
    if (!key || ECDSA_size(key) > sizeof sig ||
        !ECDSA_sign(0, digest, sizeof digest, sig, &sig_len, key))
      return nullptr;
  }

  bssl::ScopedCBB cbb;
  CBB cert, bits;
  uint8_t* der = nullptr;
  size_t len = 0;
  if (!CBB_init(cbb.get(), tbs_len + 100) || !CBB_add_asn1(cbb.get(), &cert, CBS_ASN1_SEQUENCE) ||
      !CBB_add_bytes(&cert, tbs, tbs_len) || !AddAlgorithm(&cert, rsa) ||
      !CBB_add_asn1(&cert, &bits, CBS_ASN1_BITSTRING) || !CBB_add_u8(&bits, 0) ||
      !CBB_add_bytes(&bits, sig, sig_len) || !CBB_finish(cbb.get(), &der, &len))
    return nullptr;
  OpenSslBytes der_owner(der);
  return bssl::UniquePtr<CRYPTO_BUFFER>(CRYPTO_BUFFER_new(der, len, pool));
}

}  // namespace starttls::lab
