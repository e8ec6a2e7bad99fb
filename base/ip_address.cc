#include "base/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace starttls {

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress ip;
  ip.family_ = IpFamily::kV4;
  ip.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  ip.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  ip.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  ip.bytes_[3] = static_cast<uint8_t>(host_order);
  return ip;
}

IpAddress IpAddress::V6(const std::array<uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.family_ = IpFamily::kV6;
  ip.bytes_ = bytes;
  return ip;
}

IpAddress IpAddress::V6(Uint128 value) {
  std::array<uint8_t, 16> bytes;
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
  return V6(bytes);
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest valid text is
  // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" (45 chars).
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, ip.bytes_.data()) != 1) return std::nullopt;
    ip.family_ = IpFamily::kV4;
  } else {
    if (inet_pton(AF_INET6, buf, ip.bytes_.data()) != 1) return std::nullopt;
    ip.family_ = IpFamily::kV6;
  }
  return ip;
}

size_t IpAddress::FormatTo(char* buf, size_t buf_size) const {
  if (buf_size == 0) return 0;
  if (is_v4() && buf_size >= INET_ADDRSTRLEN) {
    // Dotted quad by hand: every record prints addresses, and inet_ntop goes through printf.
    char* p = buf;
    for (size_t i = 0; i < 4; ++i) {
      const unsigned v = bytes_[i];
      if (i > 0) *p++ = '.';
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
    }
    *p = '\0';
    return static_cast<size_t>(p - buf);
  }
  int af = is_v4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes_.data(), buf, static_cast<socklen_t>(buf_size)) == nullptr) {
    buf[0] = '\0';
    return 0;
  }
  return std::strlen(buf);
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  size_t n = FormatTo(buf, sizeof(buf));
  return std::string(buf, n);
}

uint32_t IpAddress::v4_value() const {
  return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) | (uint32_t{bytes_[2]} << 8) |
         uint32_t{bytes_[3]};
}

Uint128 IpAddress::value() const {
  if (is_v4()) return v4_value();
  Uint128 v = 0;
  for (uint8_t b : bytes_) v = (v << 8) | b;
  return v;
}

socklen_t Endpoint::ToSockaddr(sockaddr_storage* out) const {
  std::memset(out, 0, sizeof(*out));
  if (ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, ip.bytes().data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  std::memcpy(&sin6->sin6_addr, ip.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

std::optional<Endpoint> Endpoint::FromSockaddr(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return std::nullopt;
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sin;
    std::memcpy(&sin, addr, sizeof(sin));
    uint32_t host = ntohl(sin.sin_addr.s_addr);
    return Endpoint{IpAddress::V4(host), ntohs(sin.sin_port)};
  }
  if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, addr, sizeof(sin6));
    std::array<uint8_t, 16> bytes;
    std::memcpy(bytes.data(), &sin6.sin6_addr, 16);
    return Endpoint{IpAddress::V6(bytes), ntohs(sin6.sin6_port)};
  }
  return std::nullopt;
}

std::string Endpoint::ToString() const {
  std::string host = ip.ToString();
  std::string port_text = std::to_string(port);
  if (ip.is_v6()) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

}  // namespace starttls
