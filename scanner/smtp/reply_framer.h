// Incremental framing of SMTP replies (docs/rules.md §3).
//
// Bytes may arrive one at a time or several replies in one read: Feed() consumes only up to
// the end of the current reply and says how much it took, so the caller can treat the rest as
// trailing data or the next reply. Everything is bounded: a line longer than the RFC limit is
// only flagged, but a reply over its byte or line cap is cut off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starttls {

struct ReplyLimits {
  // RFC 5321 §4.5.3.1.5: 512 octets including CRLF.
  size_t max_line_octets = 510;
  size_t max_reply_bytes = 64 * 1024;
  size_t max_lines = 1000;
};

enum class FrameStatus : uint8_t {
  kNeedMore,   // the reply has not ended yet
  kComplete,   // a last line (code then SP or end of line) was read
  kMalformed,  // a line does not start with 3 digits then '-', SP or end of line
  kTruncated,  // the reply went over its byte or line cap and was cut off
};

struct ReplyLine {
  uint32_t begin = 0;   // offset of the line in Reply::raw
  uint32_t length = 0;  // line end (LF and one CR before it) excluded
  uint16_t code = 0;
  bool continues = false;  // separator was '-'
  bool bare_lf = false;    // ended by LF with no CR before it
};

// A reply as framed so far. `raw` keeps every byte received for it (up to the cap).
struct Reply {
  std::string raw;
  std::vector<ReplyLine> lines;
  FrameStatus status = FrameStatus::kNeedMore;
  bool bare_lf = false;
  bool line_too_long = false;
  bool mixed_reply_codes = false;

  // The reply's code is its first line's; 0 when no line was framed.
  int code() const { return lines.empty() ? 0 : lines.front().code; }
  bool complete() const { return status == FrameStatus::kComplete; }
  bool truncated() const { return status == FrameStatus::kTruncated; }
  // The whole line, code included, line end excluded.
  std::string_view Line(size_t i) const {
    return std::string_view(raw).substr(lines[i].begin, lines[i].length);
  }
  // What follows the code and its separator ("Text" in docs/rules.md §4).
  std::string_view Text(size_t i) const {
    std::string_view line = Line(i);
    return line.size() > 4 ? line.substr(4) : std::string_view();
  }
};

class ReplyFramer {
 public:
  explicit ReplyFramer(ReplyLimits limits = {}) : limits_(limits) {}

  // Consumes bytes of `input` up to the end of the current reply. *consumed receives how many
  // were taken; bytes after a complete reply are left to the caller (a malformed reply takes
  // everything it was given, as raw bytes of its own). Once the reply is
  // complete, malformed or truncated, further calls consume nothing and return that status.
  FrameStatus Feed(std::string_view input, size_t* consumed);

  const Reply& reply() const { return reply_; }
  Reply TakeReply();
  void Reset();

 private:
  FrameStatus FinishLine(size_t lf_offset);
  bool PartialLineIsMalformed() const;
  void KeepRawAfterMalformed(std::string_view rest);

  ReplyLimits limits_;
  Reply reply_;
  size_t line_start_ = 0;  // where the line being received begins in reply_.raw
};

// Frames one reply out of a complete byte string (a transcript). Bytes after a complete
// reply's end are returned in *trailing. A reply that never ends is reported as kNeedMore.
Reply FrameWholeReply(std::string_view bytes, std::string* trailing, ReplyLimits limits = {});

}  // namespace starttls
