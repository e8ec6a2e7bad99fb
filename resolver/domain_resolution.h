// The outcome of resolving one mail domain the way a sending MTA does (RFC 5321 §5.1):
// its MX set, each exchange's addresses, or why there is nothing to connect to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/targets/ip_address.h"

namespace starttls {

struct Exchange {
  std::string name;         // lower case, no trailing dot; "." for a null MX
  uint16_t preference = 0;  // 0 for an implicit MX
  std::vector<IpAddress> addresses;  // A records first, then AAAA; capped
  std::string error;        // why there is no address (empty when it has some)
};

struct DomainResolution {
  enum MxKind : uint8_t {
    kMx,        // MX records found
    kImplicit,  // no MX, but the domain has addresses: the domain is its own exchange
    kNull,      // "MX 0 ." (RFC 7505): the domain accepts no mail
    kNone,      // no MX and no address, or the lookup failed
  };

  std::string domain;          // as normalized (lower case, no trailing dot)
  uint64_t tag = 0;            // the caller's, passed to MxResolver::Resolve
  std::string rcode;           // "NOERROR", "NXDOMAIN", "SERVFAIL", "TIMEOUT", "REFUSED", ...
  MxKind kind = kNone;
  std::vector<Exchange> exchanges;  // by preference, then name
  std::string error;           // text for a human when something went wrong
};

// "mx", "implicit", "null", "none" (the schema's mx_kind).
std::string_view MxKindName(DomainResolution::MxKind kind);

// Text for a c-ares status: ARES_SUCCESS and ARES_ENODATA are "NOERROR" (NODATA is an
// empty NOERROR answer), ARES_ENOTFOUND "NXDOMAIN", ARES_ESERVFAIL "SERVFAIL", ARES_ETIMEOUT
// "TIMEOUT", ARES_EREFUSED "REFUSED", ...; transport failures get their own upper-case name
// ("CONNREFUSED", "BADRESP", ...), matching the schema's ^[A-Z][A-Z0-9_]*$.
std::string_view AresStatusRcode(int ares_status);

}  // namespace starttls
