// Turns the records of one scan (one or more files read in turn) into its ScanFigures. Memory
// is bounded by the number of distinct host endpoints (a few bytes each, for the domain
// join of "who loses TLS") and by the capped name tables of misordered hosts — never by the
// number of records.
//
// "Who loses TLS", per modelled client (docs/rules.md §4), precisely:
//   - a host record is clear for a client when its `clients` entry for that client is false
//     (hosts without a `clients` object, e.g. when EHLO was refused, are not counted);
//   - a domain is judged by its first reached MX endpoint: its exchanges in preference order
//     (ties in record order), each exchange's addresses in order, the first endpoint of the
//     domain record at that address whose class is not null (the session got a 2xx EHLO or
//     HELO there) — the host a sending MTA would deliver to. The domain is clear for a client
//     when that endpoint's host record is: its `clients` entry is false, or it has a class but
//     no `clients` object (EHLO refused, HELO used: no client can start TLS). Domains with no
//     reached endpoint, or whose endpoint has no host record in the scan, are not judged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "scanner/datasets/record_facts.h"
#include "scanner/datasets/scan_figures.h"

namespace starttls {

class ScanAccumulator {
 public:
  ScanAccumulator();
  ~ScanAccumulator();
  ScanAccumulator(const ScanAccumulator&) = delete;
  ScanAccumulator& operator=(const ScanAccumulator&) = delete;

  void AddRecord(const RecordFacts& facts);
  void AddBadLine();
  void AddFile(const std::string& path);

  // Reads the --metadata-file of the scan (start, end, seed, targets, completion). Returns
  // its error; figures from the records are used for what it lacks.
  absl::Status AddMetadata(const std::string& path);

  // The figures; the accumulator is spent afterwards.
  ScanFigures Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The metadata file beside a scan file: "x.ndjson" (also "x.ndjson.gz", "x.ndjson.zst") ->
// "x.json"; "" for other names.
std::string MetadataPathFor(const std::string& scan_path);

// Reads one scan (its files in order, and the metadata beside the first when present)
// through output/ndjson_reader.h. Bad lines are counted in the figures and reported on stderr
// under `command`'s name. Returns the reader's I/O error, if any.
absl::Status ReadScan(const std::vector<std::string>& files, const std::string& command,
                      ScanFigures* figures);

}  // namespace starttls
