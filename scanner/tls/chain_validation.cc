#include "scanner/tls/chain_validation.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <string>

namespace starttls {

ChainValidation ValidateChain(X509_STORE* store, STACK_OF(X509)* chain,
                              std::string_view hostname, time_t now) {
  ChainValidation result;
  X509* leaf = chain == nullptr || sk_X509_num(chain) == 0 ? nullptr : sk_X509_value(chain, 0);
  if (leaf == nullptr) {
    result.error = "the peer sent no certificate";
    return result;
  }
  if (!hostname.empty()) {
    result.hostname_match =
        X509_check_host(leaf, hostname.data(), hostname.size(), 0, nullptr) == 1;
  }
  result.expired = X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0;
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(leaf));
  result.self_signed = X509_check_issued(leaf, leaf) == X509_V_OK && key != nullptr &&
                       X509_verify(leaf, key.get()) == 1;

  bssl::UniquePtr<X509_STORE_CTX> context(X509_STORE_CTX_new());
  if (!context || !X509_STORE_CTX_init(context.get(), store, leaf, chain)) {
    result.error = "cannot set up chain verification";
    ERR_clear_error();
    return result;
  }
  X509_STORE_CTX_set_time(context.get(), 0, now);
  // Mail servers' certificates are judged as TLS server certificates.
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
  result.trusted = X509_verify_cert(context.get()) == 1;
  if (!result.trusted) {
    int code = X509_STORE_CTX_get_error(context.get());
    result.error = X509_verify_cert_error_string(code);
  }
  ERR_clear_error();
  return result;
}

}  // namespace starttls
