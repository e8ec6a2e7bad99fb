// A scripted peer for the session state machine: records every action the session asks for
// and feeds server bytes in chosen chunks, so tests can drive any path without a socket.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/session/smtp_session.h"

namespace starttls::testing {

inline constexpr int64_t kMs = 1'000'000;  // nanoseconds per millisecond

class ScriptedPeer {
 public:
  explicit ScriptedPeer(const SessionConfig& config) : session_(config) {}

  Session& session() { return session_; }
  const SessionResult& result() const { return session_.result(); }

  int64_t now = 1'000 * kMs;
  std::string sent;  // every byte the session asked to send, in order
  std::optional<SessionDeadline> deadline;
  bool connect_requested = false;
  bool receiving = false;
  bool closed = false;
  bool done = false;
  int actions_after_done = 0;  // actions asked for after done (must stay 0)
  // Sends complete at once (the engine's kSent right after the send), unless held: then the
  // send stays in flight until CompleteSend().
  bool hold_sends = false;
  bool send_in_flight = false;

  SessionActions Apply(const SessionEvent& event) {
    SessionActions actions = Step(session_, event);
    Absorb(actions);
    if (send_in_flight && !hold_sends) CompleteSend();
    return actions;
  }

  // Reports the send in flight as done (kSent), as the engine does once the kernel took it.
  SessionActions CompleteSend() {
    send_in_flight = false;
    SessionActions actions = Step(session_, SessionEvent::Sent(now));
    Absorb(actions);
    if (send_in_flight && !hold_sends) CompleteSend();
    return actions;
  }

  void Absorb(const SessionActions& actions) {
    bool acted = actions.connect || actions.start_receiving || !actions.send.empty() ||
                 actions.deadline.has_value() || actions.close || actions.done;
    if (done && acted) ++actions_after_done;
    connect_requested |= actions.connect;
    receiving |= actions.start_receiving;
    sent.append(actions.send);
    if (!actions.send.empty()) send_in_flight = true;
    if (actions.deadline.has_value()) deadline = actions.deadline;
    if (actions.close) {
      closed = true;
      deadline.reset();
    }
    done |= actions.done;
  }

  // Start, connect, advance the clock a little.
  void Connect() {
    Apply(SessionEvent::Start(now));
    now += 5 * kMs;
    Apply(SessionEvent::Connected(now));
  }

  // Feeds `bytes` cut at the given offsets (ascending, inside the string).
  void Feed(std::string_view bytes, const std::vector<size_t>& cuts = {}) {
    size_t from = 0;
    for (size_t cut : cuts) {
      now += 1 * kMs;
      Apply(SessionEvent::Bytes(now, bytes.substr(from, cut - from)));
      from = cut;
    }
    now += 1 * kMs;
    Apply(SessionEvent::Bytes(now, bytes.substr(from)));
  }

  void FeedByteByByte(std::string_view bytes) {
    for (char c : bytes) {
      now += 1 * kMs;
      Apply(SessionEvent::Bytes(now, std::string_view(&c, 1)));
    }
  }

  // Fires the armed deadline (the clock jumps to it).
  void FireDeadline() {
    if (!deadline.has_value()) return;
    now = deadline->at_ns;
    Apply(SessionEvent::Timeout(now, deadline->phase));
  }

 private:
  Session session_;
};

}  // namespace starttls::testing
