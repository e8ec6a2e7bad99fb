#include "scanner/engine/session_table.h"

namespace starttls {

SessionTable::SessionTable(uint32_t capacity)
    : capacity_(capacity), slots_(new SessionSlot[capacity]) {
  free_.reserve(capacity);
  for (uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
  for (uint32_t i = 0; i < capacity; ++i) slots_[i].timer.owner = i;
}

bool SessionTable::Acquire(uint32_t* index) {
  if (free_.empty()) return false;
  *index = free_.back();
  free_.pop_back();
  SessionSlot& slot = slots_[*index];
  slot.generation = (slot.generation + 1) & Cookie::kGenerationMask;
  slot.in_use = true;
  slot.inflight = 0;
  slot.socket_error = 0;
  slot.bind_error = 0;
  slot.connecting = slot.receiving = slot.finished = slot.closing = false;
  slot.unsent = {};
  ++in_use_;
  return true;
}

void SessionTable::Release(uint32_t index) {
  SessionSlot& slot = slots_[index];
  if (!slot.in_use) return;
  slot.in_use = false;
  --in_use_;
  free_.push_back(index);
}

SessionSlot* SessionTable::Resolve(const Cookie& cookie) {
  if (cookie.index >= capacity_) return nullptr;
  SessionSlot& slot = slots_[cookie.index];
  if (!slot.in_use || slot.generation != cookie.generation) return nullptr;
  return &slot;
}

}  // namespace starttls
