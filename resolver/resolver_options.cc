#include "resolver/resolver_options.h"

#include <charconv>

#include "absl/status/status.h"

namespace starttls {
namespace {

absl::Status Invalid(std::string_view text, const std::string& why) {
  return absl::InvalidArgumentError("--resolver: " + std::string(text) + ": " + why);
}

}  // namespace

absl::StatusOr<Endpoint> ParseResolverAddress(std::string_view text) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid(text, "missing ']'");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Invalid(text, "expected ':PORT' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return Invalid(text, "empty port");
    }
  } else {
    const size_t colon = text.find(':');
    // One colon: IPv4:PORT. More: a bare IPv6 address.
    if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return Invalid(text, "empty port");
    }
  }
  std::optional<IpAddress> ip = IpAddress::Parse(host);
  if (!ip) return Invalid(text, "not an IP address (IP, IP:PORT or [IPv6]:PORT)");
  if (!text.empty() && text.front() == '[' && !ip->is_v6()) {
    return Invalid(text, "brackets are for IPv6 addresses");
  }
  Endpoint endpoint{*ip, 53};
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Invalid(text, "port must be 1..65535");
    }
    endpoint.port = static_cast<uint16_t>(value);
  }
  return endpoint;
}

}  // namespace starttls
