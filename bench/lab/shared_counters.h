// State every worker process of one lab shares: a MAP_SHARED anonymous mapping made before the
// workers are forked, so in wildcard mode (SO_REUSEPORT spreads a client's connections over the
// workers) the lab still answers "first connection to this address?" and counts connections
// open at once per address and per /24 across all of them. Plain atomics on the mapping; pages
// are only backed once touched (MAP_NORESERVE), so a run that touches few addresses costs little.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace starttls::lab {

class SharedCounters {
 public:
  SharedCounters() = default;
  ~SharedCounters();
  SharedCounters(const SharedCounters&) = delete;
  SharedCounters& operator=(const SharedCounters&) = delete;

  // Maps the region (about 34 MiB of address space). Call before fork().
  bool Map(std::string& error);

  // True exactly once per address over the lab's life, whichever worker asks first
  // (banner_421_once). Only the low 24 bits matter: the lab serves 127.0.0.0/8.
  bool FirstContact(uint32_t addr);

  // A connection to `addr` opened / closed. Open returns whether the per-address count took it
  // (it saturates at 65,535); pass that back to Close.
  bool Open(uint32_t addr);
  void Close(uint32_t addr, bool counted_ip);

  uint32_t max_per_24() const;
  uint32_t max_per_ip() const;

 private:
  struct Layout;
  Layout* layout_ = nullptr;
  size_t size_ = 0;
};

}  // namespace starttls::lab
