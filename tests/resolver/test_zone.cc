#include "tests/resolver/test_zone.h"

#include <cstdio>

namespace starttls {

std::vector<NsdZone> MakeResolverTestZones(int load_domains) {
  std::string z =
      "$ORIGIN resolver.test.\n"
      "$TTL 300\n"
      "@ IN SOA ns.resolver.test. hostmaster.resolver.test. 1 3600 600 86400 300\n"
      "@ IN NS ns\n"
      "ns IN A 127.0.0.1\n"
      // A mail provider's hosts, shared by several domains.
      "mx-a.prov IN A 192.0.2.1\n"
      "mx-a.prov IN A 192.0.2.2\n"
      "mx-a.prov IN AAAA 2001:db8::1\n"
      "mx-b.prov IN A 192.0.2.3\n"
      "mx-c IN A 192.0.2.4\n"
      // Three preferences, listed out of order.
      "multi IN MX 20 mx-b.prov\n"
      "multi IN MX 10 mx-a.prov\n"
      "multi IN MX 5 mx-c\n"
      "shared1 IN MX 10 mx-a.prov\n"
      "shared2 IN MX 10 MX-A.PROV\n"
      // No MX, addresses on the domain: implicit MX.
      "implicit IN A 192.0.2.10\n"
      "implicit IN AAAA 2001:db8::10\n"
      "nullmx IN MX 0 .\n"
      // Exchange is a CNAME (in zone: NSD puts the chain in the answer).
      "cname IN MX 10 alias\n"
      "alias IN CNAME real\n"
      "real IN A 192.0.2.20\n"
      // Exchange is a CNAME into another zone: the answer stops at the CNAME.
      "extcname IN MX 10 alias-out\n"
      "alias-out IN CNAME mail.second.test.\n"
      // The domain itself is a CNAME.
      "domcname IN CNAME multi\n"
      // Exchanges without addresses: NXDOMAIN, NODATA; and one with an address.
      "noaddr IN MX 10 ghost\n"
      "noaddr IN MX 20 txtonly\n"
      "noaddr IN MX 30 mx-b.prov\n"
      "allnoaddr IN MX 10 ghost\n"
      "txtonly IN TXT \"no mail here\"\n"
      "v6only IN MX 10 v6host\n"
      "v6host IN AAAA 2001:db8::30\n"
      // Exchange given as an address literal (not a host name).
      "literal IN MX 10 192.0.2.99.\n"
      "manyaddr IN MX 10 manyaddr-host\n"
      // An exchange name longer than the host cache keeps inline, used by two domains.
      "longname IN MX 10 an-exchange-name-longer-than-forty-octets.prov\n"
      "longname2 IN MX 10 an-exchange-name-longer-than-forty-octets.prov\n"
      "an-exchange-name-longer-than-forty-octets.prov IN A 192.0.2.50\n";
  char line[160];
  for (int i = 0; i < 40; ++i) {
    std::snprintf(line, sizeof(line),
                  "big IN MX %d big-host-%02d\nbig-host-%02d IN A 198.51.100.%d\n", 10 + i, i, i,
                  i + 1);
    z += line;
    std::snprintf(line, sizeof(line), "manyaddr-host IN A 203.0.113.%d\n", i + 1);
    z += line;
    // Aliases of big: each MX answer (CNAME + 40 MX) comes truncated, then by TCP.
    std::snprintf(line, sizeof(line), "big-alias-%02d IN CNAME big\n", i);
    z += line;
  }
  for (int i = 0; i < load_domains; ++i) {
    std::snprintf(
        line, sizeof(line),
        "d%d.load IN MX 10 m%d.load\nm%d.load IN A 10.%d.%d.%d\nm%d.load IN AAAA fd00::%x\n", i, i,
        i, (i >> 16) & 255, (i >> 8) & 255, i & 255, i, i);
    z += line;
  }
  std::string second =
      "$ORIGIN second.test.\n"
      "$TTL 300\n"
      "@ IN SOA ns.second.test. hostmaster.second.test. 1 3600 600 86400 300\n"
      "@ IN NS ns\n"
      "ns IN A 127.0.0.1\n"
      "mail IN A 192.0.2.40\n";
  return {NsdZone{kTestZone, z}, NsdZone{kSecondZone, second}};
}

}  // namespace starttls
