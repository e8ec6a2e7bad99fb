// The bytes a session has asked the engine to send, kept stable while the kernel reads them.
// The engine sends one buffer at a time: while one send is in flight, further bytes (a
// command due because the peer answered before our last send completed, TLS records) wait
// behind it in order, and the buffer being sent is not touched until the engine reports the
// send done (kSent), so a receive handled meanwhile cannot invalidate what the kernel reads.
// Both state machines (the SMTP session and the MTA-STS policy fetch) send through one.
#pragma once

#include <string>
#include <string_view>

#include "scanner/tls/tls_connection.h"

namespace starttls {

class SendOutbox {
 public:
  bool in_flight() const { return in_flight_; }
  // Queues bytes (a plaintext command) behind what waits; Flush hands them on.
  void Queue(std::string_view bytes) { waiting_.append(bytes); }

  // Takes what `tls` wants sent (may be null); when no send is in flight, returns the bytes to
  // hand the engine now (valid until OnSent), else an empty view.
  std::string_view Flush(TlsConnection* tls) {
    if (tls != nullptr) tls->TakeCiphertext(&waiting_);
    if (in_flight_ || waiting_.empty()) return {};
    sending_.swap(waiting_);
    waiting_.clear();
    in_flight_ = true;
    return sending_;
  }

  // The send in flight is done: false when none was (a stale report). Call Flush next.
  bool OnSent() {
    if (!in_flight_) return false;
    in_flight_ = false;
    sending_.clear();
    return true;
  }

  // Drops what waits; the buffer in flight stays until Reset (a send may still read it).
  void DropWaiting() { std::string().swap(waiting_); }
  void Reset() {
    std::string().swap(sending_);
    std::string().swap(waiting_);
    in_flight_ = false;
  }

 private:
  std::string sending_;
  std::string waiting_;
  bool in_flight_ = false;
};

}  // namespace starttls
