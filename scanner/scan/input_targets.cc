#include "scanner/scan/input_targets.h"

#include <utility>

#include "base/seeded_random.h"

namespace starttls {
namespace {

// A line may name at most this many targets (a /8, or a /16 on 256 ports): the dedupe
// set holds every one of them. Larger blocks belong in ZMap, whose output we then read.
constexpr uint64_t kMaxTargetsPerLine = uint64_t{1} << 24;
// Keeps the shards' split of invalid lines independent of their split of targets.
constexpr uint64_t kInvalidLineKey = 0x696e76616c69646cULL;  // "invalidl"

}  // namespace

InputTargets::InputTargets(TargetReader* reader, InputTargetsOptions options)
    : reader_(reader),
      options_(std::move(options)),
      shards_(options_.seed, options_.shards, options_.shard),
      invalid_shards_(Mix64(options_.seed ^ kInvalidLineKey), options_.shards, options_.shard) {
  if (options_.ports.empty()) options_.ports = {25};
}

InputTargets::Entry InputTargets::Classify(bool first_time) {
  if (!first_time) {
    ++counts_.duplicates;
    return Entry::kDuplicate;
  }
  if (shards_.Owns(counts_.targets++)) return Entry::kMine;
  ++counts_.other_shards;
  return Entry::kOtherShard;
}

bool InputTargets::NextOfLine(InputTarget* out, bool* duplicate) {
  const Target& target = record_.parsed.target;
  const std::vector<uint16_t>& ports = options_.ports;
  while (entries_taken_ < entry_count_) {
    const uint64_t k = entries_taken_++;
    out->line = options_.arguments ? 0 : record_.line_number;
    out->domain.clear();
    out->name.clear();
    if (target.kind == TargetKind::kDomain) {
      if (Classify(dedupe_.InsertDomain(target.name)) != Entry::kMine) continue;
      out->domain = target.name;
      return true;
    }
    if (target.kind == TargetKind::kCidr) {
      out->endpoint = Endpoint{*target.cidr.At(k / ports.size()), ports[k % ports.size()]};
    } else {
      out->endpoint = Endpoint{target.address, target.port != 0 ? target.port : ports[k]};
    }
    Entry entry = Classify(dedupe_.InsertEndpoint(out->endpoint));
    if (entry == Entry::kMine) {
      if (target.kind == TargetKind::kAddressWithName) out->name = target.name;
      return true;
    }
    if (entry == Entry::kDuplicate && target.kind == TargetKind::kAddressWithName) {
      out->name = target.name;  // joins the record of the earlier line, if this shard has it
      *duplicate = true;
      return true;
    }
  }
  expanding_ = false;
  return false;
}

InputTargets::Got InputTargets::Next(InputTarget* out) {
  while (true) {
    if (expanding_) {
      bool duplicate = false;
      if (NextOfLine(out, &duplicate)) return duplicate ? Got::kDuplicateName : Got::kTarget;
    }
    if (ended_) return Got::kEnd;
    LinePoll polled = reader_->Poll(&record_);
    counts_.lines = reader_->lines_read();
    counts_.skipped = reader_->lines_skipped();
    if (polled == LinePoll::kNotYet) return Got::kNotYet;
    if (polled == LinePoll::kEnd) {
      ended_ = true;
      return Got::kEnd;
    }
    const Target& target = record_.parsed.target;
    uint64_t entries = 1;
    if (record_.parsed.outcome == LineOutcome::kTarget && target.kind != TargetKind::kDomain) {
      uint64_t ports = target.port != 0 ? 1 : options_.ports.size();
      uint64_t addresses = target.kind == TargetKind::kCidr ? target.cidr.Size() : 1;
      entries = addresses > kMaxTargetsPerLine / ports ? kMaxTargetsPerLine + 1 : addresses * ports;
      if (entries > kMaxTargetsPerLine) {
        record_.parsed.outcome = LineOutcome::kError;
        record_.parsed.error = "line " + std::to_string(record_.line_number) + ": " +
                               target.cidr.ToString() + " names more than " +
                               std::to_string(kMaxTargetsPerLine) +
                               " targets; scan such blocks with ZMap and read its output";
      }
    }
    if (record_.parsed.outcome == LineOutcome::kError) {
      ++counts_.invalid;
      if (invalid_shards_.Owns(invalid_index_++)) return Got::kInvalidLine;
      continue;
    }
    expanding_ = true;
    entries_taken_ = 0;
    entry_count_ = entries;
    counts_.expanded += entries - 1;
  }
}

uint64_t InputTargets::lines_handled() const {
  if (expanding_) return record_.line_number - 1;
  return reader_->lines_read();
}

}  // namespace starttls
