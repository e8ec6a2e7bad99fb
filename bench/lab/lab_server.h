// The lab's event loop: epoll over the listeners, the sessions and a signalfd, plus a min-heap
// of session wake-up times (one entry per session), so thousands of sessions wait out their
// simulated latency without a thread each. One LabServer per process; --processes forks
// several, which share SharedCounters. Sessions are pooled: a steady stream of connections
// allocates nothing.
#pragma once
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/lab/lab_certs.h"
#include "bench/lab/lab_options.h"
#include "bench/lab/lab_stats.h"
#include "bench/lab/population.h"
#include "bench/lab/session.h"
#include "bench/lab/shared_counters.h"
#include "bench/lab/timer_heap.h"

namespace starttls::lab {

uint64_t NowNs();

class LabServer {
 public:
  LabServer(const LabOptions& options, const Population& population, CertStore& certs,
            SharedCounters& shared, uint64_t worker_seed);
  ~LabServer();
  // Opens this worker's listeners: address mode serves addresses[i] with i % workers == worker;
  // wildcard mode opens 0.0.0.0:PORT with SO_REUSEPORT in every worker.
  bool Listen(const std::vector<uint32_t>& addresses, uint32_t worker, uint32_t workers,
              std::string& error);
  // Runs until `signal_fd` (a signalfd for SIGTERM/SIGINT) is readable.
  void Run(int signal_fd);
  const LabStats& stats() const { return stats_; }  // complete once Run returned
  size_t listener_count() const { return listeners_.size(); }

 private:
  struct Listener {
    int fd = -1;
    int behaviour = -1;  // -1: looked up per connection (wildcard)
    uint32_t addr = 0;   // address mode: the listener's IPv4 address (0 for ::1)
    std::string mx;
  };
  struct Slot {
    std::unique_ptr<Session> session;  // null: no open session on this descriptor
    uint32_t addr = 0;                 // destination address, for SharedCounters
    bool counted = false;              // counted in SharedCounters (IPv4)
    bool counted_ip = false;
    uint32_t events = 0;  // epoll interest registered
  };

  bool AddListener(int family, const void* addr, size_t len, int behaviour, uint32_t addr4,
                   std::string mx, bool reuseport, bool bind_lo, std::string& error);
  void Accept(const Listener& l, uint64_t now);
  void AfterEvent(int fd, uint64_t now);  // closes, re-arms epoll and the timer
  void CloseSession(int fd, bool reset);
  void FireTimers(uint64_t now);

  const LabOptions& opt_;
  const Population& population_;
  CertStore& certs_;
  SharedCounters& shared_;
  LabStats stats_;
  WorkerContext ctx_{certs_, stats_};
  int epoll_fd_ = -1;
  int reserve_fd_ = -1;  // closed to accept-and-drop when out of descriptors
  std::vector<Listener> listeners_;
  std::vector<int> listener_index_;  // fd -> index into listeners_, -1 otherwise
  std::vector<Slot> slots_;          // by fd
  std::vector<std::unique_ptr<Session>> spare_sessions_;
  TimerHeap timers_;  // keyed by fd
  std::mt19937_64 rng_;
};

}  // namespace starttls::lab
