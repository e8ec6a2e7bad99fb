#include "bench/lab/dns_lab_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>

#include <unistd.h>
#include <algorithm>
#include <cstring>

namespace starttls::lab {
namespace {

constexpr size_t kMaxConnections = 256;
constexpr size_t kMaxPending = 65536;
constexpr size_t kMaxTcpIn = 2 + 65535;
constexpr size_t kMaxTcpOut = 1 << 20;
constexpr int64_t kIdleMs = 10000;

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

void Watch(int epoll_fd, int fd, uint32_t events, int op = EPOLL_CTL_ADD) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd, op, fd, &ev);
}

}  // namespace

std::string DnsLabStats::ToJson() const {
  return "{\"udp_queries\":" + std::to_string(udp_queries) +
         ",\"tcp_queries\":" + std::to_string(tcp_queries) +
         ",\"tcp_connections\":" + std::to_string(tcp_connections) +
         ",\"messages_sent\":" + std::to_string(messages_sent) +
         ",\"formerr\":" + std::to_string(formerr) + ",\"dropped\":" + std::to_string(dropped) +
         "}";
}

DnsLabServer::~DnsLabServer() {
  for (auto& [fd, c] : conns_) close(fd);
  for (int fd : {udp_fd_, tcp_fd_, epoll_fd_})
    if (fd >= 0) close(fd);
}

bool DnsLabServer::Listen(uint32_t address, uint16_t port, std::string& error) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(address);
  udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  tcp_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (tcp_fd_ >= 0) setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // A scanner sends a burst of up to --dns-queries-in-flight (1,000) queries at once: the
  // default 208 KiB receive buffer drops a third of them (each datagram costs ~1 KiB of
  // buffer), and a backlog of 128 refuses TCP retries of truncated answers. A resolver a
  // survey points at takes such bursts; so does the lab (the kernel caps at rmem_max).
  int rcvbuf = 8 << 20;
  if (udp_fd_ >= 0) setsockopt(udp_fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (udp_fd_ < 0 || tcp_fd_ < 0 ||
      bind(udp_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      bind(tcp_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(tcp_fd_, 4096) != 0) {
    error = std::string("cannot listen: ") + strerror(errno);
    return false;
  }
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    error = "epoll_create1 failed";
    return false;
  }
  Watch(epoll_fd_, udp_fd_, EPOLLIN);
  Watch(epoll_fd_, tcp_fd_, EPOLLIN);
  return true;
}

void DnsLabServer::Run(int signal_fd) {
  Watch(epoll_fd_, signal_fd, EPOLLIN);
  epoll_event events[64];
  int64_t next_idle_check = NowMs() + 1000;
  while (true) {
    int64_t now = NowMs();
    int64_t wake = next_idle_check;
    if (!pending_.empty()) wake = std::min(wake, pending_.top().due_ms);
    int timeout = static_cast<int>(std::max<int64_t>(0, wake - now));
    int n = epoll_wait(epoll_fd_, events, 64, timeout);
    if (n < 0 && errno != EINTR) return;
    now = NowMs();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == signal_fd) return;
      if (fd == udp_fd_) {
        ReadUdp(now);
      } else if (fd == tcp_fd_) {
        Accept(now);
      } else if (auto it = conns_.find(fd); it != conns_.end()) {
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ReadTcp(it->second, now);
        if (auto again = conns_.find(fd); again != conns_.end() && (events[i].events & EPOLLOUT))
          FlushTcp(again->second);
      }
    }
    while (!pending_.empty() && pending_.top().due_ms <= now) {
      SendNow(pending_.top());
      pending_.pop();
    }
    if (now >= next_idle_check) {
      next_idle_check = now + 1000;
      std::vector<int> idle;
      for (auto& [fd, c] : conns_)
        if (now - c.last_ms > kIdleMs) idle.push_back(fd);
      for (int fd : idle) CloseConn(fd);
    }
  }
}

