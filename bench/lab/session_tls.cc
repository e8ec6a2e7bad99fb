// The TLS side of a session: BoringSSL over memory BIOs, and the deliberate faults of the
// hostile_tls_* behaviours (a stall after ServerHello, alerts at each stage, a 1 MiB flight).
#include <openssl/bytestring.h>
#include <openssl/ssl.h>

#include <algorithm>

#include "bench/lab/lab_certs.h"
#include "bench/lab/session.h"

namespace starttls::lab {
namespace {

constexpr size_t kTlsUnsentBound = 256 << 10;  // TLS bytes taken from the BIO ahead of the socket
constexpr uint64_t kHugeRetryNs = 10'000'000;

// The first handshake message of a server flight, re-framed as a TLS record of its own
// (RFC 8446 §5.1): for the stall after ServerHello. Empty when the flight does not start
// with a handshake record holding a whole message.
std::string FirstHandshakeMessageRecord(std::string_view flight) {
  CBS in, body, message;
  uint8_t type = 0, msg_type = 0;
  uint16_t version = 0;
  uint32_t msg_len = 0;
  CBS_init(&in, reinterpret_cast<const uint8_t*>(flight.data()), flight.size());
  if (!CBS_get_u8(&in, &type) || type != 22 || !CBS_get_u16(&in, &version) ||
      !CBS_get_u16_length_prefixed(&in, &body))
    return {};
  CBS start = body;
  if (!CBS_get_u8(&body, &msg_type) || !CBS_get_u24(&body, &msg_len) ||
      !CBS_get_bytes(&body, &message, msg_len))
    return {};
  size_t whole = 4 + msg_len;
  std::string record;
  record.push_back(22);
  record.push_back(static_cast<char>(version >> 8));
  record.push_back(static_cast<char>(version & 0xff));
  record.push_back(static_cast<char>(whole >> 8));
  record.push_back(static_cast<char>(whole & 0xff));
  record.append(reinterpret_cast<const char*>(CBS_data(&start)), whole);
  return record;
}

}  // namespace

void Session::StartTls(uint64_t) {
  tls_ = true;
  discard_input_ = false;
  in_.clear();
  if (b_->tls_fault == TlsFault::kAlertInsteadOfServerHello) return;  // no TLS state needed
  ssl_ = ctx_.certs.NewSsl(b_->versions, b_->cert, mx_);
  if (!ssl_) {
    end_ = End::kClose;
    return;
  }
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set_bio(ssl_, rbio, wbio);
}

void Session::FailTls(uint64_t now) {
  ++ctx_.stats.tls_failures;
  QueueAction(Action::kCloseFin, now + cfg_.latency_ns);
  discard_input_ = true;
}

void Session::OnTlsBytes(std::string_view data, uint64_t now) {
  uint64_t release = now + cfg_.latency_ns;
  bool alert_now =
      (b_->tls_fault == TlsFault::kAlertInsteadOfServerHello && !data.empty()) ||
      (b_->tls_fault == TlsFault::kAlertBeforeFinished && flight_sent_ && !handshake_done_);
  if (alert_now) {  // a plaintext fatal alert answers the client's (next) flight
    QueueBytes(kAlertHandshakeFailure, release, b_->one_byte_segments);
    FailTls(now);
    return;
  }
  if (!ssl_) return;
  if (!data.empty()) BIO_write(SSL_get_rbio(ssl_), data.data(), static_cast<int>(data.size()));
  if (!handshake_done_ && !RunHandshake(now)) return;
  char buf[4096];
  while (end_ == End::kOpen && !discard_input_) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      if (b_->tls_fault == TlsFault::kAlertAfterHandshake) {
        SSL_send_fatal_alert(ssl_, SSL_AD_INTERNAL_ERROR);
        DrainTls(now);
        QueueAction(Action::kCloseFin, release);
        discard_input_ = true;
        break;
      }
      OnPlainBytes(std::string_view(buf, static_cast<size_t>(n)), now);
      continue;
    }
    if (SSL_get_error(ssl_, n) != SSL_ERROR_WANT_READ) {  // close_notify or a TLS error
      QueueAction(Action::kCloseFin, release);
      discard_input_ = true;
    }
    break;
  }
  if (ssl_) DrainTls(now);
}

bool Session::RunHandshake(uint64_t now) {
  if (b_->cert == CertKind::kHuge && !holds_huge_slot_) {
    if (ctx_.huge_flights >=
        kMaxHugeFlights) {  // wait for a slot; the ClientHello stays in the BIO
      tls_retry_at_ = now + kHugeRetryNs;
      return false;
    }
    ++ctx_.huge_flights;
    holds_huge_slot_ = true;
  }
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    handshake_done_ = true;
    ++ctx_.stats.tls_handshakes;
    if (holds_huge_slot_) {  // the client's Finished came: the whole flight was read
      --ctx_.huge_flights;
      holds_huge_slot_ = false;
    }
    return true;
  }
  int err = SSL_get_error(ssl_, r);
  if (b_->tls_fault == TlsFault::kStallAfterServerHello) {
    if (BIO_pending(SSL_get_wbio(ssl_)) > 0) QueueFirstHandshakeMessage(now);
    return false;
  }
  DrainTls(now);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) FailTls(now);
  return false;
}

void Session::QueueFirstHandshakeMessage(uint64_t now) {
  BIO* wbio = SSL_get_wbio(ssl_);
  std::string flight(BIO_pending(wbio), '\0');
  int n = BIO_read(wbio, flight.data(), static_cast<int>(flight.size()));
  flight.resize(n > 0 ? static_cast<size_t>(n) : 0);
  std::string record = FirstHandshakeMessageRecord(flight);
  if (!record.empty()) QueueBytes(record, now + cfg_.latency_ns, b_->one_byte_segments);
  // Then nothing: the rest of the flight is dropped and whatever the client sends is ignored.
  discard_input_ = true;
  SSL_free(ssl_);
  ssl_ = nullptr;
}

bool Session::DrainTlsAt(uint64_t release) {
  BIO* wbio = SSL_get_wbio(ssl_);
  size_t pending = BIO_pending(wbio);
  size_t room = unsent() < kTlsUnsentBound ? kTlsUnsentBound - unsent() : 0;
  size_t take = std::min(pending, room);
  if (take == 0) return false;
  size_t start = out_.size();
  out_.resize(start + take);
  int n = BIO_read(wbio, out_.data() + start, static_cast<int>(take));
  if (n <= 0) {
    out_.resize(start);
    return false;
  }
  out_.resize(start + static_cast<size_t>(n));
  if (!handshake_done_) flight_sent_ = true;
  PushPiece(static_cast<size_t>(n), Action::kNone, release, b_->one_byte_segments);
  return true;
}

}  // namespace starttls::lab
