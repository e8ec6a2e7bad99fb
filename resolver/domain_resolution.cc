#include "resolver/domain_resolution.h"

#include <ares.h>

#include <iterator>

namespace starttls {

std::string_view MxKindName(DomainResolution::MxKind kind) {
  switch (kind) {
    case DomainResolution::kMx:
      return "mx";
    case DomainResolution::kImplicit:
      return "implicit";
    case DomainResolution::kNull:
      return "null";
    case DomainResolution::kNone:
      return "none";
  }
  return "none";
}

std::string_view AresStatusRcode(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
    case ARES_ENODATA:
      return "NOERROR";
    case ARES_ENOTFOUND:
      return "NXDOMAIN";
    case ARES_ESERVFAIL:
      return "SERVFAIL";
    case ARES_ETIMEOUT:
      return "TIMEOUT";
    case ARES_EREFUSED:
      return "REFUSED";
    case ARES_EFORMERR:
      return "FORMERR";
    case ARES_ENOTIMP:
      return "NOTIMP";
    case ARES_ECONNREFUSED:
      return "CONNREFUSED";
    case ARES_EBADRESP:
      return "BADRESP";
    case ARES_EBADNAME:
      return "BADNAME";
    case ARES_ENOMEM:
      return "NOMEM";
    case ARES_EDESTRUCTION:
    case ARES_ECANCELLED:
      return "CANCELLED";
    default:
      return "ERROR";
  }
}

std::string_view DnsRcodeName(int rcode) {
  static constexpr std::string_view kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode >= 0 && static_cast<size_t>(rcode) < std::size(kNames)) return kNames[rcode];
  static constexpr std::string_view kOther[] = {"RCODE11", "RCODE12", "RCODE13", "RCODE14",
                                                "RCODE15"};
  if (rcode >= 11 && rcode <= 15) return kOther[rcode - 11];
  return "ERROR";
}

}  // namespace starttls
