// Settings of MxResolver, and the parser of `--resolver IP[:PORT]` values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/ip_address.h"

namespace starttls {

enum class AddressFamilies : uint8_t { kIpv4Only, kIpv6Only, kBoth };

struct ResolverOptions {
  // DNS servers to ask, in order (c-ares moves to the next one on a failure). Empty: the
  // system's /etc/resolv.conf.
  std::vector<Endpoint> servers;
  // Per try; c-ares doubles it on each round over all servers, so with one server a query
  // gives up after timeout_ms * (2^tries - 1).
  int timeout_ms = 2000;
  int tries = 2;
  // DNS queries per second (token bucket; queries beyond it wait in a queue). <= 0: no cap.
  double queries_per_second = 0;
  // Tokens available at once; < 1 means max(1, queries_per_second / 20) (50 ms worth).
  double burst = 0;
  // Queries handed to c-ares at once; the rest wait in the queue.
  size_t max_queries_in_flight = 4096;
  AddressFamilies families = AddressFamilies::kBoth;
  size_t max_exchanges_per_domain = 32;
  size_t max_addresses_per_exchange = 32;
  // Exchange host names whose addresses are remembered for the run (oldest forgotten first).
  size_t max_cached_hosts = 1 << 18;
  // CNAMEs followed by a new query when an answer's chain stops at a name it holds no data for.
  int max_cname_requeries = 4;
  // SO_RCVBUF of c-ares' UDP sockets: with ~1,000 queries in flight the default buffer
  // overflows and answers are lost (measured with c-ares 1.18).
  int udp_receive_buffer_bytes = 4 << 20;
  // EDNS0 UDP payload size advertised (0: no EDNS). 1232 avoids fragmentation (DNS flag day
  // 2020) while big MX sets still fit without a TCP retry.
  int edns_payload_bytes = 1232;
  // Domain policy lookups (docs/rules.md §8): `_mta-sts` and `_smtp._tls` TXT per domain,
  // `_25._tcp` TLSA per exchange, the `mta-sts.` policy host when announced.
  bool policy = false;
};

// Parses one --resolver value: "192.0.2.53", "192.0.2.53:5353", "2001:db8::53",
// "[2001:db8::53]:5353". The port defaults to 53; port 0 is refused.
absl::StatusOr<Endpoint> ParseResolverAddress(std::string_view text);

}  // namespace starttls
