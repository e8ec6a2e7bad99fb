#include "bench/lab/session.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "bench/lab/lab_certs.h"

namespace starttls::lab {
namespace {

constexpr size_t kMaxLine = 1000;             // longer command lines get 500 and are skipped
constexpr size_t kMaxOutBytes = 1 << 20;      // a peer that never reads gets reset
constexpr uint32_t kEndlessBatch = 100;       // lines per tick
constexpr uint64_t kEndlessTickNs = 5'000'000;  // => at most 20,000 lines/s per session
constexpr uint32_t kEndlessMaxLines = 200'000;
constexpr uint64_t kResetAfterBannerNs = 10'000'000'000ULL;
constexpr uint64_t kFinDrainNs = 2'000'000'000ULL;

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

}  // namespace

Session::Session(int fd, const Behaviour& behaviour, std::string mx, const SessionConfig& config,
                 CertStore& certs, LabStats& stats, uint64_t now)
    : fd_(fd), b_(behaviour), mx_(std::move(mx)), cfg_(config), certs_(certs), stats_(stats) {
  last_activity_ = now;
  Start(now);
}

Session::~Session() {
  if (ssl_) SSL_free(ssl_);
}

void Session::Start(uint64_t now) {
  if (cfg_.dropped) {
    silent_ = true;
    return;
  }
  uint64_t release = now + cfg_.latency_ns;
  switch (b_.opening) {
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
    default:
      break;
  }
  if (b_.slow_greeting) release += cfg_.greeting_delay_ns;
  Queue(RenderReply(b_.banner, mx_, b_.bare_lf), Action::kNone, release, b_.drip);
  if (b_.opening == Opening::kBannerThenClose) Queue({}, Action::kCloseFin, release, false);
}

void Session::Queue(std::string data, Action action, uint64_t release, bool drip) {
  if (!out_.empty()) release = std::max(release, out_.back().release);
  out_bytes_ += data.size();
  out_.push_back(Chunk{release, std::move(data), 0, action, drip});
}

void Session::Reply(std::string_view tmpl, uint64_t now) {
  if (tls_) {
    std::string text = RenderReply(tmpl, mx_, false);
    if (SSL_write(ssl_, text.data(), static_cast<int>(text.size())) <= 0) end_ = End::kClose;
    DrainTls(now);
    return;
  }
  Queue(RenderReply(tmpl, mx_, b_.bare_lf), Action::kNone, now + cfg_.latency_ns, b_.drip);
}

void Session::DrainTls(uint64_t now) {
  BIO* wbio = SSL_get_wbio(ssl_);
  size_t pending = BIO_pending(wbio);
  if (pending == 0) return;
  std::string data(pending, '\0');
  int n = BIO_read(wbio, data.data(), static_cast<int>(pending));
  if (n <= 0) return;
  data.resize(static_cast<size_t>(n));
  Queue(std::move(data), Action::kNone, now + cfg_.latency_ns, false);
}

void Session::OnReadable(uint64_t now) {
  char buf[16384];
  for (int round = 0; round < 4 && end_ == End::kOpen; ++round) {
    ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      stats_.bytes_in += static_cast<uint64_t>(n);
      last_activity_ = now;
      OnBytes(std::string_view(buf, static_cast<size_t>(n)), now);
      if (static_cast<size_t>(n) < sizeof buf) break;
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
  if (write_closed_ || discard_input_) return;
  if (tls_) OnTlsBytes(data, now); else OnPlainBytes(data, now);
}

void Session::OnPlainBytes(std::string_view data, uint64_t now) {
  while (!data.empty() && end_ == End::kOpen && !discard_input_) {
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
    in_.append(piece);
    std::string line;
    line.swap(in_);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    HandleLine(line, now);
  }
}

void Session::HandleLine(std::string_view line, uint64_t now) {
  Verb verb = ClassifyVerb(line);
  ++stats_.commands;
  ++stats_.verbs[verb];
  if (silent_ || endless_) return;  // an endless reply is still being sent: nothing else
  if (out_bytes_ > kMaxOutBytes) {
    end_ = End::kReset;
    return;
  }
  if (reject_) {
    if (verb == kQuit) {
      Reply(kReplyQuit, now);
      Queue({}, Action::kCloseFin, now + cfg_.latency_ns, false);
    } else {
      Reply(kReplyBadSequence, now);
    }
    return;
  }
  switch (verb) {
    case kEhlo:
      if (tls_) {
        Reply(b_.ehlo_tls, now);
      } else {
        Reply(b_.ehlo, now);
        if (b_.endless_ehlo) {
          endless_ = true;
          endless_next_ = now + cfg_.latency_ns;
        }
      }
      break;
    case kHelo:
      Reply(b_.helo, now);
      break;
    case kStarttls:
      if (tls_) {
        Reply(kReplyTlsActive, now);
        break;
      }
      if (b_.tls_garbage) {
        // The 220 and the garbage in one write: the scanner reads them together, before its
        // ClientHello leaves (the reply's trailing data, every time).
        discard_input_ = true;
        in_.clear();
        Queue(RenderReply(b_.starttls, mx_, b_.bare_lf) + std::string(kTlsGarbage),
              Action::kCloseFin, now + cfg_.latency_ns, false);
        break;
      }
      Reply(b_.starttls, now);
      if (b_.starttls.substr(0, 3) == "220") {
        // RFC 3207 §4: nothing pipelined after STARTTLS may be acted on.
        discard_input_ = true;
        in_.clear();
        Queue({}, Action::kStartTls, now + cfg_.latency_ns, false);
      }
      break;
    case kQuit:
      Reply(kReplyQuit, now);
      if (tls_) {
        SSL_shutdown(ssl_);
        DrainTls(now);
      }
      Queue({}, Action::kCloseFin, now + cfg_.latency_ns, false);
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

void Session::StartTls(uint64_t) {
  ssl_ = certs_.NewSsl(b_.versions, b_.cert, mx_);
  if (!ssl_) {
    end_ = End::kClose;
    return;
  }
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set_bio(ssl_, rbio, wbio);
  tls_ = true;
  discard_input_ = false;
  in_.clear();
}

void Session::OnTlsBytes(std::string_view data, uint64_t now) {
  BIO_write(SSL_get_rbio(ssl_), data.data(), static_cast<int>(data.size()));
  if (!handshake_done_) {
    int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      handshake_done_ = true;
      ++stats_.tls_handshakes;
    } else {
      int err = SSL_get_error(ssl_, r);
      DrainTls(now);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        ++stats_.tls_failures;
        Queue({}, Action::kCloseFin, now + cfg_.latency_ns, false);
        discard_input_ = true;
      }
      return;
    }
  }
  char buf[4096];
  while (end_ == End::kOpen && !discard_input_) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      OnPlainBytes(std::string_view(buf, static_cast<size_t>(n)), now);
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_READ) {  // close_notify or a TLS error
      Queue({}, Action::kCloseFin, now + cfg_.latency_ns, false);
      discard_input_ = true;
    }
    break;
  }
  if (ssl_) DrainTls(now);
}

