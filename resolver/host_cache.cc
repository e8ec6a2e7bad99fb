#include "resolver/host_cache.h"

#include <cstring>

namespace starttls {

HostEntry* HostCache::Find(std::string_view name) {
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : it->second;
}

HostEntry* HostCache::Create(std::string_view name) {
  if (free_.empty()) {
    auto chunk = std::make_unique<HostEntry[]>(kChunk);
    for (size_t i = kChunk; i-- > 0;) free_.push_back(&chunk[i]);
    chunks_.push_back(std::move(chunk));
  }
  HostEntry* entry = free_.back();
  free_.pop_back();
  char* text = entry->short_name;
  if (name.size() > HostEntry::kInlineName) {
    entry->long_name = std::make_unique<char[]>(name.size());
    text = entry->long_name.get();
  }
  std::memcpy(text, name.data(), name.size());
  entry->name_length = static_cast<uint16_t>(name.size());
  hosts_.emplace(entry->name(), entry);
  return entry;
}

size_t HostCache::Finished(HostEntry* entry) {
  finished_.push_back(entry);
  size_t evicted = 0;
  while (finished_.size() > max_finished_) {
    HostEntry* victim = finished_.front();
    finished_.pop_front();
    hosts_.erase(victim->name());  // the key views the victim's name: erase before reuse
    *victim = HostEntry{};
    free_.push_back(victim);
    ++evicted;
  }
  return evicted;
}

}  // namespace starttls
