// policy-lab's HTTPS server: one listening socket on a loopback address, one epoll loop,
// BoringSSL on non-blocking sockets. The certificate is picked by SNI (mta-sts.<domain>) from
// the lab's CA (CertStore): a valid ECDSA leaf, or an expired / wrong-name one for those
// sites. Bounded: connections (--max-connections), request head (16 KiB), an idle deadline per
// connection; a slow body drips one octet per --drip-ms and ends with the body.
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/lab/lab_certs.h"
#include "bench/lab/policy_http.h"
#include "bench/lab/policy_sites.h"

namespace starttls::lab {

struct PolicyServerOptions {
  uint32_t address = 0x7f000001;  // host byte order
  uint16_t port = 443;
  uint32_t drip_ms = 1000;
  uint32_t idle_timeout_ms = 30000;
  size_t max_connections = 512;
};

struct PolicyServerStats {
  uint64_t connections = 0;
  uint64_t handshakes = 0;
  uint64_t tls_failures = 0;  // unknown or missing SNI included
  uint64_t requests = 0;
  uint64_t status_200 = 0, status_301 = 0, status_404 = 0, status_other = 0;
  uint64_t dripped = 0;  // octets sent by the slow site
  uint64_t dropped = 0;  // over --max-connections, or idle past the deadline
  std::string ToJson() const;
};

class PolicyServer {
 public:
  PolicyServer(CertStore& certs, std::vector<PolicySite> sites, PolicyServerOptions options);
  ~PolicyServer();
  PolicyServer(const PolicyServer&) = delete;
  PolicyServer& operator=(const PolicyServer&) = delete;

  bool Listen(std::string& error);
  void Run(int signal_fd);
  const PolicyServerStats& stats() const { return stats_; }

 private:
  enum class State { kHandshake, kRequest, kWrite, kDrip };
  struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::kHandshake;
    const PolicySite* site = nullptr;  // chosen by SNI during the handshake
    std::string in;
    std::string out;
    size_t out_pos = 0;
    std::string drip;
    size_t drip_pos = 0;
    int64_t next_drip_ms = 0;
    int64_t deadline_ms = 0;
    bool want_write = false;
    PolicyServer* server = nullptr;  // for the certificate callback, whose argument is the Conn
  };

  static int SelectCertificate(SSL* ssl, void* arg);
  void Accept(int64_t now);
  void Drive(Conn& c, int64_t now);  // advances the state machine as far as it can
  void Close(Conn& c);
  void Interest(Conn& c);

  CertStore& certs_;
  std::vector<PolicySite> sites_;
  std::unordered_map<std::string, const PolicySite*> by_host_;  // "mta-sts." + domain
  PolicyServerOptions options_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  std::unordered_map<int, Conn> conns_;
  PolicyServerStats stats_;
};

}  // namespace starttls::lab
