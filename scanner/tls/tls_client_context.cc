#include "scanner/tls/tls_client_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

namespace starttls {
namespace {

std::string LastSslError() {
  uint32_t code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// Adds every certificate of a PEM bundle; returns how many, or -1 when the file is unreadable.
long LoadAnchors(X509_STORE* store, const std::string& path) {
  bssl::UniquePtr<BIO> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return -1;
  }
  long count = 0;
  while (true) {
    bssl::UniquePtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (X509_STORE_add_cert(store, cert.get()) == 1) ++count;
  }
  ERR_clear_error();  // the end of the file reads as a "no start line" error
  return count;
}

}  // namespace

// Never fails the handshake over trust (that is a verdict of its own); only a certificate that
// does not parse ends it, as it did when BoringSSL parsed the chain itself (decode_error).
enum ssl_verify_result_t TlsClientContext::LoadPeerChain(SSL* ssl, uint8_t* out_alert) {
  const auto* context =
      static_cast<const TlsClientContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  PeerChain* slot = ChainSlot(ssl);
  PeerChain scratch;
  if (!context->verifier_->Load(SSL_get0_peer_certificates(ssl),
                                slot != nullptr ? slot : &scratch)) {
    *out_alert = SSL_AD_DECODE_ERROR;
    return ssl_verify_invalid;
  }
  return ssl_verify_ok;
}

std::unique_ptr<TlsClientContext> TlsClientContext::Create(const TlsClientOptions& options,
                                                           std::string* error) {
  auto context = std::unique_ptr<TlsClientContext>(new TlsClientContext());
  context->pool_.reset(CRYPTO_BUFFER_POOL_new());
  context->store_.reset(X509_STORE_new());
  context->ctx_.reset(SSL_CTX_new(TLS_with_buffers_method()));
  SSL_CTX* ctx = context->ctx_.get();
  if (ctx == nullptr || !context->pool_ || !context->store_) {
    *error = "SSL_CTX_new: " + LastSslError();
    return nullptr;
  }
  // Measure servers as they are: every version BoringSSL still speaks, every cipher it has.
  if (!SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
      !SSL_CTX_set_strict_cipher_list(ctx, "ALL")) {
    *error = "TLS client setup: " + LastSslError();
    return nullptr;
  }
  SSL_CTX_set0_buffer_pool(ctx, context->pool_.get());
  SSL_CTX_set_app_data(ctx, context.get());
  SSL_CTX_set_custom_verify(ctx, SSL_VERIFY_PEER, LoadPeerChain);
  // No session cache: the context stays read-only while rings share it.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_max_cert_list(ctx, options.max_cert_list_bytes);
  context->verifier_ = std::make_unique<ChainVerifier>(context->store_.get());
  long anchors = LoadAnchors(context->store_.get(), options.ca_file);
  if (anchors < 0 && options.ca_file_required) {
    *error = "flag --ca-file: " + options.ca_file + ": cannot be read";
    return nullptr;
  }
  if (anchors == 0 && options.ca_file_required) {
    *error = "flag --ca-file: " + options.ca_file + ": no PEM certificate in it";
    return nullptr;
  }
  context->anchors_ = anchors < 0 ? 0 : static_cast<size_t>(anchors);
  return context;
}

}  // namespace starttls
