// --source-ip: outgoing connections of a family leave from a chosen local address. The
// socket is made and bound in user space (liburing 2.3 has no bind preparation), then
// installed into the session's registered file slot, so everything after it — connect, recv,
// send, close — runs on the direct descriptor exactly as for an unbound socket.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>

#include "base/ip_address.h"

namespace starttls {

// The configured source of each family, as socket addresses with port 0.
class SourceBinding {
 public:
  SourceBinding(const std::optional<IpAddress>& v4, const std::optional<IpAddress>& v6);

  // The source for connections to `destination`'s family, or nullptr: connect unbound.
  const IpAddress* SourceFor(const IpAddress& destination) const;

  // A non-blocking TCP socket bound to `source`, its port left to connect time
  // (IP_BIND_ADDRESS_NO_PORT, so many sessions share one address without exhausting
  // ephemeral ports). Returns the descriptor, or -1 with *err and *bind_failed (false: the
  // socket itself could not be made).
  static int OpenBound(const IpAddress& source, int* err, bool* bind_failed);

  // "bind to source 192.0.2.1: Cannot assign requested address".
  static std::string BindErrorText(const IpAddress& source, int err);

 private:
  std::optional<IpAddress> v4_;
  std::optional<IpAddress> v6_;
};

}  // namespace starttls
