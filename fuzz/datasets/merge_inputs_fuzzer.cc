// libFuzzer target for what `starttls-scan merge` reads of a part before its records: the
// metadata file beside it (scanner/datasets/part_metadata.h), which may come from another
// machine, truncated or altered, and the planning over parts made of it.
//
// Oracles beyond "no crash, no leak": a metadata that parses has shard < shards <= 65536;
// planning two parts of it (the same text as shard K twice) refuses the duplicate, naming
// it; one complete part plans every other shard as missing with --allow-partial, an incomplete
// one is refused (nothing to merge).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scanner/datasets/merge_plan.h"
#include "scanner/datasets/part_metadata.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace starttls;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<PartMetadata> meta = ParsePartMetadata(text);
  (void)MetadataPathFor(text.substr(0, 256));
  if (!meta.ok()) return 0;
  Check(meta->shards >= 1 && meta->shards <= 65536 && meta->shard < meta->shards);
  FlagList flags = ScanDefiningFlags(meta->flags);
  Check(flags.size() <= meta->flags.size());

  std::vector<MergeInput> twice;
  twice.push_back({"a.ndjson", "a.json", *meta});
  twice.push_back({"b.ndjson", "b.json", *meta});
  MergePlan duplicate = PlanMerge(twice, true);
  Check(!duplicate.refusals.empty());
  Check(duplicate.refusals.back().find("b.ndjson: shard ") == 0);

  if (meta->shards <= 4096) {  // the missing list is one entry per shard
    std::vector<MergeInput> one;
    one.push_back({"a.ndjson", "a.json", *meta});
    MergePlan partial = PlanMerge(one, true);
    bool complete = meta->completed && !meta->running;
    Check(partial.refusals.empty() == complete);  // else: no complete part to merge
    Check(partial.parts.size() == (complete ? 1u : 0u));
    Check(partial.parts.size() + partial.missing.size() == meta->shards);
  }
  return 0;
}
