// The facts recorded per peer certificate (docs/rules.md §5): names, serial, validity, DNS SANs,
// key, signature algorithm, SHA-256 fingerprint and, on request, the DER.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starttls {

struct CertificateInfo {
  std::string subject;  // RFC 2253 form, as `openssl x509 -nameopt RFC2253` prints it
  std::string issuer;
  std::string serial;  // upper-case hex, '-' first when negative
  int64_t not_before_unix_s = 0;
  int64_t not_after_unix_s = 0;
  bool validity_parsed = false;
  std::vector<std::string> dns_names;  // bytes as the certificate holds them
  std::string key_type;                // RSA, ECDSA, Ed25519, DSA, unknown
  int key_bits = 0;
  std::string signature_algorithm;  // e.g. ecdsa-with-SHA256
  std::string sha256;               // lower-case hex of the DER's SHA-256
  std::string der;                  // raw DER; only when asked for
};

// At most this many SANs and bytes of names are kept per certificate (caps on peer data).
inline constexpr size_t kMaxDnsNames = 256;
inline constexpr size_t kMaxNameBytes = 4096;

// `der`: the certificate's bytes as received, when the caller has them (else re-encoded).
CertificateInfo DescribeCertificate(X509* cert, bool keep_der, std::string_view der = {});

// The certificate's validity bound as seconds since the epoch; false if unparsable.
bool AsnTimeToUnix(const ASN1_TIME* time, int64_t* out);

}  // namespace starttls
