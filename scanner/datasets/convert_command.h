// `starttls-scan convert --to csv`: NDJSON records (plain, .gz, .zst) to CSV, columns from the
// field table (output/field_table.h, output/csv_record.h).
#pragma once

namespace starttls {

int RunConvertCommand(int argc, char** argv, int first);

}  // namespace starttls
