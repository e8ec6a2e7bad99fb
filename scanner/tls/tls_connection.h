// One client TLS connection driven entirely through memory BIOs: the caller pushes the
// ciphertext it received (FeedCiphertext), steps the handshake or reads plaintext, and drains
// the ciphertext to send (TakeCiphertext). No socket, no clock, no blocking: the session state
// machine owns one of these only while it is in TLS and frees it right after.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "scanner/tls/chain_verifier.h"

namespace starttls {

enum class TlsStep : uint8_t {
  kDone,      // the handshake completed / plaintext was read
  kWantRead,  // needs more ciphertext from the peer
  kClosed,    // the peer sent close_notify
  kError,     // fatal; error() says why
};

class TlsConnection {
 public:
  TlsConnection() = default;
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // A client SSL on `ctx` with SNI `server_name` (none when empty). False with error() set.
  bool Start(SSL_CTX* ctx, std::string_view server_name, size_t max_buffered_ciphertext);

  // Ciphertext received from the peer. False when more than the cap would sit unprocessed.
  bool FeedCiphertext(std::string_view bytes);
  // Appends the ciphertext the connection wants sent to *out; returns how many bytes.
  size_t TakeCiphertext(std::string* out);

  TlsStep Handshake();
  // Appends decrypted bytes to *out, at most `max_bytes` in all.
  TlsStep Read(std::string* out, size_t max_bytes);
  // Encrypts `plaintext` (after the handshake); the records then wait in TakeCiphertext.
  bool Write(std::string_view plaintext);

  const std::string& error() const { return error_; }
  bool alert_received() const { return alert_received_; }
  SSL* ssl() const { return ssl_.get(); }

  // Negotiated parameters, valid after the handshake.
  std::string_view version() const;
  std::string_view cipher() const;           // OpenSSL name, as `openssl s_client` prints it
  std::string_view cipher_standard() const;  // IANA / RFC name
  std::string_view group() const;            // key-exchange group; empty when none
  // The certificates as the peer sent them, leaf first (empty when it sent none), parsed
  // during the handshake by the context's verify callback (tls_client_context.h).
  const PeerChain& peer_chain() const { return peer_chain_; }

 private:
  TlsStep Fail(int ssl_result, std::string_view what);

  bssl::UniquePtr<SSL> ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  size_t max_buffered_ = 0;
  std::string error_;
  bool alert_received_ = false;
  PeerChain peer_chain_;
};

}  // namespace starttls
