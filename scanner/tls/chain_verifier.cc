#include "scanner/tls/chain_verifier.h"

#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace starttls {
namespace {

// Extensions whose effect on the verdict the shortcut does not judge: a path holding one
// (name constraints bind the leaf's names; the policy ones can require explicit policies) or
// a leaf holding one is verified in full.
constexpr int kPathExtensionsNotJudged[] = {NID_name_constraints, NID_policy_constraints,
                                            NID_policy_mappings, NID_inhibit_any_policy};

bool HasAnyOf(X509* cert, const int* nids, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (X509_get_ext_by_NID(cert, nids[i], -1) >= 0) return true;
  }
  return false;
}

// A leaf's certificatePolicies can only fail X509_verify_cert's policy check by being
// malformed (no constraint on the path requires a policy): present at most once, parsable,
// no policy twice. Anything else is left to the full verification.
bool LeafPoliciesWellFormed(X509* leaf) {
  int at = X509_get_ext_by_NID(leaf, NID_certificate_policies, -1);
  if (at < 0) return true;
  if (X509_get_ext_by_NID(leaf, NID_certificate_policies, at) >= 0) return false;
  bssl::UniquePtr<CERTIFICATEPOLICIES> policies(static_cast<CERTIFICATEPOLICIES*>(
      X509_get_ext_d2i(leaf, NID_certificate_policies, nullptr, nullptr)));
  if (!policies) return false;
  size_t count = sk_POLICYINFO_num(policies.get());
  if (count > 32) return false;
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = i + 1; j < count; ++j) {
      if (OBJ_cmp(sk_POLICYINFO_value(policies.get(), i)->policyid,
                  sk_POLICYINFO_value(policies.get(), j)->policyid) == 0)
        return false;
    }
  }
  return true;
}

}  // namespace

CertificateInfo PeerChain::Describe(size_t i, bool keep_der) const {
  if (i < cached_.size() && cached_[i] != nullptr) {
    CertificateInfo info = *cached_[i];
    if (keep_der) {
      info.der.assign(reinterpret_cast<const char*>(CRYPTO_BUFFER_data(buffers_[i])),
                      CRYPTO_BUFFER_len(buffers_[i]));
    }
    return info;
  }
  std::string_view der(reinterpret_cast<const char*>(CRYPTO_BUFFER_data(buffers_[i])),
                       CRYPTO_BUFFER_len(buffers_[i]));
  return DescribeCertificate(sk_X509_value(stack_.get(), i), keep_der, der);
}

void PeerChain::AppendDer(size_t max, std::vector<std::string>* out) const {
  for (size_t i = 0; i < buffers_.size() && i < max; ++i) {
    out->emplace_back(reinterpret_cast<const char*>(CRYPTO_BUFFER_data(buffers_[i])),
                      CRYPTO_BUFFER_len(buffers_[i]));
  }
}

bool ChainVerifier::Load(const STACK_OF(CRYPTO_BUFFER) * peer, PeerChain* out) const {
  *out = PeerChain();
  size_t count = peer == nullptr ? 0 : sk_CRYPTO_BUFFER_num(peer);
  if (count == 0) return true;
  PeerChain chain;
  chain.stack_.reset(sk_X509_new_null());
  if (!chain.stack_) return false;
  for (size_t i = 0; i < count; ++i) {
    CRYPTO_BUFFER* buffer = sk_CRYPTO_BUFFER_value(peer, i);
    bssl::UniquePtr<X509> cert;
    std::shared_ptr<const CertificateInfo> info;
    if (i > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = certificates_.find(buffer); it != certificates_.end()) {
        cert = bssl::UpRef(it->second.cert);
        if (!it->second.info) {
          it->second.info =
              std::make_shared<const CertificateInfo>(DescribeCertificate(cert.get(), false));
        }
        info = it->second.info;
      }
    }
    if (!cert) {
      // Parse errors stay queued: the handshake reports them, as it did when BoringSSL
      // parsed the chain itself.
      cert.reset(X509_parse_from_buffer(buffer));
      if (!cert) return false;
      if (i > 0) {
        info = std::make_shared<const CertificateInfo>(DescribeCertificate(cert.get(), false));
        std::lock_guard<std::mutex> lock(mutex_);
        if (certificates_.size() >= kMaxCachedCertificates) {
          certificates_.clear();
          paths_.clear();
        }
        certificates_.try_emplace(buffer, Cached{bssl::UpRef(cert), info});
      }
    }
    chain.buffers_.push_back(buffer);
    chain.cached_.push_back(std::move(info));
    if (!bssl::PushToStack(chain.stack_.get(), std::move(cert))) return false;
  }
  *out = std::move(chain);
  return true;
}

// The certificates above the leaf (their buffers: one per distinct certificate, the pool's),
// then the leaf's issuer name and authority key identifier: all that X509_verify_cert's path
// building reads of a leaf that is not self-issued.
std::string ChainVerifier::PathKey(const PeerChain& chain) {
  std::string key;
  for (size_t i = 1; i < chain.buffers_.size(); ++i) {
    CRYPTO_BUFFER* buffer = chain.buffers_[i];
    // The pointer itself is the key: the pool hands out one CRYPTO_BUFFER per distinct DER.
    // NOLINTNEXTLINE(bugprone-sizeof-expression)
    key.append(reinterpret_cast<const char*>(&buffer), sizeof buffer);
  }
  key.push_back('\0');
  X509* leaf = chain.leaf();
  uint8_t* der = nullptr;
  int length = i2d_X509_NAME(X509_get_issuer_name(leaf), &der);
  if (length > 0) key.append(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  key.push_back('\0');
  int at = X509_get_ext_by_NID(leaf, NID_authority_key_identifier, -1);
  if (at >= 0) {
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(leaf, at));
    key.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
               static_cast<size_t>(ASN1_STRING_length(value)));
  }
  return key;
}