void Session::EndlessTick(uint64_t now) {
  if (!endless_ || now < endless_next_) return;
  endless_next_ = now + kEndlessTickNs;
  if (out_bytes_ > 32768) return;  // bounded by the peer's reading too
  std::string batch;
  batch.reserve(kEndlessBatch * 24);
  char line[40];
  for (uint32_t i = 0; i < kEndlessBatch; ++i) {
    int n = std::snprintf(line, sizeof line, kEndlessLineFormat, ++endless_lines_);
    batch.append(line, static_cast<size_t>(n));
  }
  Queue(std::move(batch), Action::kNone, now, false);
  if (endless_lines_ >= kEndlessMaxLines) {
    endless_ = false;
    Queue({}, Action::kCloseFin, now, false);
  }
}

void Session::Flush(uint64_t now) {
  while (end_ == End::kOpen && !want_write_ && !out_.empty() && out_.front().release <= now) {
    Chunk& c = out_.front();
    if (c.off < c.data.size()) {
      size_t len = c.drip ? 1 : c.data.size() - c.off;
      ssize_t n = send(fd_, c.data.data() + c.off, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) want_write_ = true;
        else if (errno != EINTR) end_ = End::kClose;
        return;
      }
      c.off += static_cast<size_t>(n);
      last_activity_ = now;
      out_bytes_ -= static_cast<size_t>(n);
      stats_.bytes_out += static_cast<uint64_t>(n);
      if (c.off < c.data.size()) {
        if (c.drip) c.release = now + cfg_.drip_gap_ns;
        continue;  // partial write: loop sees EAGAIN, or the drip gap
      }
    }
    Action action = c.action;
    out_.pop_front();
    switch (action) {
      case Action::kNone: break;
      case Action::kStartTls: StartTls(now); break;
      case Action::kCloseRst: end_ = End::kReset; return;
      case Action::kCloseFin:
        // FIN, then read until the peer's EOF so a late byte does not turn it into an RST.
        shutdown(fd_, SHUT_WR);
        write_closed_ = true;
        drain_deadline_ = now + kFinDrainNs;
        out_.clear();
        out_bytes_ = 0;
        return;
    }
  }
}

void Session::OnWritable(uint64_t now) {
  want_write_ = false;
  Flush(now);
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
  if (now >= last_activity_ + cfg_.idle_timeout_ns) {
    end_ = End::kClose;
    return;
  }
  EndlessTick(now);
  Flush(now);
}

uint64_t Session::NextWake() const {
  uint64_t wake = last_activity_ + cfg_.idle_timeout_ns;
  auto consider = [&](uint64_t t) { if (t && t < wake) wake = t; };
  if (!want_write_ && !out_.empty()) consider(out_.front().release);
  if (endless_) consider(endless_next_);
  consider(reset_deadline_);
  if (write_closed_) consider(drain_deadline_);
  return wake;
}

}  // namespace starttls::lab
