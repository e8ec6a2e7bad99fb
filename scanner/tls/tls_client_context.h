// The scanner's one TLS client configuration: a BoringSSL SSL_CTX set up once per scan and
// read-only afterwards (SSL_new on it is thread-safe), plus the trust store used to judge
// peer chains. The client offers TLS 1.0–1.3 and every cipher BoringSSL still has, so that
// old servers are measured as they are; it never fails a handshake over the chain (validation
// is a separate verdict, chain_validation.h).
//
// Why buffers: the context is TLS_with_buffers_method(), so BoringSSL keeps the peer's chain as
// CRYPTO_BUFFERs from one pool shared by every session (an intermediate met a thousand times is
// one buffer) and builds no X509 objects of its own; the context's custom verify callback
// parses them once into the session's PeerChain (the certificates above the leaf come from the
// ChainVerifier's per-scan cache), and the session asks the verifier for the trust verdict.
#pragma once

#include <openssl/pool.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "scanner/tls/chain_verifier.h"

namespace starttls {

inline constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";

struct TlsClientOptions {
  std::string ca_file = kSystemCaBundle;    // PEM bundle of trust anchors
  bool ca_file_required = false;            // false: a missing system bundle leaves no anchors
  size_t max_cert_list_bytes = 100 * 1024;  // cap on the peer's Certificate message
};

class TlsClientContext {
 public:
  // nullptr with *error when the context or the CA file could not be set up.
  static std::unique_ptr<TlsClientContext> Create(const TlsClientOptions& options,
                                                  std::string* error);

  SSL_CTX* ctx() const { return ctx_.get(); }
  X509_STORE* trust_store() const { return store_.get(); }
  size_t trust_anchor_count() const { return anchors_; }
  const ChainVerifier& verifier() const { return *verifier_; }

  // For SSL_set_app_data of a client SSL on ctx(): where the verify callback puts the chain.
  static PeerChain* ChainSlot(SSL* ssl) { return static_cast<PeerChain*>(SSL_get_app_data(ssl)); }

 private:
  static enum ssl_verify_result_t LoadPeerChain(SSL* ssl, uint8_t* out_alert);

  bssl::UniquePtr<CRYPTO_BUFFER_POOL> pool_;  // outlives ctx_ (declared first)
  bssl::UniquePtr<X509_STORE> store_;
  std::unique_ptr<ChainVerifier> verifier_;
  bssl::UniquePtr<SSL_CTX> ctx_;
  size_t anchors_ = 0;
};

}  // namespace starttls