// What X509_verify_cert checks of the leaf itself, each as strictly or more: its issuer match,
// its extensions and purpose (check_chain_extensions), its policies, its signature by the
// issuer's key and its validity at `now` (internal_verify).
bool ChainVerifier::LeafPasses(X509* leaf, X509* issuer, time_t now) const {
  if (X509_check_issued(issuer, leaf) != X509_V_OK) return false;
  uint32_t flags = X509_get_extension_flags(leaf);
  if ((flags & (EXFLAG_INVALID | EXFLAG_CRITICAL | EXFLAG_PROXY)) != 0) return false;
  if (X509_check_purpose(leaf, X509_PURPOSE_SSL_SERVER, 0) != 1) return false;
  if (HasAnyOf(leaf, kPathExtensionsNotJudged, std::size(kPathExtensionsNotJudged)) ||
      !LeafPoliciesWellFormed(leaf))
    return false;
  if (X509_cmp_time(X509_get0_notBefore(leaf), &now) >= 0 ||
      X509_cmp_time(X509_get0_notAfter(leaf), &now) <= 0)
    return false;
  bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(issuer));
  return key != nullptr && X509_verify(leaf, key.get()) == 1;
}

void ChainVerifier::Remember(std::string key, const PeerChain& chain,
                             STACK_OF(X509) * built) const {
  size_t length = built == nullptr ? 0 : sk_X509_num(built);
  if (length < 2) return;
  VerifiedPath path;
  path.valid_from = std::numeric_limits<int64_t>::min();
  path.valid_until = std::numeric_limits<int64_t>::max();
  for (size_t i = 1; i < length; ++i) {
    X509* cert = sk_X509_value(built, i);
    int64_t from = 0, until = 0;
    if (HasAnyOf(cert, kPathExtensionsNotJudged, std::size(kPathExtensionsNotJudged)) ||
        !AsnTimeToUnix(X509_get0_notBefore(cert), &from) ||
        !AsnTimeToUnix(X509_get0_notAfter(cert), &until))
      return;
    // A second's margin each side: ASN.1 times and time_t compare the same away from the edge.
    path.valid_from = std::max(path.valid_from, from + 1);
    path.valid_until = std::min(path.valid_until, until - 1);
  }
  path.issuer = bssl::UpRef(sk_X509_value(built, 1));
  for (size_t i = 1; i < chain.buffers_.size(); ++i) {
    path.held.emplace_back(bssl::UpRef(chain.buffers_[i]));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (paths_.size() >= kMaxCachedCertificates) paths_.clear();
  paths_.try_emplace(std::move(key), std::move(path));
}

long ChainVerifier::Verify(const PeerChain& chain, time_t now) const {
  X509* leaf = chain.leaf();
  if (leaf == nullptr) return X509_V_ERR_UNSPECIFIED;
  // A self-issued leaf is a path of its own: X509_verify_cert's special cases, in full.
  bool shortcut_allowed = X509_check_issued(leaf, leaf) != X509_V_OK;
  std::string key;
  if (shortcut_allowed) {
    key = PathKey(chain);
    bssl::UniquePtr<X509> issuer;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = paths_.find(key);
      if (it != paths_.end() && it->second.valid_from < now && now < it->second.valid_until) {
        issuer = bssl::UpRef(it->second.issuer);
      }
    }
    if (issuer && LeafPasses(leaf, issuer.get(), now)) {
      ERR_clear_error();
      shortcuts_.fetch_add(1, std::memory_order_relaxed);
      return X509_V_OK;
    }
  }
  full_.fetch_add(1, std::memory_order_relaxed);
  bssl::UniquePtr<STACK_OF(X509)> built;
  long result = VerifyFully(anchors_, chain.stack(), now, &built);
  if (result == X509_V_OK && shortcut_allowed) Remember(std::move(key), chain, built.get());
  return result;
}

long ChainVerifier::VerifyFully(X509_STORE* anchors, STACK_OF(X509) * chain, time_t now,
                                bssl::UniquePtr<STACK_OF(X509)>* built) {
  X509* leaf = chain == nullptr || sk_X509_num(chain) == 0 ? nullptr : sk_X509_value(chain, 0);
  bssl::UniquePtr<X509_STORE_CTX> context(X509_STORE_CTX_new());
  if (leaf == nullptr || anchors == nullptr || !context ||
      !X509_STORE_CTX_init(context.get(), anchors, leaf, chain) ||
      !X509_STORE_CTX_set_default(context.get(), "ssl_server")) {
    ERR_clear_error();
    return X509_V_ERR_UNSPECIFIED;
  }
  X509_STORE_CTX_set_time(context.get(), 0, now);
  long result = X509_V_OK;
  if (X509_verify_cert(context.get()) != 1) {
    result = X509_STORE_CTX_get_error(context.get());
    if (result == X509_V_OK) result = X509_V_ERR_UNSPECIFIED;  // failed without saying why
  } else if (built != nullptr) {
    built->reset(X509_STORE_CTX_get1_chain(context.get()));
  }
  ERR_clear_error();
  return result;
}

}  // namespace starttls
