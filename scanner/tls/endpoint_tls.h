// What a domain record needs of an endpoint's STARTTLS/TLS session once the session is over:
// a few verdicts and the leaf's names, shared (one copy however many domains use the
// endpoint) and small, because finished endpoints are remembered for domains resolved later.
#pragma once

#include <memory>

#include "scanner/tls/certificate_names.h"

namespace starttls {

struct EndpointTls {
  bool handshake_ok = false;  // the TLS handshake completed
  bool trusted = false;       // the chain verified against the trust anchors
  bool expired = false;       // the leaf's notAfter had passed
  bool self_signed = false;
  CertificateNames leaf_names;
};

using SharedEndpointTls = std::shared_ptr<const EndpointTls>;

}  // namespace starttls
