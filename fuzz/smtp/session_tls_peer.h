// The TLS side of the session fuzzer: BoringSSL contexts, and an in-process TLS server that
// answers the session's ciphertext so the fuzzer can get past the handshake.
//
// Why PSK: a certificate handshake costs public-key operations on both sides (a millisecond
// per input under ASan), so the fuzzer's own client context additionally knows a TLS 1.2
// pre-shared key and the server accepts only PSK cipher suites: the handshake is then cheap
// symmetric crypto, and everything after it (EHLO over TLS, QUIT over TLS, close_notify, the
// send-buffer rule) is reached by the fuzzer. The "garbage" context is configured exactly as
// the scanner's (TlsClientContext::Create) and gets the fuzzer's bytes as its peer.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "scanner/tls/tls_client_context.h"

namespace starttls::fuzz {

inline constexpr char kPskIdentity[] = "fuzz";
inline constexpr uint8_t kPsk[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

inline unsigned PskClient(SSL*, const char*, char* identity, unsigned max_identity, uint8_t* psk,
                          unsigned max_psk) {
  if (max_identity < sizeof(kPskIdentity) || max_psk < sizeof(kPsk)) return 0;
  std::memcpy(identity, kPskIdentity, sizeof(kPskIdentity));
  std::memcpy(psk, kPsk, sizeof(kPsk));
  return sizeof(kPsk);
}

inline unsigned PskServer(SSL*, const char* identity, uint8_t* psk, unsigned max_psk) {
  if (std::strcmp(identity, kPskIdentity) != 0 || max_psk < sizeof(kPsk)) return 0;
  std::memcpy(psk, kPsk, sizeof(kPsk));
  return sizeof(kPsk);
}

struct FuzzTlsContexts {
  std::unique_ptr<TlsClientContext> scanner;  // as the scanner configures it, no anchors
  std::unique_ptr<TlsClientContext> psk;      // the same plus a PSK identity
  bssl::UniquePtr<SSL_CTX> server;            // TLS 1.2, PSK suites only

  static const FuzzTlsContexts& Get() {
    static const FuzzTlsContexts* contexts = Make();
    return *contexts;
  }

 private:
  static FuzzTlsContexts* Make() {
    auto* made = new FuzzTlsContexts();
    TlsClientOptions options;
    options.ca_file = "";  // unreadable: no trust anchors, which is allowed when not required
    std::string error;
    made->scanner = TlsClientContext::Create(options, &error);
    made->psk = TlsClientContext::Create(options, &error);
    made->server.reset(SSL_CTX_new(TLS_method()));
    if (!made->scanner || !made->psk || !made->server ||
        !SSL_CTX_set_max_proto_version(made->server.get(), TLS1_2_VERSION) ||
        !SSL_CTX_set_strict_cipher_list(made->server.get(),
                                        "PSK-AES128-CBC-SHA:PSK-AES256-CBC-SHA")) {
      std::fprintf(stderr, "session fuzzer: TLS setup failed: %s\n", error.c_str());
      std::abort();
    }
    SSL_CTX_set_psk_client_callback(made->psk->ctx(), PskClient);
    SSL_CTX_set_psk_server_callback(made->server.get(), PskServer);
    return made;
  }
};

// A TLS server over memory BIOs: ciphertext from the session goes in (FromClient), what it
// answers queues in to_client; plain collects what the session sent after the handshake.
class FuzzTlsServer {
 public:
  void FromClient(std::string_view ciphertext) {
    if (failed_) return;
    if (!ssl_) Start();
    if (failed_) return;
    BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size()));
    Pump();
  }

  // Encrypts `plaintext` for the session (after the handshake only).
  bool Write(std::string_view plaintext) {
    if (!handshake_done_ || failed_ || plaintext.empty()) return false;
    if (SSL_write(ssl_.get(), plaintext.data(), static_cast<int>(plaintext.size())) <= 0) {
      failed_ = true;
    }
    Drain();
    return true;
  }

  void Close() {
    if (!ssl_ || failed_) return;
    SSL_shutdown(ssl_.get());
    Drain();
  }

  bool handshake_done() const { return handshake_done_; }
  const std::string& plain() const { return plain_; }
  std::string& to_client() { return to_client_; }
  const std::string& to_client() const { return to_client_; }

 private:
  void Start() {
    ssl_.reset(SSL_new(FuzzTlsContexts::Get().server.get()));
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    if (!ssl_ || in_ == nullptr || out_ == nullptr) std::abort();
    SSL_set_bio(ssl_.get(), in_, out_);
    SSL_set_accept_state(ssl_.get());
  }

  void Pump() {
    if (!handshake_done_) {
      int result = SSL_do_handshake(ssl_.get());
      if (result == 1) {
        handshake_done_ = true;
      } else if (SSL_get_error(ssl_.get(), result) != SSL_ERROR_WANT_READ) {
        failed_ = true;
      }
    }
    if (handshake_done_ && !failed_) {
      char buffer[4096];
      int got;
      while ((got = SSL_read(ssl_.get(), buffer, sizeof(buffer))) > 0) {
        plain_.append(buffer, static_cast<size_t>(got));
      }
    }
    ERR_clear_error();
    Drain();
  }

  void Drain() {
    char buffer[4096];
    int got;
    while ((got = BIO_read(out_, buffer, sizeof(buffer))) > 0) {
      to_client_.append(buffer, static_cast<size_t>(got));
    }
    ERR_clear_error();
  }

  bssl::UniquePtr<SSL> ssl_;
  BIO* in_ = nullptr;   // owned by ssl_
  BIO* out_ = nullptr;  // owned by ssl_
  bool handshake_done_ = false;
  bool failed_ = false;
  std::string to_client_;
  std::string plain_;
};

}  // namespace starttls::fuzz
