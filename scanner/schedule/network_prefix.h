// The network a target address belongs to, for --max-per-prefix: its IPv4 /24 or IPv6 /48
// (the smallest blocks routed on the Internet), as the block's first address. Hosts of one
// provider or one customer sit in such a block; capping sessions per block keeps a survey
// of many domains hosted there from opening hundreds of sessions into it at once.
#pragma once

#include <array>

#include "base/ip_address.h"

namespace starttls {

inline constexpr int kIpv4PrefixBits = 24;
inline constexpr int kIpv6PrefixBits = 48;

inline IpAddress NetworkPrefix(const IpAddress& ip) {
  if (ip.is_v4()) return IpAddress::V4(ip.v4_value() & 0xFFFFFF00u);
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < kIpv6PrefixBits / 8; ++i) bytes[i] = ip.bytes()[i];
  return IpAddress::V6(bytes);
}

}  // namespace starttls
