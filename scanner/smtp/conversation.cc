#include "scanner/smtp/conversation.h"

#include <string>

namespace starttls {
namespace {

std::string_view FrameProblem(const Reply& reply) {
  switch (reply.status) {
    case FrameStatus::kMalformed:
      return "malformed";
    case FrameStatus::kTruncated:
      return "over its size or line cap";
    case FrameStatus::kNeedMore:
      return "incomplete";
    case FrameStatus::kComplete:
      break;
  }
  return "";
}

// Judges one reply that ends the session unless it is 2xx. Returns true to go on.
bool Proceeds(std::string_view what, const Reply& reply, ConversationVerdict* verdict) {
  if (!reply.complete()) {
    verdict->status = ScanStatus::kProtocolError;
    verdict->error = std::string(what) + " reply " + std::string(FrameProblem(reply));
    return false;
  }
  switch (KindOfReply(reply.code())) {
    case ReplyKind::kPositive:
      return true;
    case ReplyKind::kRateLimited:
      verdict->status = ScanStatus::kRateLimited;
      break;
    case ReplyKind::kRefused:
      verdict->status = ScanStatus::kRejected;
      break;
    case ReplyKind::kUnexpected:
      verdict->status = ScanStatus::kProtocolError;
      break;
  }
  verdict->error = std::string(what) + " answered " + std::to_string(reply.code());
  return false;
}

void JudgeBanner(const CapturedReply& banner, ConversationVerdict* verdict) {
  const Reply& reply = banner.reply;
  verdict->anomalies.AddIf(HasNonAsciiByte(reply.raw), Anomaly::kNonAscii);
  verdict->anomalies.AddIf(reply.complete() && IsMaskedBanner(reply), Anomaly::kBannerMasked);
  verdict->anomalies.AddIf(reply.complete() && KindOfReply(reply.code()) == ReplyKind::kPositive &&
                               reply.raw.find("ESMTP") == std::string::npos,
                           Anomaly::kNoEsmtpInBanner);
}

}  // namespace

ReplyKind KindOfReply(int code) {
  if (code >= 200 && code <= 299) return ReplyKind::kPositive;
  if (code == 421) return ReplyKind::kRateLimited;
  if (code >= 400 && code <= 599) return ReplyKind::kRefused;
  return ReplyKind::kUnexpected;
}

AnomalySet FramingAnomalies(const CapturedReply& captured) {
  const Reply& reply = captured.reply;
  AnomalySet anomalies;
  anomalies.AddIf(reply.bare_lf, Anomaly::kBareLf);
  anomalies.AddIf(reply.line_too_long, Anomaly::kLineTooLong);
  anomalies.AddIf(reply.mixed_reply_codes, Anomaly::kMixedReplyCodes);
  anomalies.AddIf(reply.truncated(), Anomaly::kReplyTruncated);
  anomalies.AddIf(!captured.trailing.empty(), Anomaly::kTrailingData);
  return anomalies;
}

bool HasNonAsciiByte(std::string_view bytes) {
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 || byte > 0x7E) && byte != '\r' && byte != '\n' && byte != '\t') {
      return true;
    }
  }
  return false;
}

bool IsMaskedBanner(const Reply& banner) {
  if (banner.lines.empty()) return false;
  for (size_t i = 0; i < banner.lines.size(); ++i) {
    for (char c : banner.Line(i)) {
      if (c != '2' && c != '0' && c != '*' && c != ' ' && c != '\t') return false;
    }
  }
  return true;
}

ConversationVerdict JudgeConversation(const Conversation& conversation) {
  ConversationVerdict verdict;
  for (const auto* captured : {&conversation.banner, &conversation.ehlo, &conversation.helo}) {
    if (captured->has_value()) verdict.anomalies.Merge(FramingAnomalies(**captured));
  }

  if (conversation.banner.has_value()) {
    JudgeBanner(*conversation.banner, &verdict);
    if (!Proceeds("banner", conversation.banner->reply, &verdict)) return verdict;
  }
  if (!conversation.ehlo.has_value()) {
    verdict.error = "no EHLO reply";
    return verdict;
  }
  const Reply& ehlo = conversation.ehlo->reply;
  verdict.anomalies.AddIf(HasNonAsciiByte(ehlo.raw), Anomaly::kNonAscii);
  if (!ehlo.complete()) {
    Proceeds("EHLO", ehlo, &verdict);
    return verdict;
  }

  ReplyKind ehlo_kind = KindOfReply(ehlo.code());
  if (ehlo_kind == ReplyKind::kPositive) {
    EhloAnalysis analysis = AnalyzeEhlo(ehlo);
    verdict.status = ScanStatus::kSuccess;
    verdict.cls = analysis.cls;
    verdict.anomalies.Merge(analysis.anomalies);
    verdict.ehlo = std::move(analysis);
    return verdict;
  }
  if (ehlo_kind == ReplyKind::kUnexpected || !conversation.helo.has_value()) {
    Proceeds("EHLO", ehlo, &verdict);
    return verdict;
  }
  // EHLO refused: real clients fall back to HELO, and so does the scanner.
  if (!Proceeds("HELO", conversation.helo->reply, &verdict)) return verdict;
  verdict.status = ScanStatus::kSuccess;
  verdict.cls = EhloClass::kNoStarttls;
  verdict.anomalies.Add(Anomaly::kEhloRejected);
  return verdict;
}

}  // namespace starttls
