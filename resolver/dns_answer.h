// A bounded parser for the raw DNS answers c-ares hands back (RFC 1035 §4): the rcode, the AD
// bit, and the MX, address, TLSA (RFC 6698) or TXT records of the queried name, following
// CNAMEs inside the answer section (RFC 7672 §2.2.3 wants TLSA lookups to follow them too) (a
// recursive resolver returns the whole chain; an authoritative one only the part in its zones, so
// the caller re-queries the chain's end when `cname_unresolved`).
//
// Why our own parser: ares_parse_*_reply drop the rcode and the CNAME target of an
// unfinished chain, and allocate per record. This one reads the message once through a
// cursor that advances only on success; names follow compression pointers only backwards
// and at most 64 hops, a name is at most 255 octets, at most `max_records` records are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "scanner/policy/tlsa_record.h"

namespace starttls {

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeCname = 5;
inline constexpr uint16_t kDnsTypeMx = 15;
inline constexpr uint16_t kDnsTypeTxt = 16;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsTypeTlsa = 52;

struct MxRecord {
  uint16_t preference = 0;
  std::string exchange;            // lower case, no trailing dot; "" is the root (null MX)
  bool exchange_printable = true;  // false: a label held '.', a space or a non-ASCII byte
};

struct DnsAnswer {
  int rcode = 0;           // header RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED)
  bool truncated = false;  // TC bit
  // AD bit: the resolver validated the answer with DNSSEC (RFC 4035 §3.2.3); trusted as
  // Postfix trusts it, from a resolver the operator chose (docs/rules.md §8).
  bool authenticated_data = false;
  // For an MX query, at the end of the CNAME chain: the max_records most preferred.
  std::vector<MxRecord> mx;
  size_t mx_seen = 0;                // MX records of the name in the answer, kept or not
  std::vector<IpAddress> addresses;  // for an A / AAAA query, at the end of the CNAME chain
  std::vector<TlsaRecord> tlsa;      // for a TLSA query, at the end of the CNAME chain
  // For a TXT query, at the end of the CNAME chain: per record its character-strings
  // concatenated (RFC 7208 §3.3's reading, also RFC 8461's and RFC 8460's). Each is at most
  // its RDLENGTH, so all of them together at most the message.
  std::vector<std::string> txt;
  std::string final_name;         // the name the records belong to (qname when no CNAME)
  bool cname_unresolved = false;  // the chain ends at final_name with no record of qtype here
};

// Reads a (possibly compressed) name at *offset into *out (lower case, labels joined by '.',
// no trailing dot). On success *offset moves past the name as it sits at *offset. Sets
// *printable false when a label holds a byte outside 0x21..0x7E or a '.'.
bool ReadDnsName(const uint8_t* msg, size_t len, size_t* offset, std::string* out, bool* printable);

// Parses `msg` as the answer to (qname, qtype); qname lower case without trailing dot.
// Returns false with *error set when the message is malformed.
bool ParseDnsAnswer(const uint8_t* msg, size_t len, std::string_view qname, uint16_t qtype,
                    size_t max_records, DnsAnswer* out, std::string* error);

}  // namespace starttls
