// IpAddress: an IPv4 or IPv6 address as a small value type (16 bytes + family), and Endpoint
// (address + port). Parsing and formatting go through inet_pton/inet_ntop, so the accepted
// text is exactly what the C library accepts (dotted-quad IPv4 without leading zeros, any
// RFC 4291 IPv6 form) and the printed text is canonical (RFC 5952 for IPv6).
// No allocation except ToString().
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/hash/hash.h"

namespace starttls {

// 128-bit unsigned arithmetic for IPv6 ranges (GCC/Clang builtin).
__extension__ typedef unsigned __int128 Uint128;

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  // 0.0.0.0.
  constexpr IpAddress() = default;

  // From a host-order 32-bit value (0x7f000001 is 127.0.0.1).
  static IpAddress V4(uint32_t host_order);
  // From 16 network-order bytes.
  static IpAddress V6(const std::array<uint8_t, 16>& bytes);
  // From a host-order 128-bit value.
  static IpAddress V6(Uint128 value);

  // Text as inet_pton accepts it; nullopt on anything else (no brackets, zones or ports).
  static std::optional<IpAddress> Parse(std::string_view text);

  // Canonical text (inet_ntop).
  std::string ToString() const;
  // Writes the canonical text NUL-terminated into buf (INET6_ADDRSTRLEN bytes suffice);
  // returns its length. For hot paths that must not allocate.
  size_t FormatTo(char* buf, size_t buf_size) const;

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::kV4; }
  bool is_v6() const { return family_ == IpFamily::kV6; }
  // Address width in bits: 32 or 128.
  int bit_width() const { return is_v4() ? 32 : 128; }

  // Host-order value; v4_value() is meaningful only for IPv4.
  uint32_t v4_value() const;
  // Host-order value: the IPv4 value zero-extended, or the IPv6 value.
  Uint128 value() const;
  // Network-order bytes: the first 4 for IPv4, all 16 for IPv6 (rest zero for IPv4).
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }

  // Orders IPv4 before IPv6, then by numeric value.
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const IpAddress& ip) {
    return H::combine(std::move(h), ip.family_, ip.bytes_);
  }

 private:
  // Declared family first so the defaulted comparison orders by family, then bytes.
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

struct Endpoint {
  IpAddress ip;
  uint16_t port = 0;

  // Fills *out with the socket address; returns its length (sizeof sockaddr_in or _in6).
  socklen_t ToSockaddr(sockaddr_storage* out) const;
  // nullopt unless addr is AF_INET / AF_INET6 with a long enough len.
  static std::optional<Endpoint> FromSockaddr(const sockaddr* addr, socklen_t len);

  // "192.0.2.1:25" or "[2001:db8::1]:25".
  std::string ToString() const;

  friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const Endpoint& e) {
    return H::combine(std::move(h), e.ip, e.port);
  }
};

}  // namespace starttls

template <>
struct std::hash<starttls::IpAddress> {
  size_t operator()(const starttls::IpAddress& ip) const {
    return absl::Hash<starttls::IpAddress>{}(ip);
  }
};

template <>
struct std::hash<starttls::Endpoint> {
  size_t operator()(const starttls::Endpoint& e) const {
    return absl::Hash<starttls::Endpoint>{}(e);
  }
};
