// The accounting of a scan's input (metadata `input`), so that totals reconcile from the
// output alone: every line is skipped, invalid, a duplicate, or names targets; every
// distinct target belongs to exactly one shard. A line may name several targets (a CIDR,
// or an address with several --port values): `expanded` counts the targets lines name
// beyond their first, so that
//     lines + expanded == skipped + invalid + duplicates + targets
// holds for every input, and without CIDRs and port lists `expanded` is 0.
#pragma once

#include <cstdint>

namespace starttls {

struct InputCounts {
  uint64_t lines = 0;         // lines read (arguments count as lines)
  uint64_t skipped = 0;       // blank lines, comment lines, a ZMap CSV header
  uint64_t invalid = 0;       // lines that got an `error` record (in whichever shard)
  uint64_t duplicates = 0;    // targets named again after their first line
  uint64_t targets = 0;       // distinct targets, of every shard
  uint64_t other_shards = 0;  // of those, the ones other shards scan
  uint64_t expanded = 0;      // targets named by a line beyond its first

  bool Balanced() const { return lines + expanded == skipped + invalid + duplicates + targets; }
};

}  // namespace starttls
