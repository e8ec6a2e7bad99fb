// libFuzzer target for the dataset tools' input path: the streaming NDJSON reader
// (output/ndjson_reader.h) over plain, gzip or zstd bytes, and what reads each record —
// report facts, the scan accumulator, CSV rows, the transcript and ZGrab2 readers.
//
// Oracles beyond "no crash, no leak, no unbounded growth": every line that is not blank is
// reported exactly once, as a record or as a bad line, in increasing line order, whatever the
// chunk and batch sizes (taken from the first input byte).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "output/csv_record.h"
#include "output/ndjson_reader.h"
#include "scanner/classify/classify_records.h"
#include "scanner/datasets/record_facts.h"
#include "scanner/datasets/scan_accumulator.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace starttls;
  if (size < 1 || size > (1 << 20)) return 0;
  const uint8_t knobs = data[0];
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  FILE* file = fmemopen(input.data(), input.size(), "rb");
  if (file == nullptr) return 0;
  NdjsonOptions options;
  options.chunk_bytes = 16u << (knobs & 7);
  options.batch_bytes = 64u << ((knobs >> 3) & 7);
  options.max_record_bytes = 4096;
  NdjsonReader reader(ByteSourceFromFile(file, "fuzz"), options);
  static const CsvLayout layout = CsvLayout::Default({});
  ScanAccumulator accumulator;
  RecordFacts facts;
  uint64_t last_line = 0;
  std::string row;
  auto saw = [&](uint64_t line) {
    Check(line > last_line);
    last_line = line;
  };
  (void)reader.Run(
      [&](NdjsonRecord& record) -> std::string {
        saw(record.line);
        simdjson::ondemand::object object;
        if (record.doc.get_object().get(object))
          return "";  // (a rejection would name the line again)
        switch (knobs >> 6) {
          case 0:
            if (!ReadRecordFacts(object, &facts)) accumulator.AddRecord(facts);
            break;
          case 1:
            row.clear();
            (void)layout.AppendRow(object, &row);
            break;
          case 2:
            (void)ClassifyTranscriptObject(object, record.line, record.text);
            break;
          default:
            (void)ClassifyZgrab2Object(object, record.line, record.text);
        }
        return "";
      },
      [&](const NdjsonBadLine& bad) {
        saw(bad.line);
        accumulator.AddBadLine();
      });
  std::fclose(file);
  (void)accumulator.Finish();
  return 0;
}
