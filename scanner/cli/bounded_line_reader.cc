#include "scanner/cli/bounded_line_reader.h"

namespace starttls {

LineResult BoundedLineReader::Next(std::string* line) {
  line->clear();
  bool too_long = false;
  bool any = false;
  int c;
  while ((c = getc_unlocked(in_)) != EOF) {
    any = true;
    if (c == '\n') break;
    if (line->size() < max_) {
      line->push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (!any) return LineResult::kEnd;
  ++line_number_;
  return too_long ? LineResult::kTooLong : LineResult::kLine;
}

}  // namespace starttls
