// --resume: continue a scan that was stopped or killed. The output file itself is the
// journal — every record in it is a target done — so a scan killed without warning resumes
// as well as one stopped cleanly: complete records are kept and skipped, a half-written last
// line (killed mid-write) is cut off, and everything else is scanned. A compressed output
// (.zst, .gz: output/compressed_frames.h) is kept frame by frame: the whole frames of whole
// records stay, a torn or damaged frame is cut with everything after it, and the scan
// appends new frames. Records are read with simdjson (output/ndjson_reader.h). The counts of
// the records kept seed the new part's tally, so the metadata describes the whole scan.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "scanner/scan/scan_feed.h"
#include "scanner/scan/scan_tally.h"

namespace starttls {

struct ResumeLoad {
  ResumeState state;
  TallySnapshot counts;       // of the records kept
  bool output_found = false;  // false: no output yet, the resumed scan starts as part 1
};

// Records are small; a line over this is not one of ours.
inline constexpr size_t kMaxResumeRecordBytes = 16 << 20;

// Reads `output_path`'s records and truncates the file after its last complete line (or
// frame: compressed as its name says, .zst or .gz; a file whose first bytes say otherwise
// is an error and left untouched). A missing file is an empty state (nothing done yet).
// `max_record_bytes` is the longest line read as a record (tests and the fuzzer use small ones).
absl::StatusOr<ResumeLoad> LoadResumeState(const std::string& output_path,
                                           size_t max_record_bytes = kMaxResumeRecordBytes);

}  // namespace starttls
