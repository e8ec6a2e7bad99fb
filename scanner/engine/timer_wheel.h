// A hierarchical timer wheel with intrusive nodes: schedule, cancel and expiry are O(1) per
// timer (a timer is cascaded at most three times on its way down), whatever the number of
// timers, so 100k open sessions each holding a deadline cost nothing to keep.
//
// Four levels of 256 slots; level L's slot spans 256^L ticks. A timer sits in the lowest level
// whose span reaches its expiry; when level 0 wraps, the next slot of level 1 is re-sorted
// into level 0 (and so on up). Occupancy bitmaps let Advance() skip empty ticks, so a long
// idle stretch costs at most one step per 256 ticks.
//
// Ticks are abstract; the engine uses 1 ms. A timer never fires before its tick.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace starttls {

struct TimerNode {
  TimerNode* prev = nullptr;
  TimerNode* next = nullptr;
  uint64_t expiry_tick = 0;
  uint32_t owner = 0;  // free for the user (the engine keeps its session index here)

  bool scheduled() const { return prev != nullptr; }
};

class TimerWheel {
 public:
  explicit TimerWheel(uint64_t now_tick = 0);
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;
  // Unlinks the nodes still scheduled, so they must outlive the wheel.
  ~TimerWheel();

  // (Re)schedules `node` to fire once Advance() reaches expiry_tick; an expiry at or before
  // now() fires on the next tick. A scheduled node is moved.
  void Schedule(TimerNode* node, uint64_t expiry_tick);
  // Unschedules `node`; harmless when it is not scheduled.
  void Cancel(TimerNode* node);

  // Moves time forward to `now_tick`, calling fn(TimerNode*) for every timer whose tick has
  // come, in tick order. The node is unscheduled before the call, so fn may reschedule it
  // or schedule and cancel others.
  template <typename Fn>
  void Advance(uint64_t now_tick, Fn&& fn);

  // The tick by which Advance() must next be called: the exact next expiry when it lies in
  // level 0, otherwise the next wrap of level 0 (where timers cascade). nullopt when empty.
  std::optional<uint64_t> NextWakeTick() const;

  uint64_t now() const { return now_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  static constexpr int kLevels = 4;
  static constexpr int kSlotBits = 8;
  static constexpr uint64_t kSlots = 1u << kSlotBits;
  static constexpr uint64_t kSlotMask = kSlots - 1;

  struct Level {
    std::array<TimerNode, kSlots> heads;  // sentinels of circular lists
    std::array<uint64_t, kSlots / 64> occupied{};
  };

  // Places a node whose expiry is >= now_ (== now_ only while cascading at now_).
  void Insert(TimerNode* node);
  void Unlink(TimerNode* node);
  void Cascade(int level, uint64_t slot);
  // The next tick in (now_, limit) whose level-0 slot is occupied, or limit.
  uint64_t NextOccupiedLevel0Tick(uint64_t limit) const;
  bool SlotEmpty(int level, uint64_t slot) const;
  void MarkOccupied(int level, uint64_t slot);
  void MarkEmptyIfSo(int level, uint64_t slot);

  std::array<Level, kLevels> levels_;
  uint64_t now_;
  size_t size_ = 0;
};

template <typename Fn>
void TimerWheel::Advance(uint64_t now_tick, Fn&& fn) {
  while (now_ < now_tick) {
    if (size_ == 0) {
      now_ = now_tick;
      return;
    }
    uint64_t boundary = (now_ | kSlotMask) + 1;  // the next wrap of level 0
    uint64_t target = NextOccupiedLevel0Tick(boundary <= now_tick ? boundary : now_tick + 1);
    if (target > now_tick) {
      now_ = now_tick;
      return;
    }
    now_ = target;
    if ((now_ & kSlotMask) == 0) {
      // Cascade each level whose index wrapped too, lowest first.
      for (int level = 1; level < kLevels; ++level) {
        uint64_t slot = (now_ >> (kSlotBits * level)) & kSlotMask;
        Cascade(level, slot);
        if (slot != 0) break;
      }
    }
    TimerNode* head = &levels_[0].heads[now_ & kSlotMask];
    while (head->next != head) {
      TimerNode* node = head->next;
      Unlink(node);
      fn(node);
    }
    MarkEmptyIfSo(0, now_ & kSlotMask);
  }
}

}  // namespace starttls
