#include "scanner/engine/engine_worker.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/monotonic_clock.h"

namespace starttls {
namespace {

int64_t WallNowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

EngineWorker::EngineWorker(const EngineConfig& config, uint32_t capacity, EngineFeed& feed,
                           EngineCounters& counters, const std::atomic<bool>& abort,
                           LoopExtension* extension)
    : config_(config),
      feed_(feed),
      counters_(counters),
      table_(capacity),
      abort_(abort),
      sources_(config.source_v4, config.source_v6) {
  if (extension != nullptr) poller_ = std::make_unique<ExtensionPoller>(extension, &loop_);
}

uint64_t EngineWorker::CookieFor(UringOp op, uint32_t index) {
  return Cookie{op, index, table_.at(index).generation}.Encode();
}

// One turn of the loop, in this order, so that deadlines mean the same at 50,000 sessions as
// at 50 (docs/rules.md §7):
//   1. completions already in the queue are handled first, in chunks with a fresh clock each:
//      a reply that arrived before its deadline must not lose to the timer because the loop
//      was busy; the turn stops draining after kMaxDrainNs even if more are queued, so the
//      deadlines below are never starved either;
//   1b. when a deadline is due, the completions the kernel still holds as deferred work
//      (it posts them only when we enter to wait, and a busy loop does not) are posted and
//      handled first too, so a banner that came at 29.9 s still beats a 30 s deadline under load;
//   2. deadlines whose tick has come fire (each one's lateness is recorded);
//   3. new sessions start, at most `start_budget_` of them: the budget halves when a turn
//      took longer than kTargetPassNs and grows back when turns are short, so a burst of
//      starts (each connect costs the kernel a handshake on loopback) cannot make the loop
//      late for the sessions it already holds;
//   4. submit and wait, unless completions are still queued.
bool EngineWorker::Run(std::string* error) {
  UringOptions options;
  options.files = table_.capacity();
  options.buffer_count = config_.buffer_count;
  options.buffer_size = config_.buffer_size;
  // Room for every session's operations at once, so the SQ rarely forces a submit.
  options.sq_entries = 4096;
  options.cq_entries = 65536;
  if (!loop_.Init(options, error)) return false;
  wheel_ = std::make_unique<TimerWheel>(TickOf(MonotonicNowNs()));

  const uint64_t timer_cookie = Cookie{UringOp::kTimer, 0, 0}.Encode();
  const uint64_t update_cookie = Cookie{UringOp::kTimerUpdate, 0, 0}.Encode();
  while (true) {
    const int64_t pass_start = MonotonicNowNs();
    int64_t now = DrainReady(pass_start);
    if (std::optional<uint64_t> tick = wheel_->NextWakeTick(); tick && *tick <= TickOf(now)) {
      // Deadlines are due: what the kernel received before them counts too (1b).
      loop_.PostDeferred();
      now = DrainReady(now);
    }
    wheel_->Advance(TickOf(now), [&](TimerNode* node) {
      lag_.timer_lateness.Add(now - static_cast<int64_t>(node->expiry_tick) * config_.tick_ns);
      OnDeadline(node->owner, now);
    });
    if (!interrupted_ && abort_.load(std::memory_order_relaxed)) InterruptAll(now);
    if (poller_ != nullptr) poller_->Sync(now);
    int64_t wake_ns = StartSessions(now);
    if (feed_exhausted_ && table_.in_use() == 0) break;
    const int64_t pass_ns = MonotonicNowNs() - pass_start;
    lag_.pass_time.Add(pass_ns);
    AdjustStartBudget(pass_ns);
    if (loop_.ready() > 0) {
      // Still work queued: no waiting, only hand the kernel what this turn prepared.
      loop_.Submit();
      continue;
    }
    if (std::optional<uint64_t> tick = wheel_->NextWakeTick(); tick.has_value()) {
      int64_t at = static_cast<int64_t>(*tick) * config_.tick_ns;
      if (at < wake_ns) wake_ns = at;
    }
    if (poller_ != nullptr) {
      if (std::optional<int64_t> at = poller_->NextWake(now); at.has_value() && *at < wake_ns) {
        wake_ns = *at;
      }
    }
    if (wake_ns != INT64_MAX) loop_.WakeNoLaterThan(wake_ns, timer_cookie, update_cookie);
    int rc = loop_.SubmitAndWait();
    if (rc < 0 && rc != -EINTR && rc != -ETIME && rc != -EAGAIN && rc != -EBUSY) {
      *error = std::string("io_uring_submit_and_wait: ") + std::strerror(-rc);
      return false;
    }
  }
  return true;
}

int64_t EngineWorker::DrainReady(int64_t now) {
  const int64_t stop_at = now + kMaxDrainNs;
  while (true) {
    unsigned count = loop_.DrainCompletions(
        kCompletionChunk, [&](const io_uring_cqe& cqe) { OnCompletion(cqe, now); });
    counters_.completions.fetch_add(count, std::memory_order_relaxed);
    now = MonotonicNowNs();
    if (count < kCompletionChunk || now >= stop_at) return now;
  }
}

void EngineWorker::AdjustStartBudget(int64_t pass_ns) {
  if (pass_ns > kTargetPassNs) {
    start_budget_ = std::max<uint32_t>(kMinStartsPerPass, start_budget_ / 2);
  } else if (start_budget_ < kMaxStartsPerPass) {
    start_budget_ = std::min<uint32_t>(kMaxStartsPerPass, start_budget_ * 2);
  }
}

int64_t EngineWorker::StartSessions(int64_t now_ns) {
  uint32_t started = 0;
  while (!feed_exhausted_ && !table_.full()) {
    if (started == start_budget_) return now_ns;  // more on the next turn, which comes at once
    int64_t retry_at = INT64_MAX;
    switch (feed_.Next(now_ns, &next_target_, &retry_at)) {
      case EngineFeed::Take::kExhausted:
        feed_exhausted_ = true;
        break;
      case EngineFeed::Take::kWait:
        return retry_at;
      case EngineFeed::Take::kGot:
        Begin(next_target_, now_ns);
        ++started;
        break;
    }
  }
  return INT64_MAX;
}

void EngineWorker::Begin(const EngineTarget& target, int64_t now_ns) {
  uint32_t index = 0;
  if (!table_.Acquire(&index)) return;  // StartSessions checked; cannot happen
  SessionSlot& slot = table_.at(index);
  const Endpoint& endpoint = target.endpoint;
  slot.endpoint = endpoint;
  sockaddr_storage address{};
  slot.address_length = endpoint.ToSockaddr(&address);
  std::memcpy(&slot.address, &address, slot.address_length);
  slot.started_unix_ms = WallNowUnixMs();
  slot.is_fetch = target.is_policy_fetch();
  if (slot.is_fetch) {
    if (slot.fetch == nullptr) slot.fetch = std::make_unique<PolicyFetchSession>();
    slot.policy_domain = target.policy_domain;
    slot.fetch->Reset(config_.session, slot.policy_domain, "mta-sts." + slot.policy_domain);
  } else {
    std::string server_name;
    if (config_.server_name) server_name = config_.server_name(endpoint);
    slot.session.Reset(config_.session, server_name);
  }
  counters_.sessions_started.fetch_add(1, std::memory_order_relaxed);
  counters_.SessionOpened();
  Execute(index, slot.Step(SessionEvent::Start(now_ns)), now_ns);
}

void EngineWorker::Execute(uint32_t index, const SessionActions& actions, int64_t now_ns) {
  SessionSlot& slot = table_.at(index);
  int connect_error = 0;
  if (actions.connect) connect_error = Connect(index);
  if (actions.start_receiving) ArmReceive(index);
  if (!actions.send.empty()) {
    slot.unsent = actions.send;
    loop_.PrepSend(index, slot.unsent, CookieFor(UringOp::kSend, index));
    ++slot.inflight;
  }
  if (actions.deadline.has_value()) {
    wheel_->Schedule(&slot.timer, TickAtOrAfter(actions.deadline->at_ns));
  }
  if (actions.close) {
    wheel_->Cancel(&slot.timer);
    if (!slot.closing) {
      slot.closing = true;
      // Wake what still waits on the socket, then drop it from the file table.
      if (slot.connecting) {
        loop_.PrepCancel(CookieFor(UringOp::kConnect, index), CookieFor(UringOp::kCancel, index));
        ++slot.inflight;
      }
      if (slot.receiving) {
        loop_.PrepCancel(CookieFor(UringOp::kRecv, index), CookieFor(UringOp::kCancel, index));
        ++slot.inflight;
      }
      loop_.PrepCloseDirect(index, CookieFor(UringOp::kClose, index));
      ++slot.inflight;
    }
  }
  if (connect_error != 0) {
    // Nothing reached the kernel and the file slot is empty: no cancel, no close to wait
    // for (closing set first), so the slot is free again as soon as the result is out.
    wheel_->Cancel(&slot.timer);
    slot.closing = true;
    Execute(index, slot.Step(SessionEvent::ConnectFailed(now_ns, connect_error)), now_ns);
    return;
  }
  if (actions.done) DeliverResult(index);
  MaybeRelease(index, now_ns);
}

int EngineWorker::Connect(uint32_t index) {
  SessionSlot& slot = table_.at(index);
  const auto* destination = reinterpret_cast<const sockaddr*>(&slot.address);
  const IpAddress* source = sources_.SourceFor(slot.endpoint.ip);
  if (source == nullptr) {
    loop_.PrepSocketAndConnect(index, destination, slot.address_length,
                               CookieFor(UringOp::kSocket, index),
                               CookieFor(UringOp::kConnect, index));
    slot.inflight += 2;  // the socket's completion and the connect's
    slot.connecting = true;
    return 0;
  }
  int err = 0;
  bool bind_failed = false;
  int fd = SourceBinding::OpenBound(*source, &err, &bind_failed);
  if (fd < 0) {
    if (bind_failed) slot.bind_error = err;
    return err;
  }
  int rc = loop_.InstallFile(index, fd);
  close(fd);  // the file table holds its own reference
  if (rc < 0) return -rc;
  // No socket operation went to the kernel, so only the connect completes.
  loop_.PrepConnect(index, destination, slot.address_length, CookieFor(UringOp::kConnect, index));
  ++slot.inflight;
  slot.connecting = true;
  return 0;
}

const SessionResult& EngineWorker::BindFailureResult(const SessionSlot& slot) {
  const SessionResult& own = slot.session.result();
  const IpAddress* source = sources_.SourceFor(slot.endpoint.ip);
  bind_failure_.Clear();
  bind_failure_.status = own.status;
  bind_failure_.error =
      source != nullptr ? SourceBinding::BindErrorText(*source, slot.bind_error) : own.error;
  bind_failure_.verdict.status = own.status;
  bind_failure_.verdict.anomalies = own.verdict.anomalies;
  bind_failure_.verdict.error = bind_failure_.error;
  bind_failure_.timing = own.timing;
  return bind_failure_;
}

void EngineWorker::ArmReceive(uint32_t index) {
  SessionSlot& slot = table_.at(index);
  if (slot.receiving || slot.closing) return;
  loop_.PrepRecvMultishot(index, CookieFor(UringOp::kRecv, index));
  slot.receiving = true;
  ++slot.inflight;
}

void EngineWorker::DeliverResult(uint32_t index) {
  SessionSlot& slot = table_.at(index);
  if (slot.finished) return;
  slot.finished = true;
  counters_.sessions_finished.fetch_add(1, std::memory_order_relaxed);
  if (slot.is_fetch) {
    feed_.Finished(ScanResult{slot.endpoint, slot.started_unix_ms, slot.session.result(),
                              &slot.fetch->result(), slot.policy_domain});
    return;  // the fetch session is reset when the slot is released
  }
  const SessionResult& result =
      slot.bind_error != 0 ? BindFailureResult(slot) : slot.session.result();
  counters_.by_status[static_cast<size_t>(result.status)].fetch_add(1, std::memory_order_relaxed);
  slot.back_off = result.back_off();
  feed_.Finished(ScanResult{slot.endpoint, slot.started_unix_ms, result});
  // Release the reply bytes now, unless a send still reads the session's buffer (TLS
  // records live there); the slot itself waits for its last completions.
  if (slot.unsent.empty()) slot.session.Reset(config_.session);
}

void EngineWorker::MaybeRelease(uint32_t index, int64_t now_ns) {
  SessionSlot& slot = table_.at(index);
  if (slot.in_use && slot.finished && slot.inflight == 0) {
    feed_.Closed(slot.endpoint, slot.back_off, now_ns);
    slot.back_off = false;
    wheel_->Cancel(&slot.timer);
    slot.unsent = {};
    slot.session.Reset(config_.session);  // no operation reads its buffers any more
    slot.fetch.reset();
    slot.is_fetch = false;
    table_.Release(index);
    counters_.SessionClosed();
  }
}

// A second signal: every open session ends now, each with its result.
void EngineWorker::InterruptAll(int64_t now_ns) {
  interrupted_ = true;
  for (uint32_t index = 0; index < table_.capacity(); ++index) {
    SessionSlot& slot = table_.at(index);
    if (!slot.in_use || slot.finished) continue;
    Execute(index, slot.Step(SessionEvent::Interrupt(now_ns, slot.phase())), now_ns);
  }
}

void EngineWorker::OnDeadline(uint32_t index, int64_t now_ns) {
  SessionSlot& slot = table_.at(index);
  if (!slot.in_use || slot.finished) return;
  Execute(index, slot.Step(SessionEvent::Timeout(now_ns, slot.phase())), now_ns);
}

void EngineWorker::OnCompletion(const io_uring_cqe& cqe, int64_t now_ns) {
  Cookie cookie = Cookie::Decode(cqe.user_data);
  if (cookie.op == UringOp::kTimer) {
    loop_.OnTimerCompletion();
    return;
  }
  if (cookie.op == UringOp::kTimerUpdate) return;
  if (cookie.op == UringOp::kPoll) {
    if (poller_ != nullptr) poller_->OnPollCompletion(cookie, cqe.res, now_ns);
    return;
  }
  SessionSlot* slot = table_.Resolve(cookie);
  if (slot == nullptr) {
    // A completion for an earlier occupant: only its buffer matters.
    if (cqe.flags & IORING_CQE_F_BUFFER) {
      loop_.RecycleBuffer(static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT));
    }
    counters_.stale_completions.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint32_t index = cookie.index;
  switch (cookie.op) {
    case UringOp::kSocket:
      if (cqe.res < 0) slot->socket_error = -cqe.res;
      --slot->inflight;
      break;
    case UringOp::kConnect: {
      --slot->inflight;
      slot->connecting = false;
      if (slot->finished) break;
      SessionEvent event = SessionEvent::Connected(now_ns);
      if (cqe.res < 0) {
        int err = slot->socket_error != 0 ? slot->socket_error : -cqe.res;
        event = SessionEvent::ConnectFailed(now_ns, err);
      }
      Execute(index, slot->Step(event), now_ns);
      return;
    }
    case UringOp::kRecv:
      OnReceive(index, cqe, now_ns);
      return;
    case UringOp::kSend:
      --slot->inflight;
      OnSent(index, cqe.res, now_ns);
      return;
    case UringOp::kCancel:
    case UringOp::kClose:
      --slot->inflight;
      break;
    default:
      break;
  }
  MaybeRelease(index, now_ns);
}

void EngineWorker::OnReceive(uint32_t index, const io_uring_cqe& cqe, int64_t now_ns) {
  SessionSlot& slot = table_.at(index);
  bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
  auto buffer_id = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
  bool last = (cqe.flags & IORING_CQE_F_MORE) == 0;
  if (last) {
    slot.receiving = false;
    --slot.inflight;
  }
  if (!slot.finished) {
    if (cqe.res > 0 && has_buffer) {
      std::string_view bytes = loop_.BufferBytes(buffer_id, static_cast<size_t>(cqe.res));
      Execute(index, slot.Step(SessionEvent::Bytes(now_ns, bytes)), now_ns);
    } else if (cqe.res == 0) {
      Execute(index, slot.Step(SessionEvent::PeerClosed(now_ns)), now_ns);
    } else if (cqe.res == -ENOBUFS) {
      counters_.receive_buffer_shortages.fetch_add(1, std::memory_order_relaxed);
    } else if (cqe.res < 0 && cqe.res != -ECANCELED) {
      Execute(index, slot.Step(SessionEvent::IoError(now_ns, -cqe.res)), now_ns);
    }
  }
  // The session copied what it keeps; the buffer goes back to the kernel.
  if (has_buffer) loop_.RecycleBuffer(buffer_id);
  // A multishot receive can end while the session still listens (no buffer free, say).
  if (last && slot.in_use && !slot.finished && !slot.closing) ArmReceive(index);
  MaybeRelease(index, now_ns);
}

void EngineWorker::OnSent(uint32_t index, int result, int64_t now_ns) {
  SessionSlot& slot = table_.at(index);
  if (slot.finished || slot.closing) {
    MaybeRelease(index, now_ns);
    return;
  }
  if (result < 0) {
    slot.unsent = {};
    Execute(index, slot.Step(SessionEvent::IoError(now_ns, -result)), now_ns);
    return;
  }
  auto sent = static_cast<size_t>(result);
  if (sent < slot.unsent.size()) {
    // A short send: the rest follows (commands are small, so this is rare).
    slot.unsent.remove_prefix(sent);
    loop_.PrepSend(index, slot.unsent, CookieFor(UringOp::kSend, index));
    ++slot.inflight;
    return;
  }
  slot.unsent = {};
  // The session may now reuse its send buffer (and queue the TLS records waiting behind it).
  Execute(index, slot.Step(SessionEvent::Sent(now_ns)), now_ns);
}

}  // namespace starttls
