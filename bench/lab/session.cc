#include "bench/lab/session.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bench/lab/lab_certs.h"

namespace starttls::lab {
namespace {

constexpr size_t kMaxLine = 1000;           // longer command lines get 500 and are skipped
constexpr size_t kMaxOutBytes = 1 << 20;    // a peer that never reads gets reset
constexpr size_t kKeepCapacity = 64 << 10;  // pooled buffers larger than this are given back
constexpr uint64_t kResetAfterBannerNs = 10'000'000'000ULL;
constexpr uint64_t kRstMidEhloDelayNs = 100'000'000ULL;

Verb ClassifyVerb(std::string_view line) {
  auto sp = line.find(' ');
  auto word = line.substr(0, std::min(sp, size_t{12}));
  char up[13] = {};
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    up[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
  }
  std::string_view w(up, word.size());
  for (int v = 0; v < kOther; ++v)
    if (w == kVerbNames[v]) return static_cast<Verb>(v);
  return kOther;
}

template <typename T>
void ClearKeepingSmallCapacity(T& buffer) {
  buffer.clear();
  if (buffer.capacity() * sizeof(buffer[0]) > kKeepCapacity) T().swap(buffer);
}

}  // namespace

void Session::Begin(int fd, const Behaviour& behaviour, std::string_view mx,
                    const SessionConfig& config, uint64_t now) {
  fd_ = fd;
  b_ = &behaviour;
  size_t n = std::min(mx.size(), sizeof mx_buf_);
  std::memcpy(mx_buf_, mx.data(), n);
  mx_ = std::string_view(mx_buf_, n);
  cfg_ = config;
  end_ = End::kOpen;
  out_off_ = 0;
  piece_head_ = piece_sent_ = 0;
  want_write_ = skip_to_lf_ = more_now_ = false;
  last_activity_ = last_input_ = now;
  silent_ = reject_ = reset_on_input_ = deaf_ = babbling_ = false;
  answer_after_starttls_ = second_banner_sent_ = false;
  reset_deadline_ = drain_deadline_ = 0;
  discard_input_ = write_closed_ = false;
  streaming_ = false;
  stream_start_ = stream_next_ = stream_count_ = 0;
  tls_ = handshake_done_ = flight_sent_ = holds_huge_slot_ = false;
  tls_retry_at_ = 0;
  Start(now);
}

void Session::Release() {
  if (ssl_) SSL_free(ssl_);
  ssl_ = nullptr;
  if (holds_huge_slot_) --ctx_.huge_flights;
  holds_huge_slot_ = false;
  out_off_ = 0;
  ClearKeepingSmallCapacity(out_);
  ClearKeepingSmallCapacity(pieces_);
  ClearKeepingSmallCapacity(in_);
  ClearKeepingSmallCapacity(scratch_);
  fd_ = -1;
}

void Session::Start(uint64_t now) {
  if (cfg_.dropped) {
    silent_ = true;
    return;
  }
  // Delays count from the connection's establishment, as the client's clock does: under a
  // burst of connections the lab accepts seconds after the kernel completed the handshake.
  uint64_t established = now - std::min(now, cfg_.established_age_ns);
  uint64_t release = established + cfg_.latency_ns;
  if (!b_->banner_first.empty() && cfg_.first_contact) {
    QueueText(b_->banner_first, release);
    QueueAction(Action::kCloseFin, release);
    return;
  }
  switch (b_->opening) {
    case Opening::kSilent:
      silent_ = true;
      return;
    case Opening::kResetOnAccept:
    case Opening::kNotListening:  // only reachable in wildcard mode, which forbids it
      end_ = End::kReset;
      return;
    case Opening::kBannerThenReset:
      reset_on_input_ = true;
      reset_deadline_ = release + kResetAfterBannerNs;
      break;
    case Opening::kBannerThenReject:
      reject_ = true;
      break;
    case Opening::kBannerThenDeaf:
      deaf_ = true;
      break;
    default:
      break;
  }
  if (b_->slow_greeting) release += cfg_.greeting_delay_ns;
  if (b_->late_banner) release += cfg_.late_banner_ns;
  if (b_->stream == Stream::kDripBanner) {
    StartStream(release, now);
    return;
  }
  QueueText(b_->banner, release);
  if (b_->opening == Opening::kBannerThenClose) QueueAction(Action::kCloseFin, release);
  // Not sent from here even when due now: the server sends it once this batch of accepts is
  // done, so a client that reads the banner, closes and reconnects is never seen twice at once.
}

void Session::Reply(std::string_view tmpl, uint64_t now) {
  if (tls_) {
    scratch_.clear();
    AppendReply(scratch_, tmpl, mx_, false, b_->nul_ff);
    if (SSL_write(ssl_, scratch_.data(), static_cast<int>(scratch_.size())) <= 0)
      end_ = End::kClose;
    DrainTls(now);
    return;
  }
  QueueText(tmpl, now + cfg_.latency_ns);
}

void Session::OnReadable(uint64_t now, bool peer_closed) {
  if (deaf_) {  // called for RDHUP/HUP/ERR only: the peer is gone
    end_ = End::kClose;
    return;
  }
  char buf[16384];
  for (int round = 0; round < 4 && end_ == End::kOpen; ++round) {
    ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      ctx_.stats.bytes_in += static_cast<uint64_t>(n);
      last_activity_ = last_input_ = now;
      OnBytes(std::string_view(buf, static_cast<size_t>(n)), now);
      if (static_cast<size_t>(n) < sizeof buf && !peer_closed) break;
      continue;
    }
    if (n == 0) {
      end_ = End::kClose;  // peer closed: nothing more to say
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      end_ = End::kClose;
    }
    break;
  }
  Flush(now);
}

