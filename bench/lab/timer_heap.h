// The lab loop's timers: one entry per open session (keyed by its descriptor), in a 4-ary
// min-heap that knows where each entry sits, so re-arming or cancelling is O(log n) in place.
// Why not a plain priority queue: re-arming left the old entry behind, and with a 300 s idle
// timeout every closed session's entry stayed for 300 s (millions of them at survey rates).
#pragma once
#include <cstdint>
#include <vector>

namespace starttls::lab {

class TimerHeap {
 public:
  bool empty() const { return heap_.empty(); }
  uint64_t next_when() const { return heap_.front().when; }
  int next_key() const { return heap_.front().key; }

  // Arms (or re-arms) `key`'s timer at `when`.
  void Set(int key, uint64_t when) {
    if (static_cast<size_t>(key) >= pos_.size()) pos_.resize(static_cast<size_t>(key) + 1024, -1);
    int32_t at = pos_[key];
    if (at < 0) {
      heap_.push_back(Entry{when, key});
      at = static_cast<int32_t>(heap_.size() - 1);
      pos_[key] = at;
      Up(at);
      return;
    }
    uint64_t old = heap_[at].when;
    heap_[at].when = when;
    if (when < old)
      Up(at);
    else
      Down(at);
  }

  void Remove(int key) {
    if (static_cast<size_t>(key) >= pos_.size() || pos_[key] < 0) return;
    int32_t at = pos_[key];
    pos_[key] = -1;
    Entry last = heap_.back();
    heap_.pop_back();
    if (at == static_cast<int32_t>(heap_.size())) return;
    heap_[at] = last;
    pos_[last.key] = at;
    Up(at);
    Down(pos_[last.key]);
  }

  bool Armed(int key) const { return static_cast<size_t>(key) < pos_.size() && pos_[key] >= 0; }
  uint64_t When(int key) const { return heap_[pos_[key]].when; }

 private:
  struct Entry {
    uint64_t when;
    int key;
  };
  void Place(int32_t at, const Entry& e) {
    heap_[at] = e;
    pos_[e.key] = at;
  }
  void Up(int32_t at) {
    Entry e = heap_[at];
    while (at > 0) {
      int32_t parent = (at - 1) / 4;
      if (heap_[parent].when <= e.when) break;
      Place(at, heap_[parent]);
      at = parent;
    }
    Place(at, e);
  }
  void Down(int32_t at) {
    Entry e = heap_[at];
    int32_t n = static_cast<int32_t>(heap_.size());
    while (true) {
      int32_t first = at * 4 + 1;
      if (first >= n) break;
      int32_t best = first;
      for (int32_t c = first + 1; c < first + 4 && c < n; ++c)
        if (heap_[c].when < heap_[best].when) best = c;
      if (heap_[best].when >= e.when) break;
      Place(at, heap_[best]);
      at = best;
    }
    Place(at, e);
  }

  std::vector<Entry> heap_;
  std::vector<int32_t> pos_;  // key -> index in heap_, -1 when not armed
};

}  // namespace starttls::lab
