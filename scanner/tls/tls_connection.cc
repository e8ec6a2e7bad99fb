#include "scanner/tls/tls_connection.h"

#include <openssl/err.h>

#include <algorithm>

namespace starttls {

bool TlsConnection::Start(SSL_CTX* ctx, std::string_view server_name,
                          size_t max_buffered_ciphertext) {
  max_buffered_ = max_buffered_ciphertext;
  ssl_.reset(SSL_new(ctx));
  if (!ssl_) {
    error_ = "SSL_new failed";
    return false;
  }
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (rbio_ == nullptr || wbio_ == nullptr) {
    BIO_free(rbio_);
    BIO_free(wbio_);
    rbio_ = wbio_ = nullptr;
    error_ = "BIO_new failed";
    return false;
  }
  SSL_set_bio(ssl_.get(), rbio_, wbio_);       // ssl_ owns both now
  SSL_set_app_data(ssl_.get(), &peer_chain_);  // filled by the context's verify callback
  SSL_set_connect_state(ssl_.get());
  if (!server_name.empty() &&
      !SSL_set_tlsext_host_name(ssl_.get(), std::string(server_name).c_str())) {
    ERR_clear_error();
    error_ = "the server name cannot be sent as SNI";
    return false;
  }
  return true;
}

bool TlsConnection::FeedCiphertext(std::string_view bytes) {
  if (bytes.empty()) return true;
  if (BIO_pending(rbio_) + bytes.size() > max_buffered_) {
    error_ = "the peer sent more than " + std::to_string(max_buffered_) +
             " bytes that could not be processed";
    return false;
  }
  return BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size())) ==
         static_cast<int>(bytes.size());
}

size_t TlsConnection::TakeCiphertext(std::string* out) {
  size_t pending = BIO_pending(wbio_);
  if (pending == 0) return 0;
  size_t old_size = out->size();
  out->resize(old_size + pending);
  int got = BIO_read(wbio_, out->data() + old_size, static_cast<int>(pending));
  out->resize(old_size + (got > 0 ? static_cast<size_t>(got) : 0));
  return got > 0 ? static_cast<size_t>(got) : 0;
}

TlsStep TlsConnection::Fail(int ssl_result, std::string_view what) {
  int code = SSL_get_error(ssl_.get(), ssl_result);
  if (code == SSL_ERROR_WANT_READ) return TlsStep::kWantRead;
  if (code == SSL_ERROR_ZERO_RETURN) return TlsStep::kClosed;
  uint32_t err = ERR_peek_error();
  std::string reason;
  if (err != 0) {
    const char* text = ERR_reason_error_string(err);
    reason = text != nullptr ? text : "error " + std::to_string(ERR_GET_REASON(err));
    // BoringSSL reports a received alert as SSLV3_ALERT_* / TLSV1_ALERT_* reasons.
    alert_received_ = reason.find("ALERT") != std::string::npos;
  } else if (code == SSL_ERROR_SYSCALL) {
    reason = "unexpected end of the TLS stream";
  } else {
    reason = "SSL error " + std::to_string(code);
  }
  ERR_clear_error();
  error_ = std::string(what) + ": " + reason;
  return TlsStep::kError;
}

TlsStep TlsConnection::Handshake() {
  int result = SSL_do_handshake(ssl_.get());
  if (result == 1) return TlsStep::kDone;
  return Fail(result, "handshake");
}

TlsStep TlsConnection::Read(std::string* out, size_t max_bytes) {
  char buffer[4096];
  size_t taken = 0;
  while (taken < max_bytes) {
    size_t want = std::min(sizeof(buffer), max_bytes - taken);
    int got = SSL_read(ssl_.get(), buffer, static_cast<int>(want));
    if (got <= 0) {
      TlsStep step = Fail(got, "read");
      if (step == TlsStep::kWantRead && taken > 0) return TlsStep::kDone;
      return step;
    }
    out->append(buffer, static_cast<size_t>(got));
    taken += static_cast<size_t>(got);
  }
  return TlsStep::kDone;
}

bool TlsConnection::Write(std::string_view plaintext) {
  int wrote = SSL_write(ssl_.get(), plaintext.data(), static_cast<int>(plaintext.size()));
  if (wrote == static_cast<int>(plaintext.size())) return true;
  Fail(wrote, "write");
  return false;
}

std::string_view TlsConnection::version() const { return SSL_get_version(ssl_.get()); }

std::string_view TlsConnection::cipher() const {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
  return cipher == nullptr ? std::string_view() : SSL_CIPHER_get_name(cipher);
}

std::string_view TlsConnection::cipher_standard() const {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_.get());
  return cipher == nullptr ? std::string_view() : SSL_CIPHER_standard_name(cipher);
}

std::string_view TlsConnection::group() const {
  uint16_t id = SSL_get_curve_id(ssl_.get());
  if (id == 0) return {};
  const char* name = SSL_get_curve_name(id);
  return name == nullptr ? std::string_view() : std::string_view(name);
}

}  // namespace starttls
