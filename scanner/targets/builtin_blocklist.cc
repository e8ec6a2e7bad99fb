#include "scanner/targets/builtin_blocklist.h"

#include <cstdlib>
#include <iterator>
#include <optional>
#include <vector>

#include "scanner/targets/cidr.h"

namespace starttls {
namespace {

// Sources (facts, as of 2025):
//  - IANA IPv4 Special-Purpose Address Registry (RFC 6890),
//    https://www.iana.org/assignments/iana-ipv4-special-registry/
//  - IANA IPv6 Special-Purpose Address Registry (RFC 6890),
//    https://www.iana.org/assignments/iana-ipv6-special-registry/
//  - IANA IPv4 Multicast Address Space Registry (224.0.0.0/4, RFC 5771) and the IPv6
//    multicast prefix ff00::/8 (RFC 4291 §2.7), which are not unicast SMTP hosts.
// Blocks that the registries list inside a larger listed block (192.0.0.0/29 in
// 192.0.0.0/24, 2001::/32 in 2001::/23, ...) are covered by the larger one. A few ranges
// marked "globally reachable" there are blocked anyway because no mail server belongs in
// them (AS112 sink-holes, anycast relays, NAT64 prefixes that embed an IPv4 address we would
// scan directly).
constexpr SpecialPurposeRange kRanges[] = {
    // IPv4
    {"0.0.0.0/8", "0.0.0.0/8 \"This network\" (RFC 791)"},
    {"10.0.0.0/8", "10.0.0.0/8 Private-Use (RFC 1918)"},
    {"100.64.0.0/10", "100.64.0.0/10 Shared Address Space (RFC 6598)"},
    {"127.0.0.0/8", "127.0.0.0/8 Loopback (RFC 1122)"},
    {"169.254.0.0/16", "169.254.0.0/16 Link Local (RFC 3927)"},
    {"172.16.0.0/12", "172.16.0.0/12 Private-Use (RFC 1918)"},
    {"192.0.0.0/24", "192.0.0.0/24 IETF Protocol Assignments (RFC 6890)"},
    {"192.0.2.0/24", "192.0.2.0/24 Documentation TEST-NET-1 (RFC 5737)"},
    {"192.31.196.0/24", "192.31.196.0/24 AS112-v4 (RFC 7535)"},
    {"192.52.193.0/24", "192.52.193.0/24 AMT (RFC 7450)"},
    {"192.88.99.0/24", "192.88.99.0/24 Deprecated 6to4 Relay Anycast (RFC 7526)"},
    {"192.168.0.0/16", "192.168.0.0/16 Private-Use (RFC 1918)"},
    {"192.175.48.0/24", "192.175.48.0/24 Direct Delegation AS112 Service (RFC 7534)"},
    {"198.18.0.0/15", "198.18.0.0/15 Benchmarking (RFC 2544)"},
    {"198.51.100.0/24", "198.51.100.0/24 Documentation TEST-NET-2 (RFC 5737)"},
    {"203.0.113.0/24", "203.0.113.0/24 Documentation TEST-NET-3 (RFC 5737)"},
    {"224.0.0.0/4", "224.0.0.0/4 Multicast (RFC 5771)"},
    {"240.0.0.0/4", "240.0.0.0/4 Reserved (RFC 1112)"},
    {"255.255.255.255/32", "255.255.255.255/32 Limited Broadcast (RFC 919, RFC 8190)"},
    // IPv6
    {"::/128", "::/128 Unspecified Address (RFC 4291)"},
    {"::1/128", "::1/128 Loopback Address (RFC 4291)"},
    {"::ffff:0:0/96", "::ffff:0:0/96 IPv4-mapped Address (RFC 4291)"},
    {"64:ff9b::/96", "64:ff9b::/96 IPv4-IPv6 Translation (RFC 6052)"},
    {"64:ff9b:1::/48", "64:ff9b:1::/48 IPv4-IPv6 Local-Use Translation (RFC 8215)"},
    {"100::/64", "100::/64 Discard-Only Address Block (RFC 6666)"},
    {"100:0:0:1::/64", "100:0:0:1::/64 Dummy IPv6 Prefix (RFC 9780)"},
    {"2001::/23", "2001::/23 IETF Protocol Assignments (RFC 2928)"},
    {"2001:db8::/32", "2001:db8::/32 Documentation (RFC 3849)"},
    {"2002::/16", "2002::/16 6to4 (RFC 3056)"},
    {"2620:4f:8000::/48", "2620:4f:8000::/48 Direct Delegation AS112 Service (RFC 7534)"},
    {"3fff::/20", "3fff::/20 Documentation (RFC 9637)"},
    {"5f00::/16", "5f00::/16 Segment Routing SIDs (RFC 9602)"},
    {"fc00::/7", "fc00::/7 Unique-Local (RFC 4193)"},
    {"fe80::/10", "fe80::/10 Link-Local Unicast (RFC 4291)"},
    {"ff00::/8", "ff00::/8 Multicast (RFC 4291)"},
};

Cidr ParseBuiltin(std::string_view text) {
  std::optional<Cidr> cidr = Cidr::Parse(text);
  if (!cidr) std::abort();  // a typo in the table above; the tests catch it first
  return *cidr;
}

// kRanges parsed once, index for index.
const std::vector<Cidr>& ParsedRanges() {
  static const std::vector<Cidr>* const parsed = [] {
    auto* v = new std::vector<Cidr>();
    for (const SpecialPurposeRange& r : kRanges) v->push_back(ParseBuiltin(r.cidr));
    return v;
  }();
  return *parsed;
}

}  // namespace

std::span<const SpecialPurposeRange> BuiltinBlockedRanges() { return kRanges; }

const CidrSet& BuiltinBlocklist() {
  static const CidrSet* const set = [] {
    auto* s = new CidrSet();
    for (const Cidr& cidr : ParsedRanges()) s->Add(cidr);
    s->Finalize();
    return s;
  }();
  return *set;
}

std::string_view BuiltinBlockReason(const IpAddress& ip) {
  std::string_view best;
  int best_len = -1;
  const std::vector<Cidr>& parsed = ParsedRanges();
  for (size_t i = 0; i < parsed.size(); ++i) {
    const Cidr& cidr = parsed[i];
    if (cidr.prefix_len() > best_len && cidr.Contains(ip)) {
      best = kRanges[i].description;
      best_len = cidr.prefix_len();
    }
  }
  return best;
}

}  // namespace starttls
