// The metadata of a merged scan, in the shape of a part's (scanner/scan/scan_metadata.h) so
// every reader of metadata reads it: the parts' per-shard figures summed (parts, DNS work,
// unstarted targets), the whole-input accounting that every shard shares taken once (with
// other_shards = the targets of shards left out), the scan-defining flags, no `shard`, and
// `merged_from` / `missing_shards`. Record counts are those of the merged output, given by
// the caller.
#pragma once

#include "scanner/datasets/merge_plan.h"
#include "scanner/scan/scan_metadata.h"

namespace starttls {

ScanRunInfo MergedRunInfo(const MergePlan& plan);

}  // namespace starttls
