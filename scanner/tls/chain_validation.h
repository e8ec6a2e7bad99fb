// Validation of a peer chain as a verdict of its own (docs/rules.md §5): it never fails a
// handshake. Trust is judged against the context's anchors (system bundle or --ca-file) with the
// peer's other certificates as untrusted intermediates, as a TLS server certificate; the hostname
// check follows RFC 6125 as BoringSSL's X509_check_host implements it (certificate_names.h,
// which keeps the leaf's names for the domain records too).
//
// Why the trust verdict comes in: it is the ChainVerifier's (chain_verifier.h), which gives
// X509_verify_cert's verdict (purpose "ssl_server", the context's anchors) at the cost of the
// leaf's own checks once the path above it is known; tests/tls/chain_verifier_test.cc holds
// the two equal.
#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "scanner/tls/certificate_names.h"

namespace starttls {

struct ChainValidation {
  bool trusted = false;
  std::optional<bool> hostname_match;  // unset when no name was known
  bool expired = false;                // the leaf's notAfter has passed
  bool self_signed = false;            // the leaf is its own issuer and signed by its key
  std::string error;                   // why the chain is not trusted; empty when trusted
  CertificateNames leaf_names;         // what the hostname was matched against
};

// Every verdict for `chain` (leaf first) given its trust verdict `verify_result` (X509_V_OK
// when trusted; ChainVerifier::Verify). `now` judges the leaf's expiry.
ChainValidation ValidateChain(STACK_OF(X509) * chain, long verify_result, std::string_view hostname,
                              time_t now);

}  // namespace starttls