void Session::OnBytes(std::string_view data, uint64_t now) {
  if (reset_on_input_) {
    end_ = End::kReset;
    return;
  }
  if (answer_after_starttls_) {
    // The client's first bytes after the 220 (its ClientHello) get the answer; sent only now,
    // never together with the 220, so they are never the 220 reply's trailing data
    // (docs/rules.md §3) and the record does not depend on timing.
    uint64_t release = now + cfg_.latency_ns;
    if (b_->after_starttls == AfterStarttls::kHttpThenFin) {
      QueueBytes(kHttp400, release, false);
      QueueAction(Action::kCloseFin, release);
      answer_after_starttls_ = false;
      discard_input_ = true;
    } else if (!second_banner_sent_) {
      QueueText(kSecondBanner, release);
      second_banner_sent_ = true;
    } else if (unsent() < 4096) {
      Reply(kReplySyntax, now);  // whatever comes is not a command we know
    }
    return;
  }
  if (write_closed_ || discard_input_) return;
  if (tls_)
    OnTlsBytes(data, now);
  else
    OnPlainBytes(data, now);
}

void Session::OnPlainBytes(std::string_view data, uint64_t now) {
  while (!data.empty() && end_ == End::kOpen && !discard_input_ && !answer_after_starttls_) {
    auto lf = data.find('\n');
    if (skip_to_lf_) {
      if (lf == std::string_view::npos) return;
      skip_to_lf_ = false;
      data.remove_prefix(lf + 1);
      continue;
    }
    if (lf == std::string_view::npos) {
      in_.append(data);
      if (in_.size() > kMaxLine) {
        in_.clear();
        skip_to_lf_ = true;
        if (!silent_) Reply(kReplyLineTooLong, now);
      }
      return;
    }
    std::string_view piece = data.substr(0, lf);
    data.remove_prefix(lf + 1);
    if (in_.size() + piece.size() > kMaxLine) {
      in_.clear();
      if (!silent_) Reply(kReplyLineTooLong, now);
      continue;
    }
    std::string_view line = piece;
    if (!in_.empty()) {
      in_.append(piece);
      line = in_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    HandleLine(line, now);
    in_.clear();
  }
}

void Session::HandleLine(std::string_view line, uint64_t now) {
  Verb verb = ClassifyVerb(line);
  ++ctx_.stats.commands;
  ++ctx_.stats.verbs[verb];
  if (silent_ || (streaming_ && b_->stream != Stream::kQuitBabble)) return;  // still sending
  if (unsent() > kMaxOutBytes) {
    end_ = End::kReset;
    return;
  }
  if (babbling_) {
    if (unsent() < 4096) Reply(kQuitBabble, now);
    return;
  }
  if (reject_) {
    if (verb == kQuit) {
      Reply(kReplyQuit, now);
      QueueAction(Action::kCloseFin, now + cfg_.latency_ns);
    } else {
      Reply(kReplyBadSequence, now);
    }
    return;
  }
  switch (verb) {
    case kEhlo:
      if (tls_) {
        Reply(b_->ehlo_tls, now);
      } else if (b_->rst_mid_ehlo) {
        QueueText(kRstMidEhlo, now + cfg_.latency_ns);
        QueueAction(Action::kCloseRst, now + cfg_.latency_ns + kRstMidEhloDelayNs);
        discard_input_ = true;
      } else if (b_->ehlo_lines) {
        AppendManyLineEhlo(now + cfg_.latency_ns);
      } else if (b_->stream == Stream::kHugeLine) {
        QueueText(kHugeHead, now + cfg_.latency_ns);
        StartStream(now + cfg_.latency_ns, now);
      } else {
        Reply(b_->ehlo, now);
        if (b_->stream == Stream::kEndlessEhlo || b_->stream == Stream::kSteadyEhlo)
          StartStream(now + cfg_.latency_ns, now);
      }
      break;
    case kHelo:
      Reply(b_->helo, now);
      break;
    case kStarttls:
      HandleStarttls(now);
      break;
    case kQuit:
      if (b_->stream == Stream::kQuitBabble) {
        Reply(kQuitBabble, now);
        babbling_ = true;
        StartStream(now + cfg_.latency_ns + 1'000'000'000ULL, now);
        break;
      }
      Reply(kReplyQuit, now);
      if (tls_) {
        SSL_shutdown(ssl_);
        DrainTls(now);
      }
      QueueAction(Action::kCloseFin, now + cfg_.latency_ns);
      discard_input_ = true;
      break;
    case kNoop:
    case kRset:
      Reply(kReplyOk, now);
      break;
    case kMail:
    case kRcpt:
    case kData:
      Reply(kReplyForbidden503, now);
      break;
    case kAuth:
    case kVrfy:
    case kExpn:
      Reply(kReplyForbidden502, now);
      break;
    default:
      Reply(kReplyUnknown, now);
      break;
  }
}

void Session::HandleStarttls(uint64_t now) {
  if (tls_) {
    Reply(kReplyTlsActive, now);
    return;
  }
  Reply(b_->starttls, now);
  if (b_->starttls.substr(0, 3) != "220") return;
  // RFC 3207 §4: nothing pipelined after STARTTLS may be acted on.
  discard_input_ = true;
  in_.clear();
  uint64_t release = now + cfg_.latency_ns;
  switch (b_->after_starttls) {
    case AfterStarttls::kTls:
      QueueAction(Action::kStartTls, release);
      break;
    case AfterStarttls::kGarbageThenFin:
      // The garbage rides in the 220's own piece (one send, one segment), so it is the
      // STARTTLS reply's trailing data however the scanner's reads fall (docs/rules.md §3).
      out_.append(kTlsGarbage);
      pieces_.back().len += static_cast<uint32_t>(kTlsGarbage.size());
      QueueAction(Action::kCloseFin, release);
      break;
    case AfterStarttls::kSmtpText:
    case AfterStarttls::kHttpThenFin:
      discard_input_ = false;
      answer_after_starttls_ = true;  // OnBytes answers the client's next bytes
      break;
    case AfterStarttls::kSilence:
      break;  // input stays discarded, nothing is ever sent
  }
}

void Session::OnTimer(uint64_t now) {
  if (end_ != End::kOpen) return;
  if (reset_deadline_ && now >= reset_deadline_) {
    end_ = End::kReset;
    return;
  }
  if (write_closed_ && now >= drain_deadline_) {
    end_ = End::kClose;
    return;
  }
  // Endless talkers are judged by the peer's silence, everyone else by any silence.
  uint64_t idle_since = stream_forever() ? last_input_ : last_activity_;
  if (now >= idle_since + cfg_.idle_timeout_ns) {
    end_ = End::kClose;
    return;
  }
  if (tls_retry_at_ && now >= tls_retry_at_) {
    tls_retry_at_ = 0;
    OnTlsBytes({}, now);
  }
  StreamTick(now);
  Flush(now);
}

uint64_t Session::NextWake() const {
  uint64_t idle_since = stream_forever() ? last_input_ : last_activity_;
  uint64_t wake = idle_since + cfg_.idle_timeout_ns;
  auto consider = [&](uint64_t t) {
    if (t && t < wake) wake = t;
  };
  if (more_now_ && !want_write_) return last_activity_;  // already due
  if (!want_write_ && piece_head_ < pieces_.size()) consider(pieces_[piece_head_].release);
  if (streaming_) consider(stream_next_);
  consider(reset_deadline_);
  consider(tls_retry_at_);
  if (write_closed_) consider(drain_deadline_);
  return wake;
}

}  // namespace starttls::lab
