// libFuzzer target: reply framing (docs/rules.md §3) and the verdict on a conversation (§4).
//
// Input: a control byte, the split schedule, then the server's bytes: banner, EHLO reply and
// HELO reply separated by 0x01 bytes (one part: the EHLO reply alone, as `classify`
// transcripts may have it).
//   control bit 7: small reply caps (40-octet lines, 300-byte replies, 6 lines);
//   schedule: a count n, then n bytes, each the size of the next read (1 + its low 6 bits,
//   times 16 when bit 6 is set), used in turn and over again; n = 0: one read of it all.
// Each reply is framed whole (FrameWholeReply, as `classify` does) and fed in reads of the
// schedule's sizes (as a session receives it).
//
// Oracles (abort on violation):
//   - framing does not depend on how the bytes were split: same status, lines, flags; same
//     raw bytes and trailing data, except that a malformed reply keeps what it was given in
//     the read that showed it malformed (so its raw bytes are a prefix of the whole-buffer
//     ones);
//   - caps hold: raw within max_reply_bytes, lines within max_lines;
//   - the verdict's status follows the reply kinds (2xx / 421 / other 4xx-5xx / anything
//     else, §4 and its HELO fallback), computed here independently;
//   - a 2xx EHLO's class, and the starttls_in_greeting, trailing_data, reply_truncated and
//     ehlo_rejected anomalies, follow §3-§4 as re-stated here;
//   - client views agree where §4's rules coincide (postfix = cisco_esa = the compliant
//     class, go = jakarta, opensmtpd = swaks, curl = msmtp, zgrab2 = openssl = raw contains
//     STARTTLS, and opensmtpd or testssl imply curl).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scanner/smtp/conversation.h"

namespace {

using namespace starttls;

#define FUZZ_CHECK(condition)                                                               \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "classify_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

// Read sizes from the fuzzer's schedule, in turn and over again.
class Splitter {
 public:
  explicit Splitter(std::string_view schedule) : schedule_(schedule) {}
  size_t Next() {
    if (schedule_.empty()) return SIZE_MAX;
    auto s = static_cast<uint8_t>(schedule_[at_++ % schedule_.size()]);
    return (1 + size_t{s & 0x3Fu}) << ((s & 0x40) ? 4 : 0);
  }

