// dns-lab's sockets: one UDP and one TCP socket on the same loopback address and port, one
// epoll loop, answers from HostileZone. Bounded everywhere: TCP connections (256), bytes
// buffered per connection, delayed answers waiting (65,536), idle connections closed after
// 10 s. Stops on the signal fd (SIGTERM/SIGINT).
#pragma once
#include <netinet/in.h>

#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/lab/hostile_zone.h"

namespace starttls::lab {

struct DnsLabStats {
  uint64_t udp_queries = 0;
  uint64_t tcp_queries = 0;
  uint64_t tcp_connections = 0;
  uint64_t messages_sent = 0;
  uint64_t formerr = 0;
  uint64_t dropped = 0;  // over a cap
  std::string ToJson() const;
};

class DnsLabServer {
 public:
  explicit DnsLabServer(const HostileZone& zone) : zone_(zone) {}
  ~DnsLabServer();
  DnsLabServer(const DnsLabServer&) = delete;
  DnsLabServer& operator=(const DnsLabServer&) = delete;

  // `address` in host byte order (127.0.0.0/8).
  bool Listen(uint32_t address, uint16_t port, std::string& error);
  void Run(int signal_fd);
  const DnsLabStats& stats() const { return stats_; }

 private:
  struct Conn {
    int fd = -1;
    uint64_t generation = 0;
    std::string in;
    std::string out;
    int64_t last_ms = 0;
  };
  struct Pending {
    int64_t due_ms = 0;
    bool tcp = false;
    sockaddr_in to{};         // UDP
    int fd = -1;              // TCP
    uint64_t generation = 0;  // TCP: the connection it belongs to
    std::string bytes;
    bool operator>(const Pending& o) const { return due_ms > o.due_ms; }
  };

  void ReadUdp(int64_t now);
  void Accept(int64_t now);
  void ReadTcp(Conn& c, int64_t now);
  void FlushTcp(Conn& c);
  void CloseConn(int fd);
  void Queue(bool tcp, const sockaddr_in* to, Conn* conn, std::string bytes, uint32_t delay,
             int64_t now);
  void SendNow(const Pending& p);
  void AnswerQuery(std::string_view message, bool tcp, const sockaddr_in* to, Conn* conn,
                   int64_t now);

  const HostileZone& zone_;
  int epoll_fd_ = -1;
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  uint64_t next_generation_ = 1;
  std::unordered_map<int, Conn> conns_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending_;
  std::vector<DnsSend> sends_;  // scratch
  DnsLabStats stats_;
};

}  // namespace starttls::lab
