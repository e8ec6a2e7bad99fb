// A tiny scripted SMTP server for engine tests: one thread, plain non-blocking sockets, a
// listener per behaviour on 127.0.0.x with a kernel-chosen port. It records what each
// connection sent, and is stopped (thread joined, sockets closed) by its destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/ip_address.h"

namespace starttls::testing {

enum class Behaviour {
  kCompliant,      // 220 ESMTP, EHLO lists STARTTLS after the greeting, 221 on QUIT
  kMisordered,     // STARTTLS on the EHLO reply's first line
  kSilent,         // accepts, never says anything (banner timeout)
  kResetOnAccept,  // accepts and resets at once (SO_LINGER 0)
  kCloseOnAccept,  // accepts and closes cleanly before any banner
  kBanner421,      // 421 busy, then closes after QUIT
  kEhloRefused,    // 502 to EHLO, 250 to HELO
  kSlowBanner,     // the banner comes after 100 ms
  kSplitReplies,   // every reply written one byte at a time
};

class LoopbackSmtpServer {
 public:
  LoopbackSmtpServer();
  ~LoopbackSmtpServer();  // stops the thread and closes every socket
  LoopbackSmtpServer(const LoopbackSmtpServer&) = delete;
  LoopbackSmtpServer& operator=(const LoopbackSmtpServer&) = delete;

  // Listens for `behaviour` on 127.0.0.<host_octet>:<random port>. Call before Start().
  Endpoint Listen(Behaviour behaviour, uint8_t host_octet = 1);
  // A port on 127.0.0.<host_octet> that nobody listens on (connection refused).
  static Endpoint RefusedEndpoint(uint8_t host_octet = 1);

  void Start();
  void Stop();

  // Everything connections to `endpoint` sent, one string per connection (closed ones).
  std::vector<std::string> Transcripts(const Endpoint& endpoint);
  // The source address of every connection `endpoint` accepted, in order.
  std::vector<IpAddress> Peers(const Endpoint& endpoint);
  uint64_t accepted() const { return accepted_.load(); }
  // The most connections to one listener open at the same time.
  uint32_t peak_concurrent(const Endpoint& endpoint);

 private:
  struct Listener {
    int fd = -1;
    Behaviour behaviour;
    Endpoint endpoint;
    uint32_t open = 0;
    uint32_t peak = 0;
  };
  struct Connection {
    int fd = -1;
    size_t listener = 0;
    std::string input;
    std::string received;
    std::string output;  // still to write
    int64_t banner_at_ns = 0;
    bool close_after_write = false;
  };

  void Loop();
  void OnAccept(size_t listener_index);
  // Returns false when the connection is to be closed.
  bool OnReadable(Connection& connection);
  bool Flush(Connection& connection);
  void Answer(Connection& connection, const std::string& line);
  void CloseConnection(Connection& connection);

  std::vector<Listener> listeners_;
  std::vector<Connection> connections_;
  std::map<size_t, std::vector<std::string>> transcripts_;  // by listener
  std::map<size_t, std::vector<IpAddress>> peers_;          // by listener
  std::mutex mutex_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0};
  int wake_fd_ = -1;
};

}  // namespace starttls::testing
