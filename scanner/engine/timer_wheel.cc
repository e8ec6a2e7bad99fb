#include "scanner/engine/timer_wheel.h"

namespace starttls {

TimerWheel::TimerWheel(uint64_t now_tick) : now_(now_tick) {
  for (Level& level : levels_) {
    for (TimerNode& head : level.heads) head.prev = head.next = &head;
  }
}

TimerWheel::~TimerWheel() {
  for (Level& level : levels_) {
    for (TimerNode& head : level.heads) {
      while (head.next != &head) Unlink(head.next);
    }
  }
}

void TimerWheel::Schedule(TimerNode* node, uint64_t expiry_tick) {
  if (node->scheduled()) Unlink(node);
  node->expiry_tick = expiry_tick > now_ ? expiry_tick : now_ + 1;
  Insert(node);
}

void TimerWheel::Cancel(TimerNode* node) {
  if (node->scheduled()) Unlink(node);
}

void TimerWheel::Insert(TimerNode* node) {
  uint64_t delta = node->expiry_tick - now_;
  uint64_t placed_at = node->expiry_tick;
  int level = 0;
  while (level < kLevels - 1 && delta >= (uint64_t{1} << (kSlotBits * (level + 1)))) ++level;
  constexpr uint64_t kHorizon = (uint64_t{1} << (kSlotBits * kLevels)) - 1;
  if (delta > kHorizon) placed_at = now_ + kHorizon;  // re-sorted again when cascaded
  uint64_t slot = (placed_at >> (kSlotBits * level)) & kSlotMask;
  TimerNode* head = &levels_[level].heads[slot];
  node->prev = head->prev;
  node->next = head;
  head->prev->next = node;
  head->prev = node;
  MarkOccupied(level, slot);
  ++size_;
}

void TimerWheel::Unlink(TimerNode* node) {
  node->prev->next = node->next;
  node->next->prev = node->prev;
  node->prev = node->next = nullptr;
  --size_;
  // The occupancy bit is cleared lazily (MarkEmptyIfSo) when the slot is next looked at.
}

void TimerWheel::Cascade(int level, uint64_t slot) {
  TimerNode* head = &levels_[level].heads[slot];
  if (head->next == head) {
    MarkEmptyIfSo(level, slot);
    return;
  }
  // Detach the whole list first: a node beyond the horizon may land in this slot again.
  TimerNode pending;
  pending.next = head->next;
  pending.prev = head->prev;
  pending.next->prev = &pending;
  pending.prev->next = &pending;
  head->prev = head->next = head;
  MarkEmptyIfSo(level, slot);
  while (pending.next != &pending) {
    TimerNode* node = pending.next;
    Unlink(node);
    Insert(node);
  }
}

bool TimerWheel::SlotEmpty(int level, uint64_t slot) const {
  const TimerNode* head = &levels_[level].heads[slot];
  return head->next == head;
}

void TimerWheel::MarkOccupied(int level, uint64_t slot) {
  levels_[level].occupied[slot / 64] |= uint64_t{1} << (slot % 64);
}

void TimerWheel::MarkEmptyIfSo(int level, uint64_t slot) {
  if (SlotEmpty(level, slot)) levels_[level].occupied[slot / 64] &= ~(uint64_t{1} << (slot % 64));
}

uint64_t TimerWheel::NextOccupiedLevel0Tick(uint64_t limit) const {
  // Ticks in (now_, limit) all lie in the current revolution of level 0 (limit <= next wrap).
  uint64_t base = now_ & ~kSlotMask;
  uint64_t first = (now_ & kSlotMask) + 1;
  uint64_t end = limit - base;  // one past the last index to look at, <= kSlots
  const auto& occupied = levels_[0].occupied;
  for (uint64_t index = first; index < end;) {
    uint64_t word = occupied[index / 64] >> (index % 64);
    if (word != 0) {
      uint64_t found = index + static_cast<uint64_t>(__builtin_ctzll(word));
      if (found >= end) break;
      if (!SlotEmpty(0, found)) return base + found;
      // A stale bit (its timers were cancelled): look past it.
      index = found + 1;
      continue;
    }
    index = (index / 64 + 1) * 64;
  }
  return limit;
}

std::optional<uint64_t> TimerWheel::NextWakeTick() const {
  if (size_ == 0) return std::nullopt;
  return NextOccupiedLevel0Tick((now_ | kSlotMask) + 1);
}

}  // namespace starttls
