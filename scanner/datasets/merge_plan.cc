#include "scanner/datasets/merge_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace starttls {
namespace {

std::string FlagsText(const FlagList& flags) {
  std::string text;
  for (const auto& [name, value] : flags) {
    text += (text.empty() ? "--" : " --") + name + (value.empty() ? "" : "=" + value);
  }
  return text.empty() ? "(none)" : text;
}

// Why `part` is not of the same scan as `first`, or "".
std::string ForeignReason(const MergeInput& part, const MergeInput& first) {
  const PartMetadata& a = *part.metadata;
  const PartMetadata& b = *first.metadata;
  std::string of = " differs from " + first.path + "'s ";
  if (a.seed != b.seed) {
    return "seed " + std::to_string(a.seed) + of + std::to_string(b.seed);
  }
  if (a.shards != b.shards) {
    return "shard count " + std::to_string(a.shards) + of + std::to_string(b.shards);
  }
  if (a.input_sha256 != b.input_sha256) {
    return "input digest " + (a.input_sha256.empty() ? "(none)" : a.input_sha256) + of +
           (b.input_sha256.empty() ? "(none)" : b.input_sha256);
  }
  FlagList flags_a = ScanDefiningFlags(a.flags);
  FlagList flags_b = ScanDefiningFlags(b.flags);
  if (flags_a != flags_b) return "flags " + FlagsText(flags_a) + of + FlagsText(flags_b);
  // The same input read under the same flags is accounted the same by every shard.
  InputCounts ia = a.input, ib = b.input;
  ia.other_shards = ib.other_shards = 0;
  if (ia.lines != ib.lines || ia.skipped != ib.skipped || ia.invalid != ib.invalid ||
      ia.duplicates != ib.duplicates || ia.targets != ib.targets || ia.expanded != ib.expanded ||
      a.input_lines_read != b.input_lines_read) {
    return "input accounting" + of;
  }
  return "";
}

std::string IncompleteReason(const PartMetadata& meta) {
  if (meta.running) return "still running, or killed (its metadata is the one written at start)";
  if (!meta.completed) {
    return "incomplete (" +
           (meta.stop_reason.empty() ? std::string("not completed") : meta.stop_reason) +
           "; --resume finishes it)";
  }
  return "";
}

// What parts of one scan share (the fields ForeignReason compares), as one string.
std::string ScanIdentity(const PartMetadata& meta) {
  std::string key = std::to_string(meta.seed) + "|" + std::to_string(meta.shards) + "|" +
                    meta.input_sha256 + "|" + FlagsText(ScanDefiningFlags(meta.flags));
  for (uint64_t count :
       {meta.input.lines, meta.input.skipped, meta.input.invalid, meta.input.duplicates,
        meta.input.targets, meta.input.expanded, meta.input_lines_read}) {
    key += "|" + std::to_string(count);
  }
  return key;
}

// The part the others are compared with: one of the scan most parts belong to (the first
// given on a tie), so that one stray part is the one named, not all the others.
const MergeInput* Reference(const std::vector<MergeInput>& inputs) {
  std::map<std::string, std::pair<size_t, const MergeInput*>> scans;
  const MergeInput* best = nullptr;
  size_t best_count = 0;
  for (const MergeInput& input : inputs) {
    if (!input.metadata.ok()) continue;
    auto& [count, first] = scans[ScanIdentity(*input.metadata)];
    if (first == nullptr) first = &input;
    if (++count > best_count) {
      best_count = count;
      best = first;
    }
  }
  return best;
}

}  // namespace

void MergePlan::LeaveOut(size_t part_index, const std::string& why) {
  const MergePart& part = parts[part_index];
  std::string text = part.path + ": shard " + std::to_string(part.metadata.shard) + " " + why;
  if (!allow_partial) {
    refusals.push_back(text);
    return;
  }
  left_out.push_back(text);
  missing.insert(std::upper_bound(missing.begin(), missing.end(), part.metadata.shard),
                 part.metadata.shard);
  parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(part_index));
}

MergePlan PlanMerge(const std::vector<MergeInput>& inputs, bool allow_partial) {
  MergePlan plan;
  plan.allow_partial = allow_partial;
  const MergeInput* first = Reference(inputs);
  std::map<uint32_t, const MergeInput*> by_shard;  // the first part of the scan per shard
  std::set<uint32_t> named;     // shards some part names (not missing), merged or not
  std::set<uint32_t> unmerged;  // of those, the ones with no complete part
  for (const MergeInput& input : inputs) {
    if (!input.metadata.ok()) {
      std::string text = input.path + ": no usable metadata beside it (" + input.metadata_path +
                         ": " + std::string(input.metadata.status().message()) + ")";
      (allow_partial ? plan.left_out : plan.refusals).push_back(text);
      continue;
    }
    const PartMetadata& meta = *input.metadata;
    named.insert(meta.shard);
    if (std::string foreign = ForeignReason(input, *first); !foreign.empty()) {
      plan.refusals.push_back(input.path + ": not a part of the same scan: " + foreign);
      continue;
    }
    std::string shard = "shard " + std::to_string(meta.shard);
    auto [it, fresh] = by_shard.try_emplace(meta.shard, &input);
    if (!fresh) {
      plan.refusals.push_back(input.path + ": " + shard + " again (also " + it->second->path + ")");
      continue;
    }
    if (std::string why = IncompleteReason(meta); !why.empty()) {
      std::string text = input.path + ": " + shard + " is " + why;
      (allow_partial ? plan.left_out : plan.refusals).push_back(text);
      unmerged.insert(meta.shard);
    }
  }
  if (first == nullptr) {
    plan.refusals.push_back("no part has usable metadata: nothing to merge");
    return plan;
  }
  plan.shards = first->metadata->shards;
  // Shards no part names, said once per run of them (a scan may have 65,536 shards).
  std::optional<uint32_t> run_start;
  auto end_run = [&](uint32_t end) {
    if (!run_start.has_value()) return;
    std::string of = " of " + std::to_string(plan.shards);
    std::string text =
        end - *run_start == 1
            ? "shard " + std::to_string(*run_start) + of + " is missing: no part names it"
            : "shards " + std::to_string(*run_start) + "-" + std::to_string(end - 1) + of +
                  " are missing: no part names them";
    (allow_partial ? plan.left_out : plan.refusals).push_back(text);
    run_start.reset();
  };
  for (uint32_t shard = 0; shard < plan.shards; ++shard) {
    auto it = by_shard.find(shard);
    bool unnamed = !named.contains(shard);
    if (!unnamed) end_run(shard);
    if (it != by_shard.end() && !unmerged.contains(shard)) {
      plan.parts.push_back({it->second->path, *it->second->metadata});
      continue;
    }
    if (unnamed && !run_start.has_value()) run_start = shard;
    plan.missing.push_back(shard);
  }
  end_run(plan.shards);
  if (plan.parts.empty() && plan.refusals.empty()) {
    plan.refusals.push_back("no complete part: nothing to merge");
  }
  return plan;
}

}  // namespace starttls
