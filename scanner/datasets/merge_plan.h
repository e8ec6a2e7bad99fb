// Which parts `starttls-scan merge` puts together, decided from their metadata alone before
// a record is read: the parts must be one scan (same seed, shard count, input digest and
// scan-defining flags: part_metadata.h), every shard present once and complete. What is
// wrong is said naming the part (or the shard, when it is missing). Foreign and duplicated
// parts are always refused; with --allow-partial a missing or incomplete shard is left out
// and listed instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scanner/datasets/part_metadata.h"

namespace starttls {

struct MergeInput {
  std::string path;           // the part's records, as named on the command line
  std::string metadata_path;  // beside it
  absl::StatusOr<PartMetadata> metadata;
};

struct MergePart {
  std::string path;
  PartMetadata metadata;
};

struct MergePlan {
  std::vector<MergePart> parts;       // to merge, in shard order
  std::vector<uint32_t> missing;      // shards left out (--allow-partial), ascending
  std::vector<std::string> refusals;  // non-empty: no merge
  std::vector<std::string> left_out;  // what --allow-partial left out, and why
  uint32_t shards = 0;
  bool allow_partial = false;

  bool ok() const { return refusals.empty() && !parts.empty(); }
  // A part found bad after planning (its records disagree with its metadata): left out
  // with --allow-partial, else a refusal.
  void LeaveOut(size_t part_index, const std::string& why);
};

MergePlan PlanMerge(const std::vector<MergeInput>& inputs, bool allow_partial);

}  // namespace starttls
