#include "scanner/tls/chain_validation.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <string>

namespace starttls {

ChainValidation ValidateChain(STACK_OF(X509) * chain, long verify_result, std::string_view hostname,
                              time_t now) {
  ChainValidation result;
  X509* leaf = chain == nullptr || sk_X509_num(chain) == 0 ? nullptr : sk_X509_value(chain, 0);
  if (leaf == nullptr) {
    result.error = "the peer sent no certificate";
    return result;
  }
  result.leaf_names = ExtractCertificateNames(leaf);
  if (!hostname.empty()) result.hostname_match = MatchesHostname(result.leaf_names, hostname);
  result.expired = X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0;
  // Only a self-issued leaf costs a signature check here.
  if (X509_check_issued(leaf, leaf) == X509_V_OK) {
    bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(leaf));
    result.self_signed = key != nullptr && X509_verify(leaf, key.get()) == 1;
  }
  result.trusted = verify_result == X509_V_OK;
  if (!result.trusted) result.error = X509_verify_cert_error_string(verify_result);
  ERR_clear_error();
  return result;
}

}  // namespace starttls
