// A lab session's output: pieces queued with the time each is due, sent in order once due,
// with the pacing some behaviours need (a drip's gap, one-byte TCP segments, a FIN or RST as
// a piece of its own), and a few rounds per call so one fast reader cannot hold the loop.
#include <errno.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>

#include "bench/lab/session.h"

namespace starttls::lab {
namespace {

constexpr size_t kSendsPerFlush = 512;  // one-byte sends before yielding to other sessions
constexpr uint64_t kFinDrainNs = 2'000'000'000ULL;
constexpr uint64_t kSegmentWaitNs = 50'000;  // one-byte segments: recheck the send queue

}  // namespace

void Session::PushPiece(size_t len, Action action, uint64_t release, bool drip) {
  // Output leaves in order: a piece is never released before the one queued ahead of it.
  if (piece_head_ < pieces_.size()) release = std::max(release, pieces_.back().release);
  pieces_.push_back(Piece{release, static_cast<uint32_t>(len), action, drip});
}

void Session::QueueText(std::string_view tmpl, uint64_t release) {
  size_t start = out_.size();
  AppendReply(out_, tmpl, mx_, b_->bare_lf, b_->nul_ff);
  PushPiece(out_.size() - start, Action::kNone, release, plain_drip());
}

void Session::QueueBytes(std::string_view bytes, uint64_t release, bool drip) {
  out_.append(bytes);
  PushPiece(bytes.size(), Action::kNone, release, drip);
}

void Session::QueueAction(Action action, uint64_t release) { PushPiece(0, action, release, false); }

// Sends what is due; tops streams up between rounds, a few rounds per call so that one fast
// reader of a 10 MiB stream does not hold the loop (more_now_ asks to be called again at once).
void Session::Flush(uint64_t now) {
  more_now_ = false;
  for (int round = 0; FlushOnce(now); ++round) {
    if (round == 8) {
      more_now_ = true;
      return;
    }
    if (!Refill(now)) return;
  }
}

bool Session::FlushOnce(uint64_t now) {
  size_t sends = 0;
  while (end_ == End::kOpen && !want_write_ && piece_head_ < pieces_.size()) {
    Piece& p = pieces_[piece_head_];
    if (p.release > now) return false;
    if (piece_sent_ < p.len) {
      if (p.drip && b_->one_byte_segments && !SocketSendQueueEmpty()) {
        // Linux would merge this byte into the one still queued (tcp_autocorking, small
        // queues); the next byte goes once the previous one has left, a moment later.
        p.release = now + kSegmentWaitNs;
        return false;
      }
      size_t len = p.drip ? 1 : p.len - piece_sent_;
      ssize_t n = send(fd_, out_.data() + out_off_, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          want_write_ = true;
        else if (errno != EINTR)
          end_ = End::kClose;
        return false;
      }
      out_off_ += static_cast<size_t>(n);
      piece_sent_ += static_cast<size_t>(n);
      last_activity_ = now;
      ctx_.stats.bytes_out += static_cast<uint64_t>(n);
      if (piece_sent_ < p.len) {
        if (!p.drip) continue;  // partial write: the next send sees EAGAIN
        // A drip: the next byte after the gap; with no gap, yield now and then.
        uint64_t gap = b_->one_byte_segments ? 0 : cfg_.drip_gap_ns;
        if (gap) {
          p.release = now + gap;
        } else if (++sends >= kSendsPerFlush) {
          more_now_ = true;
          return false;
        }
        continue;
      }
    }
    Action action = p.action;
    ++piece_head_;
    piece_sent_ = 0;
    if (piece_head_ == pieces_.size()) {
      pieces_.clear();
      piece_head_ = 0;
      out_.clear();
      out_off_ = 0;
    }
    switch (action) {
      case Action::kNone:
        break;
      case Action::kStartTls:
        StartTls(now);
        break;
      case Action::kCloseRst:
        end_ = End::kReset;
        return false;
      case Action::kCloseFin:
        // FIN, then read until the peer's EOF so a late byte does not turn it into an RST.
        shutdown(fd_, SHUT_WR);
        write_closed_ = true;
        streaming_ = false;
        drain_deadline_ = now + kFinDrainNs;
        out_.clear();
        out_off_ = 0;
        pieces_.clear();
        piece_head_ = 0;
        return false;
    }
  }
  CompactOutput();
  return end_ == End::kOpen && !want_write_ && !write_closed_;
}

bool Session::SocketSendQueueEmpty() const {
  int unsent_in_kernel = 0;
  return ioctl(fd_, SIOCOUTQNSD, &unsent_in_kernel) != 0 || unsent_in_kernel == 0;
}

// Sent bytes at the front of the buffer are dropped once they are most of it, so a long
// stream's buffer stays near its refill bound.
void Session::CompactOutput() {
  if (out_off_ < 16384 || out_off_ * 2 < out_.size()) return;
  out_.erase(0, out_off_);
  out_off_ = 0;
}

void Session::OnWritable(uint64_t now) {
  want_write_ = false;
  Flush(now);
}

}  // namespace starttls::lab
