// DANE matching of the chain a handshake saw against a host's TLSA records (RFC 7672 §3.1,
// RFC 7671, docs/rules.md §8). BoringSSL has no DANE API, so the matching is ours:
//
// - DANE-EE(3): the leaf certificate (selector 0: its DER as presented) or its
//   SubjectPublicKeyInfo DER (selector 1), compared whole (matching type 0) or by SHA-256 (1)
//   or SHA-512 (2). No name check and no expiry check (RFC 7672 §3.1.1).
// - DANE-TA(2): a certificate of the presented chain other than the leaf matches the same way;
//   the chain from the leaf up to it must verify, each certificate issued (names, key usage)
//   and signed by the next one as presented; then the leaf's name must match the MX host name
//   (RFC 7672 §3.2.3, RFC 6125 as X509_check_host does it, no partial wildcards). A `2 1 0`
//   record (a whole public key) that no chain certificate carries is also a trust anchor when
//   its key signed a chain certificate (RFC 7671 §5.2.3: the server may leave the TA out).
//   Validity dates are not checked here: the chain's trust verdict judges those.
// Unusable records (tlsa_record.h) are skipped. Bounded: at most kMaxDaneChain certificates.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "scanner/policy/tlsa_record.h"

namespace starttls {

inline constexpr size_t kMaxDaneChain = 16;

struct DaneMatchResult {
  bool matched = false;
  int record = -1;  // index in `records` of the record that matched
  // Index in the chain of the certificate it matched (0: the leaf); for a bare `2 1 0` key,
  // one more than the certificate the key signed.
  int depth = -1;
  // Why nothing matched (the furthest any record got), or what matched; a short text.
  std::string detail;
};

// `chain_der`: the peer's certificates as DER, leaf first, as the handshake presented them.
DaneMatchResult MatchDane(std::span<const TlsaRecord> records,
                          std::span<const std::string> chain_der, std::string_view mx_host);

}  // namespace starttls
