// `starttls-scan diff OLD NEW`: change records and transition matrices (scanner/datasets/scan_diff.h).
#pragma once

namespace starttls {

int RunDiffCommand(int argc, char** argv, int first);

}  // namespace starttls
