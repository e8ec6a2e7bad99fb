// Validation of a peer chain as a verdict of its own (SPEC §5): it never fails a handshake.
// Trust is judged against the context's anchors (system bundle or --ca-file) with the peer's
// other certificates as untrusted intermediates; the hostname check follows RFC 6125 as
// BoringSSL's X509_check_host implements it.
#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace starttls {

struct ChainValidation {
  bool trusted = false;
  std::optional<bool> hostname_match;  // unset when no name was known
  bool expired = false;                // the leaf's notAfter has passed
  bool self_signed = false;            // the leaf is its own issuer and signed by its key
  std::string error;                   // why the chain is not trusted; empty when trusted
};

// `chain` is leaf first, as the peer sent it. `now` is the time to judge validity at.
ChainValidation ValidateChain(X509_STORE* store, STACK_OF(X509)* chain,
                              std::string_view hostname, time_t now);

}  // namespace starttls
