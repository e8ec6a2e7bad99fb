// The slab of sessions one ring drives, and the cookie that ties an io_uring completion to
// its session. Slot i also owns registered file index i of its ring, so a socket can be
// created straight into its place (IORING_OP_SOCKET direct) and linked to its connect.
//
// The cookie (SQE user_data) packs operation, slot index and the slot's generation; the
// generation changes each time a slot is reused, so a completion from an earlier occupant
// is recognised and ignored (its provided buffer is still given back).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "scanner/engine/timer_wheel.h"
#include "scanner/session/policy_fetch_session.h"
#include "scanner/session/smtp_session.h"

namespace starttls {

enum class UringOp : uint8_t {
  kNone = 0,
  kSocket,
  kConnect,
  kRecv,
  kSend,
  kCancel,
  kClose,
  kTimer,        // the one kernel timeout driving the wheel (no slot)
  kTimerUpdate,  // moving that timeout earlier (no slot)
  kPoll,         // a loop extension's descriptor (index = fd, generation = its arming)
};

struct Cookie {
  UringOp op = UringOp::kNone;
  uint32_t index = 0;
  uint32_t generation = 0;  // 24 bits kept

  static constexpr uint32_t kGenerationMask = 0xFF'FFFF;

  uint64_t Encode() const {
    return (uint64_t{static_cast<uint8_t>(op)} << 56) |
           (uint64_t{generation & kGenerationMask} << 32) | index;
  }
  static Cookie Decode(uint64_t user_data) {
    Cookie cookie;
    cookie.op = static_cast<UringOp>(user_data >> 56);
    cookie.generation = static_cast<uint32_t>(user_data >> 32) & kGenerationMask;
    cookie.index = static_cast<uint32_t>(user_data);
    return cookie;
  }
};

struct SessionSlot {
  Session session;
  // An MTA-STS policy fetch runs here instead of `session` while set (rare: made on demand).
  std::unique_ptr<PolicyFetchSession> fetch;
  std::string policy_domain;
  bool is_fetch = false;
  TimerNode timer;
  Endpoint endpoint;
  sockaddr_in6 address{};  // sockaddr_in or sockaddr_in6; read by the kernel at submit
  socklen_t address_length = 0;
  int64_t started_unix_ms = 0;
  std::string_view unsent;  // bytes of the current command not yet acknowledged
  uint32_t generation = 0;
  uint16_t inflight = 0;  // submitted operations whose last completion is pending
  int socket_error = 0;   // errno of a failed IORING_OP_SOCKET
  int bind_error = 0;     // errno of a failed bind to the --source-ip address
  bool in_use = false;
  bool connecting = false;  // the connect is in flight
  bool receiving = false;   // a multishot recv is armed
  bool finished = false;    // result delivered; completions only drain now
  bool closing = false;     // cancel + close submitted
  bool back_off = false;    // the peer answered 421: its IP waits --backoff once closed

  // The event goes to whichever state machine the slot runs.
  SessionActions Step(const SessionEvent& event) {
    return is_fetch ? fetch->Step(event) : starttls::Step(session, event);
  }
  SessionPhase phase() const { return is_fetch ? fetch->phase() : session.phase(); }
};

class SessionTable {
 public:
  explicit SessionTable(uint32_t capacity);

  // A free slot's index with a fresh generation, or false when all are in use.
  bool Acquire(uint32_t* index);
  // Frees the slot for reuse; the session must have released its bytes.
  void Release(uint32_t index);

  SessionSlot& at(uint32_t index) { return slots_[index]; }
  uint32_t capacity() const { return capacity_; }
  uint32_t in_use() const { return in_use_; }
  bool full() const { return free_.empty(); }

  // The live slot a completion belongs to, or nullptr for a stale or foreign cookie.
  SessionSlot* Resolve(const Cookie& cookie);

 private:
  uint32_t capacity_;
  uint32_t in_use_ = 0;
  std::unique_ptr<SessionSlot[]> slots_;
  std::vector<uint32_t> free_;  // a stack: recently used slots are warm in cache
};

}  // namespace starttls
