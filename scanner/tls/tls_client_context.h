// The scanner's one TLS client configuration: a BoringSSL SSL_CTX set up once per scan and
// read-only afterwards (SSL_new on it is thread-safe), plus the trust store used to judge
// peer chains. The client offers TLS 1.0–1.3 and every cipher BoringSSL still has, so that
// old servers are measured as they are; it never verifies during the handshake (validation
// is a separate verdict, chain_validation.h).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace starttls {

inline constexpr char kSystemCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";

struct TlsClientOptions {
  std::string ca_file = kSystemCaBundle;  // PEM bundle of trust anchors
  bool ca_file_required = false;          // false: a missing system bundle leaves no anchors
  size_t max_cert_list_bytes = 100 * 1024;  // cap on the peer's Certificate message
};

class TlsClientContext {
 public:
  // nullptr with *error when the context or the CA file could not be set up.
  static std::unique_ptr<TlsClientContext> Create(const TlsClientOptions& options,
                                                  std::string* error);

  SSL_CTX* ctx() const { return ctx_.get(); }
  X509_STORE* trust_store() const { return SSL_CTX_get_cert_store(ctx_.get()); }
  size_t trust_anchor_count() const { return anchors_; }

 private:
  bssl::UniquePtr<SSL_CTX> ctx_;
  size_t anchors_ = 0;
};

}  // namespace starttls
