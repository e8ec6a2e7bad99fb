#include "scanner/smtp/reply_framer.h"

#include <algorithm>

#include "base/byte_cursor.h"

namespace starttls {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

FrameStatus ReplyFramer::Feed(std::string_view input, size_t* consumed) {
  *consumed = 0;
  if (reply_.status != FrameStatus::kNeedMore) return reply_.status;
  while (*consumed < input.size()) {
    std::string_view rest = input.substr(*consumed);
    size_t lf = rest.find('\n');
    size_t take = lf == std::string_view::npos ? rest.size() : lf + 1;
    size_t room = limits_.max_reply_bytes - reply_.raw.size();
    if (take > room) {
      // Keep the bytes up to the cap, then cut the reply off. The line cut there is a line
      // too (docs/rules.md §3): over 510 octets already, it is too long. Unless what fits
      // already shows a malformed line: smaller reads would have found that first, and the
      // verdict must not depend on how the bytes were split.
      reply_.raw.append(rest.substr(0, room));
      *consumed += room;
      if (PartialLineIsMalformed()) return reply_.status = FrameStatus::kMalformed;
      size_t partial = reply_.raw.size() - line_start_;
      reply_.line_too_long |= partial > limits_.max_line_octets;
      return reply_.status = FrameStatus::kTruncated;
    }
    reply_.raw.append(rest.substr(0, take));
    *consumed += take;
    if (lf == std::string_view::npos) {
      // Reject non-SMTP peers (an HTTP reply, say) without waiting for a line end.
      if (PartialLineIsMalformed()) return reply_.status = FrameStatus::kMalformed;
      return FrameStatus::kNeedMore;
    }
    FrameStatus status = FinishLine(reply_.raw.size() - 1);
    if (status == FrameStatus::kMalformed) {
      KeepRawAfterMalformed(input.substr(*consumed));
      *consumed = input.size();
    }
    if (status != FrameStatus::kNeedMore) return reply_.status = status;
  }
  return FrameStatus::kNeedMore;
}

// A malformed reply is kept raw for the record: what followed the bad line belongs to it,
// not to the next reply.
void ReplyFramer::KeepRawAfterMalformed(std::string_view rest) {
  size_t room = limits_.max_reply_bytes - reply_.raw.size();
  reply_.raw.append(rest.substr(0, std::min(room, rest.size())));
}

bool ReplyFramer::PartialLineIsMalformed() const {
  // A line past the line cap cuts the reply off when it ends, whatever it holds: judging it
  // early would make the verdict depend on how the bytes were split.
  if (reply_.lines.size() >= limits_.max_lines) return false;
  std::string_view partial = std::string_view(reply_.raw).substr(line_start_);
  for (size_t i = 0; i < partial.size() && i < 3; ++i) {
    if (!IsDigit(partial[i])) return true;
  }
  if (partial.size() < 4) return false;
  char separator = partial[3];
  if (separator == '-' || separator == ' ') return false;
  // "250\r" may still become "250\r\n"; anything after that CR cannot.
  return separator != '\r' || partial.size() > 4;
}

FrameStatus ReplyFramer::FinishLine(size_t lf_offset) {
  size_t begin = line_start_;
  line_start_ = lf_offset + 1;
  size_t end = lf_offset;
  bool bare_lf = true;
  if (end > begin && reply_.raw[end - 1] == '\r') {
    --end;
    bare_lf = false;
  }
  if (reply_.lines.size() >= limits_.max_lines) return FrameStatus::kTruncated;

  std::string_view line = std::string_view(reply_.raw).substr(begin, end - begin);
  ByteCursor cursor(line);
  int code = 0;
  if (!cursor.ReadThreeDigits(&code)) return FrameStatus::kMalformed;
  uint8_t separator = 0;
  bool continues = false;
  if (cursor.ReadByte(&separator)) {
    if (separator == '-') {
      continues = true;
    } else if (separator != ' ') {
      return FrameStatus::kMalformed;
    }
  }

  ReplyLine framed;
  framed.begin = static_cast<uint32_t>(begin);
  framed.length = static_cast<uint32_t>(line.size());
  framed.code = static_cast<uint16_t>(code);
  framed.continues = continues;
  framed.bare_lf = bare_lf;
  reply_.bare_lf |= bare_lf;
  reply_.line_too_long |= line.size() > limits_.max_line_octets;
  if (!reply_.lines.empty() && reply_.lines.front().code != framed.code) {
    reply_.mixed_reply_codes = true;
  }
  reply_.lines.push_back(framed);
  return continues ? FrameStatus::kNeedMore : FrameStatus::kComplete;
}

Reply ReplyFramer::TakeReply() {
  Reply taken = std::move(reply_);
  Reset();
  return taken;
}

void ReplyFramer::Reset() {
  reply_ = Reply();
  line_start_ = 0;
}

Reply FrameWholeReply(std::string_view bytes, std::string* trailing, ReplyLimits limits) {
  ReplyFramer framer(limits);
  size_t consumed = 0;
  FrameStatus status = framer.Feed(bytes, &consumed);
  // Only a complete reply has an end for bytes to trail; a cut-off reply owns the rest.
  if (status == FrameStatus::kComplete) {
    trailing->assign(bytes.substr(consumed));
  } else {
    trailing->clear();
  }
  return framer.TakeReply();
}

}  // namespace starttls
