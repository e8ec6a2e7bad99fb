// A finished session as the domains waiting for its endpoint see it (DomainJoin's
// HostOutcome): status, class and, when STARTTLS was sent, the compact TLS facts.
#pragma once

#include "resolver/domain_join.h"
#include "scanner/session/smtp_session.h"

namespace starttls {

HostOutcome HostOutcomeOf(const SessionResult& result);

}  // namespace starttls