 private:
  std::string_view schedule_;
  size_t at_ = 0;
};

CapturedReply FrameInPieces(std::string_view bytes, const ReplyLimits& limits, Splitter* splitter) {
  ReplyFramer framer(limits);
  CapturedReply captured;
  size_t offset = 0;
  while (offset < bytes.size()) {
    size_t len = std::min(splitter->Next(), bytes.size() - offset);
    size_t consumed = 0;
    FrameStatus status = framer.Feed(bytes.substr(offset, len), &consumed);
    FUZZ_CHECK(consumed <= len);
    // Only the end of a reply stops short of the piece; a reply still open takes it all.
    FUZZ_CHECK(status != FrameStatus::kNeedMore || consumed == len);
    offset += consumed;
    if (status != FrameStatus::kNeedMore) {
      // Once ended, a framer takes nothing more and keeps its status.
      size_t again = 1;
      FUZZ_CHECK(framer.Feed(bytes.substr(offset), &again) == status && again == 0);
      if (status == FrameStatus::kComplete) captured.trailing.assign(bytes.substr(offset));
      break;
    }
  }
  captured.reply = framer.TakeReply();
  return captured;
}

bool SameLines(const Reply& a, const Reply& b) {
  if (a.lines.size() != b.lines.size()) return false;
  for (size_t i = 0; i < a.lines.size(); ++i) {
    const ReplyLine& x = a.lines[i];
    const ReplyLine& y = b.lines[i];
    if (x.begin != y.begin || x.length != y.length || x.code != y.code ||
        x.continues != y.continues || x.bare_lf != y.bare_lf) {
      return false;
    }
  }
  return true;
}

// Frames `bytes` both ways and checks they agree; returns the whole-buffer capture.
CapturedReply FrameBothWays(std::string_view bytes, const ReplyLimits& limits, Splitter* splitter) {
  CapturedReply whole;
  whole.reply = FrameWholeReply(bytes, &whole.trailing, limits);
  CapturedReply pieces = FrameInPieces(bytes, limits, splitter);
  const Reply& w = whole.reply;
  const Reply& p = pieces.reply;
  FUZZ_CHECK(w.status == p.status);
  FUZZ_CHECK(SameLines(w, p));
  FUZZ_CHECK(w.bare_lf == p.bare_lf && w.line_too_long == p.line_too_long &&
             w.mixed_reply_codes == p.mixed_reply_codes);
  if (w.status == FrameStatus::kMalformed) {
    FUZZ_CHECK(std::string_view(w.raw).starts_with(p.raw));
  } else {
    FUZZ_CHECK(w.raw == p.raw);
  }
  FUZZ_CHECK(whole.trailing == pieces.trailing);
  FUZZ_CHECK(w.raw.size() <= limits.max_reply_bytes && w.lines.size() <= limits.max_lines);
  FUZZ_CHECK(w.complete() || whole.trailing.empty());
  // Every framed line starts with its 3-digit code; the last line of a complete reply ends it.
  for (size_t i = 0; i < w.lines.size(); ++i) {
    std::string_view line = w.Line(i);
    FUZZ_CHECK(line.size() >= 3 &&
               w.lines[i].code == (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
    FUZZ_CHECK(w.lines[i].continues == (i + 1 < w.lines.size() || !w.complete()));
  }
  return whole;
}

// docs/rules.md §4, re-stated: how a reply code steers the verdict.
enum class Kind { kPositive, kRateLimited, kRefused, kOther };
Kind KindOf(const Reply& reply) {
  int code = reply.lines.empty() ? 0 : reply.lines.front().code;
  if (code >= 200 && code < 300) return Kind::kPositive;
  if (code == 421) return Kind::kRateLimited;
  if (code >= 400 && code < 600) return Kind::kRefused;
  return Kind::kOther;
}

// The status a reply that ends the conversation gives.
ScanStatus EndingStatus(const Reply& reply) {
  if (!reply.complete()) return ScanStatus::kProtocolError;
  switch (KindOf(reply)) {
    case Kind::kRateLimited:
      return ScanStatus::kRateLimited;
    case Kind::kRefused:
      return ScanStatus::kRejected;
    default:
      return ScanStatus::kProtocolError;
  }
}

bool EqualsStarttls(std::string_view word) {
  static constexpr std::string_view kStarttls = "STARTTLS";
  if (word.size() != kStarttls.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i] >= 'a' && word[i] <= 'z' ? static_cast<char>(word[i] - 32) : word[i];
    if (c != kStarttls[i]) return false;
  }
  return true;
}

std::string_view Before(std::string_view text, std::string_view stops) {
  return text.substr(0, std::min(text.size(), text.find_first_of(stops)));
}

void CheckVerdict(const Conversation& conversation, const ConversationVerdict& verdict) {
  // Status.
  ScanStatus expected = ScanStatus::kSuccess;
  bool ehlo_rejected = false;
  const Reply& ehlo = conversation.ehlo->reply;
  if (conversation.banner.has_value() && (!conversation.banner->reply.complete() ||
                                          KindOf(conversation.banner->reply) != Kind::kPositive)) {
    expected = EndingStatus(conversation.banner->reply);
  } else if (!ehlo.complete() || KindOf(ehlo) == Kind::kOther) {
    expected = EndingStatus(ehlo);
  } else if (KindOf(ehlo) != Kind::kPositive) {
    if (!conversation.helo.has_value()) {
      expected = EndingStatus(ehlo);
    } else if (!conversation.helo->reply.complete() ||
               KindOf(conversation.helo->reply) != Kind::kPositive) {
      expected = EndingStatus(conversation.helo->reply);
    } else {
      ehlo_rejected = true;
    }
  }
  FUZZ_CHECK(verdict.status == expected);
  FUZZ_CHECK((expected == ScanStatus::kSuccess) == verdict.cls.has_value());
  FUZZ_CHECK((expected == ScanStatus::kSuccess) == verdict.error.empty());
  FUZZ_CHECK(verdict.anomalies.Has(Anomaly::kEhloRejected) == ehlo_rejected);

  // Framing anomalies, whatever the status.
  bool trailing = false;
  bool truncated = false;
  for (const auto* captured : {&conversation.banner, &conversation.ehlo, &conversation.helo}) {
    if (!captured->has_value()) continue;
    trailing |= !(*captured)->trailing.empty();
    truncated |= (*captured)->reply.truncated();
  }
  FUZZ_CHECK(verdict.anomalies.Has(Anomaly::kTrailingData) == trailing);
  FUZZ_CHECK(verdict.anomalies.Has(Anomaly::kReplyTruncated) == truncated);

  if (!verdict.ehlo.has_value()) {
    FUZZ_CHECK(!verdict.anomalies.Has(Anomaly::kStarttlsInGreeting));
    return;
  }
  // Class of a 2xx EHLO reply.
  FUZZ_CHECK(expected == ScanStatus::kSuccess && KindOf(ehlo) == Kind::kPositive);
  bool listed = false;
  for (size_t i = 1; i < ehlo.lines.size(); ++i) {
    listed |= EqualsStarttls(Before(ehlo.Text(i), " \t="));
  }
  bool in_greeting = EqualsStarttls(Before(ehlo.Text(0), " \t"));
  EhloClass cls = listed        ? EhloClass::kCompliant
                  : in_greeting ? EhloClass::kStarttlsMisordered
                                : EhloClass::kNoStarttls;
  FUZZ_CHECK(verdict.cls == cls);
  FUZZ_CHECK(verdict.anomalies.Has(Anomaly::kStarttlsInGreeting) == in_greeting);

  // Client views where the rules coincide.
  const ClientViews& views = verdict.ehlo->clients;
  FUZZ_CHECK(views.Sees(Client::kPostfix) == listed);
  FUZZ_CHECK(views.Sees(Client::kCiscoEsa) == listed);
  FUZZ_CHECK(views.Sees(Client::kGoNetSmtp) == views.Sees(Client::kJakartaMail));
  FUZZ_CHECK(views.Sees(Client::kOpensmtpd) == views.Sees(Client::kSwaks));
  FUZZ_CHECK(views.Sees(Client::kCurl) == views.Sees(Client::kMsmtp));
  bool raw_has = ehlo.raw.find("STARTTLS") != std::string::npos;
  FUZZ_CHECK(views.Sees(Client::kZgrab2) == raw_has);
  FUZZ_CHECK(views.Sees(Client::kOpensslSClient) == raw_has);
  FUZZ_CHECK(!views.Sees(Client::kOpensmtpd) || views.Sees(Client::kCurl));
  FUZZ_CHECK(!views.Sees(Client::kTestssl) || views.Sees(Client::kCurl));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t schedule_length =
      input.empty() ? 0 : std::min<size_t>(static_cast<uint8_t>(input[0]), input.size() - 1);
  Splitter splitter(input.substr(input.empty() ? 0 : 1, schedule_length));
  input.remove_prefix(input.empty() ? 0 : 1 + schedule_length);
  ReplyLimits limits;
  if (control & 0x80) {
    limits.max_line_octets = 40;
    limits.max_reply_bytes = 300;
    limits.max_lines = 6;
  }

  size_t first = input.find('\x01');
  size_t second = first == std::string_view::npos ? first : input.find('\x01', first + 1);
  Conversation conversation;
  if (first == std::string_view::npos) {
    conversation.ehlo = FrameBothWays(input, limits, &splitter);
  } else {
    conversation.banner = FrameBothWays(input.substr(0, first), limits, &splitter);
    std::string_view rest = input.substr(
        first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
    conversation.ehlo = FrameBothWays(rest, limits, &splitter);
    if (second != std::string_view::npos) {
      conversation.helo = FrameBothWays(input.substr(second + 1), limits, &splitter);
    }
  }
  ConversationVerdict verdict = JudgeConversation(conversation);
  CheckVerdict(conversation, verdict);
  return 0;
}
