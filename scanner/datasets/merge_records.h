// The records of a merge, in two passes over the parts (each streamed through
// output/ndjson_reader.h, plain, gzip or zstd):
//   1. CheckPart: every line is one of our records, the part holds as many host, domain and
//      error records as its metadata says (a truncated or altered part is caught before
//      anything is written), and the endpoints of its input targets' host records are noted.
//   2. CopyPart: every record is copied byte for byte, in order, except a host record of an
//      MX host (source mx) whose endpoint another record already covers: an endpoint that
//      several shards' domains share was scanned by each of them, and is kept once — the
//      input target's record if there is one (each target is one shard's), else the first.
// Memory: one entry per endpoint with a host record.
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "base/ip_address.h"
#include "scanner/datasets/output_sink.h"
#include "scanner/datasets/part_metadata.h"
#include "scanner/scan/scan_tally.h"

namespace starttls {

class MergeRecords {
 public:
  // Pass 1. The error names the bad record's line, or what does not add up.
  absl::Status CheckPart(const std::string& path, const PartRecordCounts& expected);
  // Pass 2: appends the part's records to `sink`, counting what is written.
  absl::Status CopyPart(const std::string& path, OutputSink* sink);

  // Host, domain and error records written, by status, class and anomaly.
  TallySnapshot written() const { return written_.Snapshot(); }
  uint64_t dropped_duplicates() const { return dropped_; }

 private:
  absl::flat_hash_set<Endpoint> input_endpoints_;  // pass 1
  absl::flat_hash_set<Endpoint> mx_written_;       // pass 2
  ScanTally written_;
  uint64_t dropped_ = 0;
};

}  // namespace starttls
