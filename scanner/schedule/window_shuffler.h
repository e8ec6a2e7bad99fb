// WindowShuffler: a seeded shuffle for unbounded streams in bounded memory. Targets arrive
// in input order (often sorted, so a run of lines hits one network); the shuffler holds a
// window of up to `capacity` items and releases a uniformly chosen held item for each new
// one, so consecutive emissions come from far apart in the input while memory stays at
// capacity * sizeof(T). Every pushed item is emitted exactly once (by Push or, at the end,
// by Pop). O(1) per operation. Same seed and input -> same output order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/seeded_random.h"

namespace starttls {

template <typename T>
class WindowShuffler {
 public:
  static constexpr size_t kDefaultCapacity = 65536;

  // capacity 0 is treated as 1 (then items pass through in order).
  explicit WindowShuffler(uint64_t seed, size_t capacity = kDefaultCapacity)
      : capacity_(capacity == 0 ? 1 : capacity), rng_(seed) {
    window_.reserve(capacity_);
  }

  // Adds item. If the window was full, first takes out a random held item and returns it.
  std::optional<T> Push(T item) {
    if (window_.size() < capacity_) {
      window_.push_back(std::move(item));
      return std::nullopt;
    }
    size_t j = static_cast<size_t>(rng_.Below(window_.size()));
    T out = std::move(window_[j]);
    window_[j] = std::move(item);
    return out;
  }

  // Removes and returns a random held item (to drain once input has ended); nullopt if empty.
  std::optional<T> Pop() {
    if (window_.empty()) return std::nullopt;
    size_t j = static_cast<size_t>(rng_.Below(window_.size()));
    T out = std::move(window_[j]);
    if (j + 1 != window_.size()) window_[j] = std::move(window_.back());
    window_.pop_back();
    return out;
  }

  size_t size() const { return window_.size(); }
  bool empty() const { return window_.empty(); }
  bool full() const { return window_.size() >= capacity_; }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  SplitMix64 rng_;
  std::vector<T> window_;
};

}  // namespace starttls
