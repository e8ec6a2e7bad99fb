// A scripted SMTP server for driving a Session without sockets: plaintext replies are handed
// to the session as kBytes events, and after a 220 to STARTTLS a real BoringSSL server (the
// lab's PKI, memory BIOs) answers the session's ciphertext. Every send the session asks for
// is "completed" at once with a kSent event, as the engine does. Used by the unit tests and
// tls-bench-free checks; no I/O, no threads.
#pragma once

#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/lab/lab_certs.h"
#include "scanner/session/smtp_session.h"
#include "scanner/tls/tls_client_context.h"
#include "scanner/tls/tls_connection.h"

namespace starttls::testing {

// Everything waiting in a memory BIO.
inline std::string DrainBio(BIO* bio) {
  std::string out;
  char buffer[4096];
  int got;
  while ((got = BIO_read(bio, buffer, sizeof(buffer))) > 0)
    out.append(buffer, static_cast<size_t>(got));
  return out;
}

// The lab CA in a temporary directory and a TLS client context trusting it.
class TestPki {
 public:
  explicit TestPki(const lab::PkiShape& shape = {}) {
    char tmpl[] = "/tmp/starttls-tls-test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::string error;
    ok_ = store_.Init(dir_, error, shape);
    TlsClientOptions options;
    options.ca_file = dir_ + "/ca.pem";
    options.ca_file_required = true;
    context_ = TlsClientContext::Create(options, &error);
  }
  ~TestPki() {
    std::remove((dir_ + "/ca.pem").c_str());
    std::remove((dir_ + "/lab-pki.pem").c_str());
    rmdir(dir_.c_str());
  }
  bool ok() const { return ok_ && context_ != nullptr; }
  lab::CertStore& store() { return store_; }
  const TlsClientContext* context() const { return context_.get(); }

 private:
  std::string dir_;
  bool ok_ = false;
  lab::CertStore store_;
  std::unique_ptr<TlsClientContext> context_;
};

// Runs `client` against `server` over memory BIOs until the client's handshake ends.
inline TlsStep HandshakeWith(TlsConnection& client, SSL* server) {
  BIO* server_in = BIO_new(BIO_s_mem());
  BIO* server_out = BIO_new(BIO_s_mem());
  SSL_set_bio(server, server_in, server_out);
  TlsStep step = client.Handshake();
  for (int round = 0; round < 8 && step == TlsStep::kWantRead; ++round) {
    std::string to_server;
    client.TakeCiphertext(&to_server);
    BIO_write(server_in, to_server.data(), static_cast<int>(to_server.size()));
    SSL_do_handshake(server);
    if (!client.FeedCiphertext(DrainBio(server_out))) return TlsStep::kError;
    step = client.Handshake();
  }
  return step;
}

// Plays the server's side of one session.
class ScriptedPeer {
 public:
  explicit ScriptedPeer(Session* session) : session_(session) {}

  int64_t now() const { return now_; }
  void Advance(int64_t ns) { now_ += ns; }

  // Steps the session and executes its actions: sends land in `wire_` (plaintext) or the
  // server SSL (TLS), each followed by a kSent event unless sends are held.
  SessionActions Step(const SessionEvent& event) {
    SessionActions actions = starttls::Step(*session_, event);
    Absorb(actions);
    return actions;
  }
  void Absorb(const SessionActions& actions) {
    last_ = actions;
    if (actions.deadline.has_value()) deadline_ = *actions.deadline;
    if (actions.send.empty()) return;
    if (server_ != nullptr) {
      BIO_write(server_in_, actions.send.data(), static_cast<int>(actions.send.size()));
    } else {
      wire_.append(actions.send);
    }
    sends_.emplace_back(actions.send);
    if (hold_sends_) {
      held_ = actions.send;
      return;
    }
    Step(SessionEvent::Sent(now_));
  }
  void ReleaseHeldSend() {
    hold_sends_ = false;
    held_ = {};
    Step(SessionEvent::Sent(now_));
  }

  void Start() {
    Step(SessionEvent::Start(now_));
    Step(SessionEvent::Connected(now_));
  }
  void Reply(std::string_view bytes) { Step(SessionEvent::Bytes(now_, bytes)); }
  // Bytes the session sent in plaintext since the last call.
  std::string TakeWire() { return std::exchange(wire_, std::string()); }

  // Switches to TLS with `ssl` (a server SSL); the session's later sends feed it.
  void BeginTls(SSL* ssl) {
    server_.reset(ssl);
    server_in_ = BIO_new(BIO_s_mem());
    server_out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(server_.get(), server_in_, server_out_);
    SSL_set_accept_state(server_.get());
  }
  // Lets the server process what it received; returns its ciphertext (not yet delivered).
  std::string ServerTurn() {
    if (!SSL_is_init_finished(server_.get())) {
      SSL_do_handshake(server_.get());
    }
    if (SSL_is_init_finished(server_.get())) {
      char buffer[4096];
      int got;
      while ((got = SSL_read(server_.get(), buffer, sizeof(buffer))) > 0) {
        server_plain_.append(buffer, static_cast<size_t>(got));
      }
    }
    return TakeServerCiphertext();
  }
  std::string TakeServerCiphertext() { return DrainBio(server_out_); }
  // Runs the handshake to the end by ferrying ciphertext both ways (at most `rounds`).
  void Ferry(int rounds = 8) {
    for (int i = 0; i < rounds && !session_->finished(); ++i) {
      std::string bytes = ServerTurn();
      if (bytes.empty()) break;
      Reply(bytes);
    }
  }
  // Sends `plaintext` encrypted by the server.
  void TlsReply(std::string_view plaintext) {
    SSL_write(server_.get(), plaintext.data(), static_cast<int>(plaintext.size()));
    Reply(TakeServerCiphertext());
  }
  std::string TakeServerPlain() {
    ServerTurn();
    return std::exchange(server_plain_, std::string());
  }
  SSL* server() const { return server_.get(); }

  bool hold_sends_ = false;
  std::string_view held_;
  SessionActions last_;
  SessionDeadline deadline_;
  std::vector<std::string> sends_;

 private:
  Session* session_;
  int64_t now_ = 1'000'000'000;
  std::string wire_;
  bssl::UniquePtr<SSL> server_;
  BIO* server_in_ = nullptr;
  BIO* server_out_ = nullptr;
  std::string server_plain_;
};

inline constexpr std::string_view kBanner = "220 mx.example ESMTP test\r\n";
inline constexpr std::string_view kEhloCompliant =
    "250-mx.example greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
inline constexpr std::string_view kEhloMisordered =
    "250-STARTTLS\r\n250-mx.example\r\n250 8BITMIME\r\n";
inline constexpr std::string_view kEhloNoStarttls = "250-mx.example greets you\r\n250 8BITMIME\r\n";
inline constexpr std::string_view kEhloOverTls =
    "250-mx.example greets you\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
inline constexpr std::string_view kReady = "220 2.0.0 Ready to start TLS\r\n";

}  // namespace starttls::testing
