// A private NSD for integration tests: its own nsd.conf, zone files, pid and log files in a
// test's temp folder, listening on a random 127.x.y.z address and port. Started with -d
// (foreground) so the PID we record is NSD's main process; the destructor stops it by that
// PID (SIGTERM, then SIGKILL) even when the test failed, and the child is also tied to our
// life with PR_SET_PDEATHSIG in case the test binary dies.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/ip_address.h"

namespace starttls {

struct NsdZone {
  std::string origin;  // e.g. "resolver.test" (no trailing dot)
  std::string text;    // zone file text ($ORIGIN and $TTL included by the caller)
};

class NsdServer {
 public:
  // `secondary_zones` are configured as secondaries of a dead primary and so have no data:
  // NSD answers SERVFAIL for them, like a lame server listed for a zone it does not serve.
  static absl::StatusOr<std::unique_ptr<NsdServer>> Start(
      const std::string& dir, const std::vector<NsdZone>& zones,
      const std::vector<std::string>& secondary_zones);
  ~NsdServer();
  NsdServer(const NsdServer&) = delete;
  NsdServer& operator=(const NsdServer&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }
  pid_t pid() const { return pid_; }

 private:
  NsdServer() = default;
  void Stop();

  Endpoint endpoint_;
  pid_t pid_ = -1;
  std::string dir_;
};

// A random 127.a.b.c (a, c never 0 or 255) and a port from 20000..60999 on which both a UDP
// and a TCP socket could be bound just now.
Endpoint RandomFreeLoopbackEndpoint();

// Sends one SOA query for `zone` over UDP and waits up to timeout_ms; the answer's rcode,
// or -1 when none came.
int ProbeRcode(const Endpoint& server, const std::string& zone, int timeout_ms);

}  // namespace starttls
