// `starttls-scan scan` (the default subcommand): targets in, NDJSON host records out.
#pragma once

namespace starttls {

int RunScanCommand(int argc, char** argv, int first);

}  // namespace starttls