void DnsLabServer::ReadUdp(int64_t now) {
  char buf[4096];
  for (int i = 0; i < 256; ++i) {
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t got = recvfrom(udp_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (got < 0) return;
    ++stats_.udp_queries;
    AnswerQuery(std::string_view(buf, static_cast<size_t>(got)), false, &from, nullptr, now);
  }
}

void DnsLabServer::Accept(int64_t now) {
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(tcp_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (conns_.size() >= kMaxConnections) {
      ++stats_.dropped;
      close(fd);
      continue;
    }
    ++stats_.tcp_connections;
    Conn& c = conns_[fd];
    c.fd = fd;
    c.generation = next_generation_++;
    c.last_ms = now;
    Watch(epoll_fd_, fd, EPOLLIN);
  }
}

void DnsLabServer::ReadTcp(Conn& c, int64_t now) {
  const int fd = c.fd;  // `c` is gone once CloseConn(fd) ran
  char buf[16384];
  while (true) {
    ssize_t got = read(c.fd, buf, sizeof buf);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      CloseConn(c.fd);
      return;
    }
    if (got < 0) break;
    c.last_ms = now;
    c.in.append(buf, static_cast<size_t>(got));
    // Frames: a 2-octet length, then the message (RFC 1035 4.2.2).
    while (c.in.size() >= 2) {
      size_t len = (static_cast<uint8_t>(c.in[0]) << 8) | static_cast<uint8_t>(c.in[1]);
      if (c.in.size() < 2 + len) break;
      ++stats_.tcp_queries;
      std::string message = c.in.substr(2, len);
      c.in.erase(0, 2 + len);
      AnswerQuery(message, true, nullptr, &c, now);
      if (!conns_.count(fd)) return;
    }
    if (c.in.size() > kMaxTcpIn) {
      ++stats_.dropped;
      CloseConn(c.fd);
      return;
    }
  }
}

void DnsLabServer::AnswerQuery(std::string_view message, bool tcp, const sockaddr_in* to,
                               Conn* conn, int64_t now) {
  DnsQuery q;
  QueryParse parsed = ParseDnsQuery(message, q);
  if (parsed == QueryParse::kNotAQuery) return;
  if (parsed == QueryParse::kMalformed) {
    ++stats_.formerr;
    DnsWriter w;
    w.Header(q.id, q.rd, false, kRcodeFormErr);
    Queue(tcp, to, conn, w.Take(), 0, now);
    return;
  }
  zone_.Answer(q, tcp, sends_);
  for (DnsSend& s : sends_) Queue(tcp, to, conn, std::move(s.bytes), s.delay_ms, now);
}

void DnsLabServer::Queue(bool tcp, const sockaddr_in* to, Conn* conn, std::string bytes,
                         uint32_t delay, int64_t now) {
  Pending p;
  p.due_ms = now + delay;
  p.tcp = tcp;
  if (to) p.to = *to;
  if (conn) {
    p.fd = conn->fd;
    p.generation = conn->generation;
  }
  p.bytes = std::move(bytes);
  if (delay == 0) {
    SendNow(p);
  } else if (pending_.size() < kMaxPending) {
    pending_.push(std::move(p));
  } else {
    ++stats_.dropped;
  }
}

void DnsLabServer::SendNow(const Pending& p) {
  if (!p.tcp) {
    if (sendto(udp_fd_, p.bytes.data(), p.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&p.to),
               sizeof p.to) >= 0)
      ++stats_.messages_sent;
    return;
  }
  auto it = conns_.find(p.fd);
  if (it == conns_.end() || it->second.generation != p.generation) return;  // gone meanwhile
  Conn& c = it->second;
  if (c.out.size() + p.bytes.size() + 2 > kMaxTcpOut || p.bytes.size() > 65535) {
    ++stats_.dropped;
    CloseConn(c.fd);
    return;
  }
  c.out.push_back(static_cast<char>(p.bytes.size() >> 8));
  c.out.push_back(static_cast<char>(p.bytes.size() & 0xFF));
  c.out += p.bytes;
  ++stats_.messages_sent;
  FlushTcp(c);
}

void DnsLabServer::FlushTcp(Conn& c) {
  while (!c.out.empty()) {
    ssize_t n = write(c.fd, c.out.data(), c.out.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      CloseConn(c.fd);
      return;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  Watch(epoll_fd_, c.fd, EPOLLIN | (c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT)),
        EPOLL_CTL_MOD);
}

void DnsLabServer::CloseConn(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  conns_.erase(fd);
}

}  // namespace starttls::lab
