// Output that is endless, slow or too big to hold: produced a little at a time, either on a
// timer (drip, steady lines, babble) or as the socket drains (the 10 MiB line, a large TLS
// flight). Each producer stops adding while more than a few KiB are still unsent, so a peer
// that stops reading costs the lab nothing more.
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>

#include "bench/lab/session.h"

namespace starttls::lab {
namespace {

constexpr uint32_t kEndlessBatch = 100;         // endless_ehlo: lines per tick
constexpr uint64_t kEndlessTickNs = 5'000'000;  // => at most 20,000 lines/s per session
constexpr uint32_t kEndlessMaxLines = 200'000;
constexpr size_t kEndlessUnsentBound = 32768;
constexpr uint64_t kSteadyTickNs = 10'000'000;   // hostile_endless_ehlo_steady: 100 lines/s
constexpr uint64_t kSteadyCatchUp = 100;         // lines one late tick may send at most
constexpr uint64_t kDripTickNs = 1'000'000'000;  // hostile_drip_forever: one byte per second
constexpr uint64_t kBabbleTickNs = 1'000'000'000;
constexpr size_t kSlowUnsentBound = 4096;      // timed streams stop adding above this
constexpr size_t kHugeRefillBound = 64 << 10;  // the 10 MiB line: unsent bytes kept at most
constexpr size_t kHugeRefillPiece = 16 << 10;

void AppendLine(std::string& out, const char* format, uint64_t number) {
  char line[48];
  int n = std::snprintf(line, sizeof line, format, static_cast<unsigned>(number));
  out.append(line, static_cast<size_t>(n));
}

}  // namespace

bool Session::stream_forever() const {
  return streaming_ && (b_->stream == Stream::kDripBanner || b_->stream == Stream::kSteadyEhlo ||
                        b_->stream == Stream::kQuitBabble);
}

void Session::StartStream(uint64_t first, uint64_t now) {
  streaming_ = true;
  stream_start_ = stream_next_ = first;
  stream_count_ = 0;
  if (b_->stream == Stream::kHugeLine) Flush(now);
}

char Session::DripByte(uint64_t index) const {
  std::string head;
  AppendReply(head, kDripHead, mx_, false);
  if (index < head.size()) return head[index];
  return kDripFiller[(index - head.size()) % kDripFiller.size()];
}

void Session::StreamTick(uint64_t now) {
  if (!streaming_ || now < stream_next_) return;
  switch (b_->stream) {
    case Stream::kEndlessEhlo: {
      stream_next_ = now + kEndlessTickNs;
      if (unsent() > kEndlessUnsentBound) return;  // bounded by the peer's reading too
      size_t start = out_.size();
      for (uint32_t i = 0; i < kEndlessBatch; ++i)
        AppendLine(out_, kEndlessLineFormat, ++stream_count_);
      PushPiece(out_.size() - start, Action::kNone, now, false);
      if (stream_count_ >= kEndlessMaxLines) {
        streaming_ = false;
        QueueAction(Action::kCloseFin, now);
      }
      return;
    }
    case Stream::kSteadyEhlo: {
      // 100 lines a second from the stream's start, whenever the tick comes: a lab slowed by
      // load sends the lines it owes together (at most kSteadyCatchUp), so the client sees the
      // rate the truth row counts on (1,000 lines inside 10 s) and not the lab's lag.
      uint64_t due = (now - stream_start_) / kSteadyTickNs + 1;
      stream_next_ = stream_start_ + due * kSteadyTickNs;
      if (unsent() > kSlowUnsentBound || due <= stream_count_) return;
      size_t start = out_.size();
      uint64_t lines = std::min<uint64_t>(due - stream_count_, kSteadyCatchUp);
      for (uint64_t i = 0; i < lines; ++i) AppendLine(out_, kSteadyLineFormat, ++stream_count_);
      PushPiece(out_.size() - start, Action::kNone, now, false);
      return;
    }
    case Stream::kDripBanner: {
      stream_next_ = std::max(stream_next_ + kDripTickNs, now + kDripTickNs / 2);
      if (unsent() != 0) return;
      char byte = DripByte(stream_count_++);
      QueueBytes(std::string_view(&byte, 1), now, false);
      return;
    }
    case Stream::kQuitBabble:
      stream_next_ = now + kBabbleTickNs;
      if (unsent() < kSlowUnsentBound) Reply(kQuitBabble, now);
      return;
    case Stream::kHugeLine:  // driven by Refill as the socket drains
    case Stream::kNone:
      return;
  }
}

bool Session::Refill(uint64_t now) {
  // A large TLS flight (the 1 MiB certificate) comes out of the BIO in bounded parts; the
  // flight's own release time has passed once its first part was sent.
  if (ssl_ && DrainTlsAt(now)) return true;
  if (!streaming_ || b_->stream != Stream::kHugeLine || unsent() >= kHugeRefillBound) return false;
  if (piece_head_ < pieces_.size() && pieces_[piece_head_].release > now) return false;
  size_t left = kHugeLength - stream_count_;
  if (left == 0) {
    streaming_ = false;
    QueueText(kHugeTail, now);
    return true;
  }
  size_t n = std::min(left, kHugeRefillPiece);
  out_.append(n, 'A');
  PushPiece(n, Action::kNone, now, false);
  stream_count_ += n;
  return true;
}

// Line 1 the greeting, line 2 STARTTLS, filler lines numbered by their line number, and the
// last line 250 8BITMIME: `ehlo_lines` lines in all (1,000 is the most a reply may have).
void Session::AppendManyLineEhlo(uint64_t release) {
  size_t start = out_.size();
  AppendReply(out_, "250-{mx} greets you\r\n250-STARTTLS\r\n", mx_, false);
  for (unsigned line = 3; line < b_->ehlo_lines; ++line) AppendLine(out_, kManyLineFormat, line);
  out_.append("250 8BITMIME\r\n");
  PushPiece(out_.size() - start, Action::kNone, release, false);
}

}  // namespace starttls::lab
