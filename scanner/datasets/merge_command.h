// `starttls-scan merge`: the parts of a sharded scan put back together (merge_plan.h,
// merge_records.h, merged_metadata.h).
#pragma once

namespace starttls {

int RunMergeCommand(int argc, char** argv, int first);

}  // namespace starttls
