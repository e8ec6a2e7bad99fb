// A TLSA record (RFC 6698 §2.1) and whether a sender may use it for SMTP (RFC 7672 §3.1).
//
// Usable for SMTP: usage DANE-TA(2) or DANE-EE(3) (the PKIX usages 0 and 1 are unusable,
// RFC 7672 §3.1.3: MTAs have no agreed set of trust anchors), selector Cert(0) or SPKI(1),
// matching type Full(0), SHA2-256(1) or SHA2-512(2) (docs/rules.md §8). A digest whose
// length is not its algorithm's (32 or 64 octets), or empty Full data, can never match and is
// unusable too, as Postfix ignores such records as malformed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

enum class TlsaUsage : uint8_t { kPkixTa = 0, kPkixEe = 1, kDaneTa = 2, kDaneEe = 3 };
enum class TlsaSelector : uint8_t { kCert = 0, kSpki = 1 };
enum class TlsaMatchingType : uint8_t { kFull = 0, kSha256 = 1, kSha512 = 2 };

struct TlsaRecord {
  uint8_t usage = 0;
  uint8_t selector = 0;
  uint8_t matching_type = 0;
  std::string data;  // the certificate association data, raw octets

  bool operator==(const TlsaRecord&) const = default;
};

// RFC 7672 §3.1 plus the digest-length rule above.
bool IsUsableForSmtp(const TlsaRecord& record);

// The association data in lower-case hex, as docs/rules.md §8 writes it.
std::string TlsaDataHex(const TlsaRecord& record);

}  // namespace starttls
