// --dryrun: no packet and no DNS query. Prints, one per line and in scan order, the targets
// this shard would scan — addresses expanded (with ":port" when it is not the only --port),
// domains as given — so an operator can check a split before a week-long run.
#pragma once

#include <cstdio>

#include "scanner/scan/input_targets.h"
#include "scanner/scan/scan_options.h"

namespace starttls {

// Returns the exit code.
int RunDryRun(InputTargets* input, const ScanOptions& options, FILE* out);

}  // namespace starttls
