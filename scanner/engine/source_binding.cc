#include "scanner/engine/source_binding.h"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace starttls {

SourceBinding::SourceBinding(const std::optional<IpAddress>& v4, const std::optional<IpAddress>& v6)
    : v4_(v4), v6_(v6) {}

const IpAddress* SourceBinding::SourceFor(const IpAddress& destination) const {
  const std::optional<IpAddress>& source = destination.is_v4() ? v4_ : v6_;
  return source.has_value() ? &*source : nullptr;
}

int SourceBinding::OpenBound(const IpAddress& source, int* err, bool* bind_failed) {
  sockaddr_storage address{};
  socklen_t length = Endpoint{source, 0}.ToSockaddr(&address);
  int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = errno;
    *bind_failed = false;
    return -1;
  }
  // Best effort: without it bind() would reserve a port per socket up front.
  int one = 1;
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    *err = errno;
    *bind_failed = true;
    close(fd);
    return -1;
  }
  return fd;
}

std::string SourceBinding::BindErrorText(const IpAddress& source, int err) {
  char buffer[128];
  // GNU strerror_r returns the message (possibly a static string, not buffer).
  const char* text = strerror_r(err, buffer, sizeof(buffer));
  return "bind to source " + source.ToString() + ": " + text;
}

}  // namespace starttls
