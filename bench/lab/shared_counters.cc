#include "bench/lab/shared_counters.h"

#include <errno.h>
#include <sys/mman.h>

#include <atomic>
#include <cstring>

namespace starttls::lab {

// Sized for 127.0.0.0/8: 2^24 addresses, 2^16 /24 networks.
struct SharedCounters::Layout {
  uint64_t first_contact[(1u << 24) / 64];  // one bit per address: 2 MiB
  uint32_t per_24[1u << 16];                // open connections per /24: 256 KiB
  uint16_t per_ip[1u << 24];                // open connections per address: 32 MiB
  uint32_t max_per_24;
  uint32_t max_per_ip;
};

namespace {

template <typename T>
std::atomic_ref<T> Atomic(T& value) {
  return std::atomic_ref<T>(value);
}

void RaiseMax(uint32_t& max, uint32_t value) {
  auto m = Atomic(max);
  uint32_t seen = m.load(std::memory_order_relaxed);
  while (value > seen && !m.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

}  // namespace

SharedCounters::~SharedCounters() {
  if (layout_) munmap(layout_, size_);
}

bool SharedCounters::Map(std::string& error) {
  size_ = sizeof(Layout);
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) {
    error = std::string("mmap of the shared counters failed: ") + strerror(errno);
    return false;
  }
  layout_ = static_cast<Layout*>(p);  // zero-filled by the kernel
  return true;
}

bool SharedCounters::FirstContact(uint32_t addr) {
  uint32_t index = addr & 0xffffff;
  uint64_t bit = uint64_t{1} << (index % 64);
  uint64_t before =
      Atomic(layout_->first_contact[index / 64]).fetch_or(bit, std::memory_order_relaxed);
  return (before & bit) == 0;
}

bool SharedCounters::Open(uint32_t addr) {
  uint32_t net = (addr >> 8) & 0xffff;
  RaiseMax(layout_->max_per_24,
           Atomic(layout_->per_24[net]).fetch_add(1, std::memory_order_relaxed) + 1);
  auto ip = Atomic(layout_->per_ip[addr & 0xffffff]);
  uint16_t seen = ip.load(std::memory_order_relaxed);
  do {
    if (seen == UINT16_MAX) return false;  // saturated: not counted, so not uncounted either
  } while (
      !ip.compare_exchange_weak(seen, static_cast<uint16_t>(seen + 1), std::memory_order_relaxed));
  RaiseMax(layout_->max_per_ip, uint32_t{seen} + 1);
  return true;
}

void SharedCounters::Close(uint32_t addr, bool counted_ip) {
  Atomic(layout_->per_24[(addr >> 8) & 0xffff]).fetch_sub(1, std::memory_order_relaxed);
  if (counted_ip) Atomic(layout_->per_ip[addr & 0xffffff]).fetch_sub(1, std::memory_order_relaxed);
}

uint32_t SharedCounters::max_per_24() const {
  return layout_ ? Atomic(layout_->max_per_24).load(std::memory_order_relaxed) : 0;
}

uint32_t SharedCounters::max_per_ip() const {
  return layout_ ? Atomic(layout_->max_per_ip).load(std::memory_order_relaxed) : 0;
}

}  // namespace starttls::lab
