// The verdict on one SMTP conversation up to EHLO/HELO (docs/rules.md §3–4): status, class and the
// full anomaly list. Shared by `starttls-scan classify` (transcripts) and the scan engine
// (live sessions), so both judge the same bytes the same way.
#pragma once

#include <optional>
#include <string>

#include "base/scan_status.h"
#include "scanner/smtp/anomaly.h"
#include "scanner/smtp/ehlo_analysis.h"
#include "scanner/smtp/reply_framer.h"

namespace starttls {

// A reply as captured: the framed reply, plus the bytes that arrived after its end and
// before our next command (docs/rules.md §3, trailing_data).
struct CapturedReply {
  Reply reply;
  std::string trailing;
};

struct Conversation {
  std::optional<CapturedReply> banner;  // absent when not captured (transcripts)
  std::optional<CapturedReply> ehlo;
  std::optional<CapturedReply> helo;  // sent only after a 4xx/5xx EHLO
};

// How a reply code steers the session.
enum class ReplyKind : uint8_t {
  kPositive,     // 2xx
  kRateLimited,  // 421: the server is closing; back off this IP
  kRefused,      // any other 4xx/5xx
  kUnexpected,   // 1xx, 3xx, or no code at all
};
ReplyKind KindOfReply(int code);

struct ConversationVerdict {
  ScanStatus status = ScanStatus::kProtocolError;
  std::optional<EhloClass> cls;
  AnomalySet anomalies;
  std::optional<EhloAnalysis> ehlo;  // set when the EHLO reply was 2xx (points into it)
  std::string error;                 // empty on success
};

ConversationVerdict JudgeConversation(const Conversation& conversation);

// Anomalies that the framing of one reply shows (bare_lf, line_too_long, ...).
AnomalySet FramingAnomalies(const CapturedReply& captured);

// True when a byte outside 0x20–0x7E other than CR, LF and TAB occurs.
bool HasNonAsciiByte(std::string_view bytes);

// banner_masked: only '2', '0', '*', SP and TAB, line ends aside.
bool IsMaskedBanner(const Reply& banner);

}  // namespace starttls
