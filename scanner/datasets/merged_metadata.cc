#include "scanner/datasets/merged_metadata.h"

#include <algorithm>

namespace starttls {

ScanRunInfo MergedRunInfo(const MergePlan& plan) {
  ScanRunInfo info;
  const PartMetadata& first = plan.parts.front().metadata;
  info.version = first.version;
  info.flags = ScanDefiningFlags(first.flags);
  info.seed = first.seed;
  info.shards = first.shards;
  info.shard = std::nullopt;
  info.start_unix_ms = first.start_unix_ms;
  info.parts = 0;
  info.input = first.input;
  info.input_sha256 = first.input_sha256;
  info.input_lines_read = first.input_lines_read;
  uint64_t merged_targets = 0;
  for (const MergePart& part : plan.parts) {
    const PartMetadata& meta = part.metadata;
    info.start_unix_ms = std::min(info.start_unix_ms, meta.start_unix_ms);
    info.end_unix_ms = std::max(info.end_unix_ms, meta.end_unix_ms);
    info.parts += meta.parts;
    merged_targets += meta.input.targets - std::min(meta.input.targets, meta.input.other_shards);
    info.domain_work.queries += meta.domain_work.queries;
    info.domain_work.query_timeouts += meta.domain_work.query_timeouts;
    info.domain_work.ad_seen += meta.domain_work.ad_seen;
    info.domain_work.policy_fetches += meta.domain_work.policy_fetches;
    info.not_started.insert(info.not_started.end(), meta.not_started.begin(),
                            meta.not_started.end());
    info.merged_from.push_back(part.path);
  }
  info.input.other_shards = info.input.targets - std::min(info.input.targets, merged_targets);
  info.completed = plan.missing.empty();
  if (!plan.missing.empty()) {
    info.stop_reason = "merged without " + std::to_string(plan.missing.size()) + " of " +
                       std::to_string(plan.shards) + " shards (--allow-partial)";
  }
  if (plan.allow_partial) info.missing_shards = plan.missing;
  return info;
}

}  // namespace starttls
