#include "bench/lab/policy_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace starttls::lab {
namespace {

constexpr int64_t kNoTime = INT64_MAX;

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

std::string PolicyServerStats::ToJson() const {
  auto f = [](const char* k, uint64_t v) {
    return "\"" + std::string(k) + "\":" + std::to_string(v);
  };
  return "{" + f("connections", connections) + "," + f("handshakes", handshakes) + "," +
         f("tls_failures", tls_failures) + "," + f("requests", requests) + "," +
         f("status_200", status_200) + "," + f("status_301", status_301) + "," +
         f("status_404", status_404) + "," + f("status_other", status_other) + "," +
         f("dripped", dripped) + "," + f("dropped", dropped) + "}";
}

PolicyServer::PolicyServer(CertStore& certs, std::vector<PolicySite> sites,
                           PolicyServerOptions options)
    : certs_(certs), sites_(std::move(sites)), options_(options) {
  for (const PolicySite& s : sites_) by_host_["mta-sts." + s.domain] = &s;
}

PolicyServer::~PolicyServer() {
  for (auto& [fd, c] : conns_) {
    SSL_free(c.ssl);
    close(fd);
  }
  for (int fd : {listen_fd_, epoll_fd_})
    if (fd >= 0) close(fd);
}

bool PolicyServer::Listen(std::string& error) {
  ctx_.reset(SSL_CTX_new(TLS_method()));
  if (!ctx_ || !SSL_CTX_set_min_proto_version(ctx_.get(), TLS1_2_VERSION)) {
    error = "SSL_CTX setup failed";
    return false;
  }
  SSL_CTX_set_mode(ctx_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(options_.port);
  sa.sin_addr.s_addr = htonl(options_.address);
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (listen_fd_ >= 0) setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(listen_fd_, 256) != 0) {
    error = std::string("cannot listen: ") + strerror(errno);
    return false;
  }
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  if (epoll_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) {
    error = "epoll setup failed";
    return false;
  }
  return true;
}

int PolicyServer::SelectCertificate(SSL* ssl, void* arg) {
  Conn& c = *static_cast<Conn*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!sni) return 0;  // no SNI: no site to answer for
  auto it = c.server->by_host_.find(sni);
  if (it == c.server->by_host_.end()) return 0;
  c.site = it->second;
  CertKind kind = CertKind::kValidEcdsa;
  if (c.site->mode == SiteMode::kCertExpired) kind = CertKind::kExpired;
  if (c.site->mode == SiteMode::kCertWrongName) kind = CertKind::kWrongName;
  return c.server->certs_.UseLeaf(ssl, kind, it->first) ? 1 : 0;
}

void PolicyServer::Run(int signal_fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = signal_fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd, &ev);
  epoll_event events[64];
  while (true) {
    int64_t now = NowMs();
    int64_t wake = kNoTime;
    for (auto& [fd, c] : conns_) {
      wake = std::min(wake, c.deadline_ms);
      if (c.state == State::kDrip) wake = std::min(wake, c.next_drip_ms);
    }
    int timeout =
        wake == kNoTime ? -1 : static_cast<int>(std::clamp<int64_t>(wake - now, 0, 60000));
    int n = epoll_wait(epoll_fd_, events, 64, timeout);
    if (n < 0 && errno != EINTR) return;
    now = NowMs();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == signal_fd) return;
      if (fd == listen_fd_) {
        Accept(now);
        continue;
      }
      auto it = conns_.find(fd);
      if (it == conns_.end()) continue;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        Close(it->second);
        continue;
      }
      Drive(it->second, now);
    }
    std::vector<int> due;
    for (auto& [fd, c] : conns_)
      if (now >= c.deadline_ms || (c.state == State::kDrip && now >= c.next_drip_ms))
        due.push_back(fd);
    for (int fd : due) {
      auto it = conns_.find(fd);
      if (it == conns_.end()) continue;
      if (now >= it->second.deadline_ms) {
        ++stats_.dropped;
        Close(it->second);
      } else {
        Drive(it->second, now);
      }
    }
  }
}

