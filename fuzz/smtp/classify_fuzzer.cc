// libFuzzer target: reply framing (fed in fuzzer-chosen pieces) and the classification of
// whatever it frames. Any crash, sanitizer report or broken invariant is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scanner/smtp/conversation.h"

namespace {

// The first byte picks the read size, so replies split at arbitrary boundaries get fuzzed too.
starttls::CapturedReply FrameInPieces(std::string_view bytes, size_t piece) {
  starttls::ReplyFramer framer;
  starttls::CapturedReply captured;
  size_t offset = 0;
  while (offset < bytes.size()) {
    size_t consumed = 0;
    size_t len = std::min(piece, bytes.size() - offset);
    starttls::FrameStatus status = framer.Feed(bytes.substr(offset, len), &consumed);
    if (consumed > len) abort();
    offset += consumed;
    if (status != starttls::FrameStatus::kNeedMore) break;
  }
  captured.reply = framer.TakeReply();
  if (captured.reply.complete()) captured.trailing.assign(bytes.substr(offset));
  if (captured.reply.raw.size() > 64 * 1024) abort();
  return captured;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  // Split the rest into banner / EHLO / HELO at the first two NUL-free '\x01' markers.
  size_t first = input.find('\x01');
  size_t second = first == std::string_view::npos ? first : input.find('\x01', first + 1);
  starttls::Conversation conversation;
  if (first == std::string_view::npos) {
    conversation.ehlo = FrameInPieces(input, piece);
  } else {
    conversation.banner = FrameInPieces(input.substr(0, first), piece);
    std::string_view rest = input.substr(first + 1, second == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : second - first - 1);
    conversation.ehlo = FrameInPieces(rest, piece);
    if (second != std::string_view::npos) {
      conversation.helo = FrameInPieces(input.substr(second + 1), piece);
    }
  }
  starttls::ConversationVerdict verdict = starttls::JudgeConversation(conversation);
  if (verdict.status == starttls::ScanStatus::kSuccess && !verdict.cls.has_value()) abort();
  if (verdict.status != starttls::ScanStatus::kSuccess && verdict.cls.has_value()) abort();
  return 0;
}
