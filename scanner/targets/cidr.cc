#include "scanner/targets/cidr.h"

#include <limits>

namespace starttls {
namespace {

IpAddress FromValue(IpFamily family, Uint128 value) {
  if (family == IpFamily::kV4) return IpAddress::V4(static_cast<uint32_t>(value));
  return IpAddress::V6(value);
}

// Parses 1–3 decimal digits into [0, 999]; nullopt otherwise.
std::optional<int> ParsePrefix(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Uint128 PrefixMask(int prefix_len, int width) {
  if (prefix_len <= 0) return 0;
  Uint128 all = width >= 128 ? ~Uint128{0} : ((Uint128{1} << width) - 1);
  if (prefix_len >= width) return all;
  return all & ~((Uint128{1} << (width - prefix_len)) - 1);
}

std::optional<Cidr> Cidr::Make(const IpAddress& address, int prefix_len) {
  int width = address.bit_width();
  if (prefix_len < 0 || prefix_len > width) return std::nullopt;
  Uint128 network = address.value() & PrefixMask(prefix_len, width);
  return Cidr(FromValue(address.family(), network), prefix_len);
}

Cidr Cidr::Host(const IpAddress& address) { return Cidr(address, address.bit_width()); }

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    std::optional<IpAddress> ip = IpAddress::Parse(text);
    if (!ip) return std::nullopt;
    return Host(*ip);
  }
  std::optional<IpAddress> ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  std::optional<int> prefix = ParsePrefix(text.substr(slash + 1));
  if (!prefix) return std::nullopt;
  return Make(*ip, *prefix);
}

bool Cidr::Contains(const IpAddress& ip) const {
  if (ip.family() != family()) return false;
  return (ip.value() & PrefixMask(prefix_len_, network_.bit_width())) == network_.value();
}

Uint128 Cidr::last_value() const {
  int width = network_.bit_width();
  return first_value() | (PrefixMask(width, width) & ~PrefixMask(prefix_len_, width));
}

uint64_t Cidr::Size() const {
  int host_bits = network_.bit_width() - prefix_len_;
  if (host_bits >= 64) return std::numeric_limits<uint64_t>::max();
  return uint64_t{1} << host_bits;
}

std::optional<IpAddress> Cidr::At(uint64_t index) const {
  if (index >= Size()) return std::nullopt;
  return FromValue(family(), first_value() + index);
}

std::string Cidr::ToString() const {
  return network_.ToString() + "/" + std::to_string(prefix_len_);
}

}  // namespace starttls
