// Builds a DNS query message ourselves (RFC 1035 §4.1), because c-ares 1.18 has no API for
// the header flags DANE needs: RD, AD (RFC 6840 §5.7: the client understands the AD bit and
// wants it set when the resolver validated) and an EDNS0 OPT record (RFC 6891) with the DO
// bit (RFC 3225) so that a validating resolver sets AD in its answer.
//
// The message goes to c-ares as raw bytes with ares_send. What c-ares 1.18 does with them:
// - ares_send KEEPS the query ID of the bytes it is given (it reads it from the header as the
//   query's id; only ares_query picks a random one, and only c-ares 1.2x's ares_send assigns
//   its own). So the caller chooses the ID: random (it is, with the source port, the only
//   defence against a spoofed answer) and unique among the channel's outstanding queries,
//   ares_query's included. c-ares matches an answer to the first outstanding query with its
//   ID and drops it unless the question is the same, so two queries sharing an ID can lose
//   an answer (the query then times out). A channel of its own for ares_send queries, whose
//   in-flight IDs the caller tracks, avoids ares_query's IDs altogether.
// - The OPT record built here is exactly the 11 octets of an option-less OPT at the end of
//   the message: when the channel has ARES_FLAG_EDNS and a server answers FORMERR without an
//   OPT record, c-ares 1.18 retries the query with the message's last 11 octets cut and
//   ARCOUNT set to 0 (and clears ARES_FLAG_EDNS for the whole channel).
// - Without ARES_FLAG_EDNS on the channel, c-ares takes any UDP answer over 512 octets as
//   truncated and retries over TCP; DNSSEC answers (RRSIGs, DO set) often are. Give the
//   channel ARES_FLAG_EDNS with ednspsz equal to `udp_payload_bytes`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starttls {

inline constexpr size_t kDnsMaxNameOctets = 255;  // RFC 1035 §2.3.4, wire form
inline constexpr size_t kDnsMaxLabelOctets = 63;
inline constexpr uint16_t kDnsTypeOpt = 41;
inline constexpr size_t kDnsOptRecordOctets = 11;

struct DnsQueryOptions {
  bool recursion_desired = true;      // RD
  bool authenticated_data = true;     // AD
  bool edns = true;                   // an OPT record in the additional section
  bool dnssec_ok = true;              // DO, in the OPT record (needs `edns`)
  uint16_t udp_payload_bytes = 1232;  // the OPT record's CLASS; 512 at least
};

// Appends the wire form of `name` (labels 1..63 octets of letters, digits, '-' and '_',
// separated by '.', one trailing '.' allowed, at most 255 octets in wire form) to *out.
// Returns false with *error set, leaving *out as it was, for any other name.
bool AppendDnsName(std::string_view name, std::vector<uint8_t>* out, std::string* error);

// The whole query for (name, qtype, class IN) with `id` in its header, into *out (replaced).
// Returns false with *error set when the name is not valid (see AppendDnsName).
bool BuildDnsQuery(uint16_t id, std::string_view name, uint16_t qtype,
                   const DnsQueryOptions& options, std::vector<uint8_t>* out, std::string* error);

// `<label>.<domain>`: the policy names (_mta-sts, _smtp._tls, _25._tcp) carry underscores
// that host names may not, so they are built here rather than checked as host names.
inline std::string PolicyQueryName(std::string_view label, std::string_view domain) {
  std::string name(label);
  name.push_back('.');
  name.append(domain);
  return name;
}

}  // namespace starttls
