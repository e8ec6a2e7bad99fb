#include "tests/engine/loopback_smtp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace starttls::testing {
namespace {

constexpr char kBanner[] = "220 mx.test ESMTP ready\r\n";
constexpr char kCompliantEhlo[] =
    "250-mx.test greets you\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n";
constexpr char kMisorderedEhlo[] = "250-STARTTLS\r\n250-PIPELINING\r\n250 SIZE 1000\r\n";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

sockaddr_in LoopbackAddress(uint8_t host_octet, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl((127u << 24) | host_octet);
  return address;
}

bool StartsWithCommand(const std::string& line, const char* command) {
  return strncasecmp(line.c_str(), command, std::strlen(command)) == 0;
}

}  // namespace

LoopbackSmtpServer::LoopbackSmtpServer() { wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

LoopbackSmtpServer::~LoopbackSmtpServer() {
  Stop();
  for (Connection& connection : connections_) {
    if (connection.fd >= 0) close(connection.fd);
  }
  for (Listener& listener : listeners_) close(listener.fd);
  if (wake_fd_ >= 0) close(wake_fd_);
}

Endpoint LoopbackSmtpServer::Listen(Behaviour behaviour, uint8_t host_octet) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in address = LoopbackAddress(host_octet, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 4096) != 0) {
    close(fd);
    throw std::runtime_error(std::string("bind/listen: ") + std::strerror(errno));
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  Listener listener;
  listener.fd = fd;
  listener.behaviour = behaviour;
  listener.endpoint.ip = IpAddress::V4((127u << 24) | host_octet);
  listener.endpoint.port = ntohs(address.sin_port);
  listeners_.push_back(listener);
  return listener.endpoint;
}

Endpoint LoopbackSmtpServer::RefusedEndpoint(uint8_t host_octet) {
  // Bind to get a free port, then close without listening: connects to it are refused.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = LoopbackAddress(host_octet, 0);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  Endpoint endpoint;
  endpoint.ip = IpAddress::V4((127u << 24) | host_octet);
  endpoint.port = ntohs(address.sin_port);
  return endpoint;
}

void LoopbackSmtpServer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void LoopbackSmtpServer::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
  thread_.join();
}

std::vector<std::string> LoopbackSmtpServer::Transcripts(const Endpoint& endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].endpoint == endpoint) return transcripts_[i];
  }
  return {};
}

std::vector<IpAddress> LoopbackSmtpServer::Peers(const Endpoint& endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].endpoint == endpoint) return peers_[i];
  }
  return {};
}

uint32_t LoopbackSmtpServer::peak_concurrent(const Endpoint& endpoint) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Listener& listener : listeners_) {
    if (listener.endpoint == endpoint) return listener.peak;
  }
  return 0;
}

void LoopbackSmtpServer::Loop() {
  std::vector<pollfd> fds;
  while (!stop_.load()) {
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    for (const Listener& listener : listeners_) fds.push_back({listener.fd, POLLIN, 0});
    bool pending_output = false;
    for (const Connection& connection : connections_) {
      short events = POLLIN;
      if (!connection.output.empty() && connection.banner_at_ns <= NowNs()) {
        events |= POLLOUT;
        pending_output = true;
      }
      fds.push_back({connection.fd, events, 0});
    }
    poll(fds.data(), fds.size(), pending_output ? 1 : 5);
    for (size_t i = 0; i < listeners_.size(); ++i) {
      if (fds[1 + i].revents & POLLIN) OnAccept(i);
    }
    size_t base = 1 + listeners_.size();
    size_t polled = fds.size() - base;
    std::vector<Connection> kept;
    kept.reserve(connections_.size());
    for (size_t i = 0; i < connections_.size(); ++i) {
      Connection& connection = connections_[i];
      bool alive = true;
      if (i < polled && (fds[base + i].revents & (POLLIN | POLLHUP | POLLERR))) {
        alive = OnReadable(connection);
      }
      if (alive && connection.banner_at_ns <= NowNs()) alive = Flush(connection);
      if (alive) {
        kept.push_back(std::move(connection));
      } else {
        CloseConnection(connection);
      }
    }
    connections_ = std::move(kept);
  }
}