void PolicyServer::Accept(int64_t now) {
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (conns_.size() >= options_.max_connections) {
      ++stats_.dropped;
      close(fd);
      continue;
    }
    SSL* ssl = SSL_new(ctx_.get());
    // The lab's HTTPS server, not the scanner: a socket BIO on its epoll loop is enough here.
    if (!ssl || !SSL_set_fd(ssl, fd)) {
      SSL_free(ssl);
      close(fd);
      continue;
    }
    ++stats_.connections;
    Conn& c = conns_[fd];
    c.fd = fd;
    c.ssl = ssl;
    c.server = this;
    c.deadline_ms = now + options_.idle_timeout_ms;
    SSL_set_cert_cb(ssl, &PolicyServer::SelectCertificate, &c);
    SSL_set_accept_state(ssl);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    Drive(c, now);
  }
}

void PolicyServer::Drive(Conn& c, int64_t now) {
  char buf[4096];
  while (true) {
    switch (c.state) {
      case State::kHandshake: {
        int r = SSL_do_handshake(c.ssl);
        if (r == 1) {
          ++stats_.handshakes;
          c.state = State::kRequest;
          continue;
        }
        int err = SSL_get_error(c.ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
          c.want_write = err == SSL_ERROR_WANT_WRITE;
          return Interest(c);
        }
        ++stats_.tls_failures;
        return Close(c);
      }
      case State::kRequest: {
        int r = SSL_read(c.ssl, buf, sizeof buf);
        if (r <= 0) {
          int err = SSL_get_error(c.ssl, r);
          if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            c.want_write = err == SSL_ERROR_WANT_WRITE;
            return Interest(c);
          }
          return Close(c);
        }
        c.deadline_ms = now + options_.idle_timeout_ms;
        c.in.append(buf, static_cast<size_t>(r));
        RequestHead head;
        HeadParse parsed = ParseRequestHead(c.in, head);
        if (parsed == HeadParse::kIncomplete) continue;
        if (parsed == HeadParse::kMalformed) {
          head.method = "BAD";  // answered 405, then closed
        }
        ++stats_.requests;
        PolicyResponse resp = BuildPolicyResponse(*c.site, head);
        uint64_t& counter = resp.status == 200   ? stats_.status_200
                            : resp.status == 301 ? stats_.status_301
                            : resp.status == 404 ? stats_.status_404
                                                 : stats_.status_other;
        ++counter;
        c.out = std::move(resp.head_and_body);
        c.out_pos = 0;
        c.drip = std::move(resp.drip);
        c.state = State::kWrite;
        continue;
      }
      case State::kWrite: {
        while (c.out_pos < c.out.size()) {
          int r = SSL_write(c.ssl, c.out.data() + c.out_pos,
                            static_cast<int>(std::min<size_t>(c.out.size() - c.out_pos, 16384)));
          if (r <= 0) {
            int err = SSL_get_error(c.ssl, r);
            if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
              c.want_write = err == SSL_ERROR_WANT_WRITE;
              return Interest(c);
            }
            return Close(c);
          }
          c.out_pos += static_cast<size_t>(r);
        }
        if (c.drip_pos < c.drip.size()) {
          // The slow site: the next octet after --drip-ms; the connection lives as long as it
          // drips.
          c.state = State::kDrip;
          c.next_drip_ms = now + options_.drip_ms;
          c.deadline_ms = c.next_drip_ms + options_.idle_timeout_ms;
          c.want_write = false;
          return Interest(c);
        }
        SSL_shutdown(c.ssl);  // close_notify, then the connection ends (Connection: close)
        return Close(c);
      }
      case State::kDrip: {
        // Readable here means the client spoke or left: find out which.
        int r = SSL_read(c.ssl, buf, sizeof buf);
        if (r <= 0) {
          int err = SSL_get_error(c.ssl, r);
          if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return Close(c);
        }
        if (now < c.next_drip_ms) return Interest(c);
        c.out.assign(1, c.drip[c.drip_pos++]);
        c.out_pos = 0;
        ++stats_.dripped;
        c.state = State::kWrite;
        continue;
      }
    }
  }
}

void PolicyServer::Interest(Conn& c) {
  epoll_event ev{};
  ev.events = EPOLLIN | (c.want_write ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.fd = c.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void PolicyServer::Close(Conn& c) {
  int fd = c.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  SSL_free(c.ssl);
  close(fd);
  conns_.erase(fd);
}

}  // namespace starttls::lab
