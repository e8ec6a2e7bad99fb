// InputTargets: the first stage of the scan's feed. Reads target lines, expands each into
// its targets (every address of a CIDR, every --port of an address; a domain is one target),
// drops and counts duplicates, numbers the distinct targets in input order and keeps this
// shard's (BalancedShards), and counts everything it reads (InputCounts). Invalid lines are
// spread over the shards the same way, so each gets its `error` record from exactly one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scanner/scan/input_accounting.h"
#include "scanner/schedule/balanced_shards.h"
#include "scanner/targets/target_dedupe.h"
#include "scanner/targets/target_line.h"

namespace starttls {

// One target of this shard, as read.
struct InputTarget {
  Endpoint endpoint;   // an address target (ip, port)
  std::string domain;  // a domain target; empty for an address target
  std::string name;    // the MX name of an 'ip,name' line (address targets); may be empty
  uint64_t line = 0;   // the input line; 0 when the targets came as arguments

  bool is_domain() const { return !domain.empty(); }
};

struct InputTargetsOptions {
  std::vector<uint16_t> ports = {25};  // of address targets without a port of their own
  uint64_t seed = 0;
  uint32_t shards = 1;
  uint32_t shard = 0;
  bool arguments = false;  // the lines are the command line's targets (records get no line)
};

class InputTargets {
 public:
  InputTargets(TargetReader* reader, InputTargetsOptions options);

  enum class Got : uint8_t {
    kTarget,         // *out is a target of this shard
    kInvalidLine,    // invalid_line() is a bad line whose error record this shard writes
    kDuplicateName,  // *out repeats an address already read, with a name to join its record
    kNotYet,         // the input has nothing ready now (a pipe); ask again later
    kEnd,            // the input has ended
  };
  Got Next(InputTarget* out);

  const TargetRecord& invalid_line() const { return record_; }
  const InputCounts& counts() const { return counts_; }
  // Lines whose every target was handed out (a line being expanded is not yet).
  uint64_t lines_handled() const;
  bool ended() const { return ended_; }
  const TargetReader& reader() const { return *reader_; }

 private:
  // The next target of the line being expanded; false when it has no more.
  bool NextOfLine(InputTarget* out, bool* duplicate);
  // Takes a new entry of the current line: counts it, returns whether this shard keeps it.
  enum class Entry : uint8_t { kMine, kOtherShard, kDuplicate };
  Entry Classify(bool first_time);

  TargetReader* reader_;
  InputTargetsOptions options_;
  BalancedShards shards_;
  BalancedShards invalid_shards_;  // spreads error records over the shards
  TargetDedupe dedupe_;
  InputCounts counts_;
  uint64_t invalid_index_ = 0;

  TargetRecord record_;
  bool expanding_ = false;      // record_ holds a target line with entries left
  uint64_t entries_taken_ = 0;  // entries of the current line taken so far
  uint64_t entry_count_ = 0;    // entries the current line names
  bool ended_ = false;
};

}  // namespace starttls
