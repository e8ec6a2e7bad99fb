// Test support: a plain blocking TCP client with deadlines, used to check the lab's bytes
// exactly. Deliberately not the project's scanner.
#pragma once
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>  // tcp_info with tcpi_segs_in (glibc's lacks it)
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace starttls::lab::test {

class PlainClient {
 public:
  ~PlainClient() {
    if (fd_ >= 0) close(fd_);
  }
  // Returns 0 or the connect errno.
  int Connect(const std::string& ip, uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return errno;
    return 0;
  }
  void Send(const std::string& s) { (void)!send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // Reads until `want` bytes arrived (then `settle_ms` more for stray extra bytes), EOF,
  // an error, or `timeout_ms`. Records EOF/errno and the number of recv calls that gave data.
  std::string Read(size_t want, int timeout_ms = 3000, int settle_ms = 100) {
    std::string got;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::milliseconds(timeout_ms);
    bool settling = false;
    while (true) {
      if (!settling && got.size() >= want) {
        settling = true;
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settle_ms);
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        got.append(buf, static_cast<size_t>(n));
        ++reads_;
        continue;
      }
      if (n == 0)
        eof_ = true;
      else
        error_ = errno;
      break;
    }
    return got;
  }
  // TCP segments this socket has received so far (data and pure ACKs), from TCP_INFO.
  uint32_t SegmentsIn() const {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
    return info.tcpi_segs_in;
  }
  bool eof() const { return eof_; }
  int error() const { return error_; }
  int reads() const { return reads_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool eof_ = false;
  int error_ = 0;
  int reads_ = 0;
};

}  // namespace starttls::lab::test
