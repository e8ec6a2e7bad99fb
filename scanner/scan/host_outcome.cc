#include "scanner/scan/host_outcome.h"

#include <memory>

namespace starttls {

HostOutcome HostOutcomeOf(const SessionResult& result) {
  HostOutcome outcome;
  outcome.status = result.status;
  outcome.cls = result.verdict.cls;
  if (result.tls.has_value()) {
    const TlsRecord& tls = *result.tls;
    auto facts = std::make_shared<EndpointTls>();
    facts->handshake_ok = tls.outcome == TlsOutcome::kOk && !tls.version.empty();
    if (tls.validation.has_value()) {
      facts->trusted = tls.validation->trusted;
      facts->expired = tls.validation->expired;
      facts->self_signed = tls.validation->self_signed;
      facts->leaf_names = tls.validation->leaf_names;
    }
    outcome.tls = std::move(facts);
    outcome.chain_der = tls.chain_der;
  }
  return outcome;
}

}  // namespace starttls
