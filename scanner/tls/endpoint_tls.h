// What a domain record needs of an endpoint's STARTTLS/TLS session once the session is over:
// a few verdicts and the leaf's names, shared (one copy however many domains use the
// endpoint) and small, because finished endpoints are remembered for domains resolved later.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scanner/tls/certificate_names.h"

namespace starttls {

struct EndpointTls {
  bool handshake_ok = false;  // the TLS handshake completed
  bool trusted = false;       // the chain verified against the trust anchors
  bool expired = false;       // the leaf's notAfter had passed
  bool self_signed = false;
  CertificateNames leaf_names;
  // DANE (domain policy on): per MX name whose usable TLSA records were known when the
  // session ended, whether the chain matched them (docs/rules.md §8 `dane.hosts[].match`).
  std::vector<std::pair<std::string, bool>> dane_matches;

  // The match for `mx`, if it was judged.
  std::optional<bool> DaneMatch(std::string_view mx) const {
    for (const auto& [name, matched] : dane_matches) {
      if (name == mx) return matched;
    }
    return std::nullopt;
  }
};

using SharedEndpointTls = std::shared_ptr<const EndpointTls>;

}  // namespace starttls
