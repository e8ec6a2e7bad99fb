// Cidr: an address block "network/prefix_len", always normalised (host bits cleared), with
// membership, size and lazy indexing so that a CIDR target can be expanded one address at a
// time without materialising it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ip_address.h"

namespace starttls {

class Cidr {
 public:
  // 0.0.0.0/32.
  Cidr() = default;

  // Clears host bits of `address` beyond prefix_len; nullopt if prefix_len is out of range
  // (over 32 for IPv4, over 128 for IPv6).
  static std::optional<Cidr> Make(const IpAddress& address, int prefix_len);
  // A single address: /32 or /128.
  static Cidr Host(const IpAddress& address);

  // "a.b.c.d/n", "x::/n", or a bare address (= /32 or /128). The prefix is decimal, 1–3
  // digits, no sign or spaces. Host bits set in the text ("10.1.2.3/8") are accepted and
  // cleared, as ZMap and most tools do.
  static std::optional<Cidr> Parse(std::string_view text);

  const IpAddress& network() const { return network_; }
  int prefix_len() const { return prefix_len_; }
  IpFamily family() const { return network_.family(); }

  bool Contains(const IpAddress& ip) const;

  // Host-order first and last address values of the block (zero-extended for IPv4).
  Uint128 first_value() const { return network_.value(); }
  Uint128 last_value() const;

  // Number of addresses, saturating at UINT64_MAX (IPv6 blocks shorter than /65).
  uint64_t Size() const;
  // The index-th address of the block (0 = the network address); nullopt if index >= Size().
  // For IPv6 blocks larger than 2^64 only the first 2^64 - 1 addresses are reachable.
  std::optional<IpAddress> At(uint64_t index) const;

  // "10.0.0.0/8", "2001:db8::/32".
  std::string ToString() const;

  friend auto operator<=>(const Cidr&, const Cidr&) = default;
  friend bool operator==(const Cidr&, const Cidr&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const Cidr& c) {
    return H::combine(std::move(h), c.network_, c.prefix_len_);
  }

 private:
  Cidr(const IpAddress& network, int prefix_len) : network_(network), prefix_len_(prefix_len) {}

  IpAddress network_;
  int prefix_len_ = 32;
};

// Mask with the top `prefix_len` of `width` bits set, as a host-order value.
Uint128 PrefixMask(int prefix_len, int width);

}  // namespace starttls
