#include "scanner/tls/certificate_info.h"

#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/obj.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

namespace starttls {
namespace {

std::string NameText(X509_NAME* name) {
  if (name == nullptr) return {};
  bssl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  const uint8_t* data = nullptr;
  size_t length = 0;
  BIO_mem_contents(bio.get(), &data, &length);
  if (length > kMaxNameBytes) length = kMaxNameBytes;
  return std::string(reinterpret_cast<const char*>(data), length);
}

std::string SerialText(X509* cert) {
  bssl::UniquePtr<BIGNUM> number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!number) return {};
  char* hex = BN_bn2hex(number.get());
  if (hex == nullptr) return {};
  std::string text(hex);
  OPENSSL_free(hex);
  for (char& c : text) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

std::string HexOf(const uint8_t* bytes, size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    hex.push_back(kDigits[bytes[i] >> 4]);
    hex.push_back(kDigits[bytes[i] & 0xF]);
  }
  return hex;
}

void DescribeKey(X509* cert, CertificateInfo* info) {
  bssl::UniquePtr<EVP_PKEY> owned_key(X509_get_pubkey(cert));
  EVP_PKEY* key = owned_key.get();
  if (key == nullptr) {
    ERR_clear_error();
    info->key_type = "unknown";
    return;
  }
  switch (EVP_PKEY_id(key)) {
    case EVP_PKEY_RSA:
      info->key_type = "RSA";
      break;
    case EVP_PKEY_EC:
      info->key_type = "ECDSA";
      break;
    case EVP_PKEY_ED25519:
      info->key_type = "Ed25519";
      break;
    case EVP_PKEY_DSA:
      info->key_type = "DSA";
      break;
    default:
      info->key_type = "unknown";
      break;
  }
  info->key_bits = EVP_PKEY_bits(key);
}

void CollectDnsNames(X509* cert, CertificateInfo* info) {
  bssl::UniquePtr<GENERAL_NAMES> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  ERR_clear_error();
  if (!names) return;
  for (size_t i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    if (info->dns_names.size() >= kMaxDnsNames) break;
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_DNS) continue;
    const ASN1_STRING* text = name->d.dNSName;
    size_t length = static_cast<size_t>(ASN1_STRING_length(text));
    if (length > kMaxNameBytes) length = kMaxNameBytes;
    info->dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                                 length);
  }
}

}  // namespace

bool AsnTimeToUnix(const ASN1_TIME* time, int64_t* out) {
  if (time == nullptr) return false;
  bssl::UniquePtr<ASN1_TIME> epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (!epoch || !ASN1_TIME_diff(&days, &seconds, epoch.get(), time)) {
    ERR_clear_error();
    return false;
  }
  *out = int64_t{days} * 86400 + seconds;
  return true;
}

CertificateInfo DescribeCertificate(X509* cert, bool keep_der, std::string_view der) {
  CertificateInfo info;
  info.subject = NameText(X509_get_subject_name(cert));
  info.issuer = NameText(X509_get_issuer_name(cert));
  info.serial = SerialText(cert);
  info.validity_parsed = AsnTimeToUnix(X509_get0_notBefore(cert), &info.not_before_unix_s) &&
                         AsnTimeToUnix(X509_get0_notAfter(cert), &info.not_after_unix_s);
  CollectDnsNames(cert, &info);
  DescribeKey(cert, &info);
  int nid = X509_get_signature_nid(cert);
  const char* algorithm = nid == NID_undef ? nullptr : OBJ_nid2ln(nid);
  info.signature_algorithm = algorithm != nullptr ? algorithm : "unknown";

  uint8_t* encoded = nullptr;
  if (der.empty()) {  // re-encoded only when the caller does not hold the bytes received
    int length = i2d_X509(cert, &encoded);
    if (length > 0)
      der = std::string_view(reinterpret_cast<const char*>(encoded), static_cast<size_t>(length));
  }
  if (!der.empty()) {
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const uint8_t*>(der.data()), der.size(), digest);
    info.sha256 = HexOf(digest, sizeof digest);
    if (keep_der) info.der.assign(der);
  }
  OPENSSL_free(encoded);
  ERR_clear_error();
  return info;
}

}  // namespace starttls
