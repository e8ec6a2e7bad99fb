// The lab's event loop: epoll over the listeners, the sessions and a signalfd, plus a min-heap
// of session wake-up times, so thousands of sessions wait out their simulated latency without
// a thread each. One LabServer per process; --processes forks several.
#pragma once
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "bench/lab/lab_certs.h"
#include "bench/lab/lab_options.h"
#include "bench/lab/lab_stats.h"
#include "bench/lab/population.h"
#include "bench/lab/session.h"

namespace starttls::lab {

uint64_t NowNs();

class LabServer {
 public:
  LabServer(const LabOptions& options, const Population& population, CertStore& certs,
            uint64_t worker_seed);
  ~LabServer();
  // Opens this worker's listeners: address mode serves addresses[i] with i % workers == worker;
  // wildcard mode opens 0.0.0.0:PORT with SO_REUSEPORT in every worker.
  bool Listen(const std::vector<uint32_t>& addresses, uint32_t worker, uint32_t workers,
              std::string& error);
  // Runs until `signal_fd` (a signalfd for SIGTERM/SIGINT) is readable.
  void Run(int signal_fd);
  const LabStats& stats() const { return stats_; }
  size_t listener_count() const { return listeners_.size(); }

 private:
  struct Listener {
    int fd = -1;
    int behaviour = -1;  // -1: looked up per connection (wildcard)
    std::string mx;
  };
  struct Slot {
    std::unique_ptr<Session> session;
    uint64_t serial = 0;
    uint64_t scheduled = 0;  // earliest heap entry still meaningful; 0 none
    uint32_t events = 0;     // epoll interest registered
  };
  struct Timer {
    uint64_t when;
    int fd;
    uint64_t serial;
    bool operator>(const Timer& o) const { return when > o.when; }
  };

  bool AddListener(int family, const void* addr, size_t len, int behaviour, std::string mx,
                   bool reuseport, bool bind_lo, std::string& error);
  void Accept(const Listener& l, uint64_t now);
  void AfterEvent(int fd, uint64_t now);  // closes, re-arms epoll and the timer
  void CloseSession(int fd, bool reset);
  void FireTimers(uint64_t now);
  int TimeoutMs(uint64_t now) const;

  const LabOptions& opt_;
  const Population& population_;
  CertStore& certs_;
  LabStats stats_;
  int epoll_fd_ = -1;
  int reserve_fd_ = -1;  // closed to accept-and-drop when out of descriptors
  std::vector<Listener> listeners_;
  std::vector<int> listener_index_;  // fd -> index into listeners_, -1 otherwise
  std::vector<Slot> slots_;          // by fd
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  uint64_t next_serial_ = 1;
  std::mt19937_64 rng_;
};

}  // namespace starttls::lab