void LoopbackSmtpServer::OnAccept(size_t listener_index) {
  Listener& listener = listeners_[listener_index];
  while (true) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof(peer);
    int fd = accept4(listener.fd, reinterpret_cast<sockaddr*>(&peer), &peer_length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (std::optional<Endpoint> from =
            Endpoint::FromSockaddr(reinterpret_cast<const sockaddr*>(&peer), peer_length)) {
      std::lock_guard<std::mutex> lock(mutex_);
      peers_[listener_index].push_back(from->ip);
    }
    accepted_.fetch_add(1);
    if (listener.behaviour == Behaviour::kResetOnAccept) {
      linger hard{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
      close(fd);
      continue;
    }
    if (listener.behaviour == Behaviour::kCloseOnAccept) {
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    Connection connection;
    connection.fd = fd;
    connection.listener = listener_index;
    switch (listener.behaviour) {
      case Behaviour::kSilent:
        break;
      case Behaviour::kBanner421:
        connection.output = "421 4.7.0 mx.test busy, try later\r\n";
        break;
      case Behaviour::kSlowBanner:
        connection.output = kBanner;
        connection.banner_at_ns = NowNs() + 100'000'000;
        break;
      default:
        connection.output = kBanner;
        break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++listener.open;
      if (listener.open > listener.peak) listener.peak = listener.open;
    }
    connections_.push_back(std::move(connection));
  }
}

bool LoopbackSmtpServer::OnReadable(Connection& connection) {
  char buffer[4096];
  while (true) {
    ssize_t n = read(connection.fd, buffer, sizeof(buffer));
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    connection.received.append(buffer, static_cast<size_t>(n));
    connection.input.append(buffer, static_cast<size_t>(n));
    size_t lf;
    while ((lf = connection.input.find('\n')) != std::string::npos) {
      std::string line = connection.input.substr(0, lf + 1);
      connection.input.erase(0, lf + 1);
      if (listeners_[connection.listener].behaviour != Behaviour::kSilent) {
        Answer(connection, line);
      }
    }
  }
}

void LoopbackSmtpServer::Answer(Connection& connection, const std::string& line) {
  Behaviour behaviour = listeners_[connection.listener].behaviour;
  if (StartsWithCommand(line, "EHLO")) {
    if (behaviour == Behaviour::kMisordered) {
      connection.output += kMisorderedEhlo;
    } else if (behaviour == Behaviour::kEhloRefused) {
      connection.output += "502 5.5.2 Error: command not recognized\r\n";
    } else {
      connection.output += kCompliantEhlo;
    }
  } else if (StartsWithCommand(line, "HELO")) {
    connection.output += "250 mx.test\r\n";
  } else if (StartsWithCommand(line, "QUIT")) {
    connection.output += "221 2.0.0 Bye\r\n";
    connection.close_after_write = true;
  } else {
    connection.output += "502 5.5.2 unknown command\r\n";
  }
}

bool LoopbackSmtpServer::Flush(Connection& connection) {
  if (connection.output.empty()) return !connection.close_after_write;
  bool one_byte = listeners_[connection.listener].behaviour == Behaviour::kSplitReplies;
  size_t length = one_byte ? 1 : connection.output.size();
  ssize_t n = write(connection.fd, connection.output.data(), length);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
  connection.output.erase(0, static_cast<size_t>(n));
  return !(connection.output.empty() && connection.close_after_write);
}

void LoopbackSmtpServer::CloseConnection(Connection& connection) {
  // Read what is still queued so the transcript is complete (QUIT may follow a reply).
  char buffer[4096];
  ssize_t n;
  while ((n = read(connection.fd, buffer, sizeof(buffer))) > 0) {
    connection.received.append(buffer, static_cast<size_t>(n));
  }
  close(connection.fd);
  connection.fd = -1;
  std::lock_guard<std::mutex> lock(mutex_);
  --listeners_[connection.listener].open;
  transcripts_[connection.listener].push_back(std::move(connection.received));
}

}  // namespace starttls::testing
