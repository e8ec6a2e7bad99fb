// The trust verdict of a peer chain at the cost of the leaf's own checks (issue 16 §5).
//
// Why: a full X509_verify_cert per session parses every certificate, builds the path and checks
// every signature on it, although a scan meets the same few intermediates over and over under
// ever new leaves. Here the path above the leaf is verified once per scan and remembered; a
// later session whose chain has the same certificates above its leaf (the same CRYPTO_BUFFERs:
// the context's pool makes equal certificates one buffer) and names the same issuer checks only
// what X509_verify_cert checks of the leaf itself: its issuer match and signature, its validity
// dates, its extensions and its purpose (TLS server). The verdict stays X509_verify_cert's:
//   - anything this shortcut cannot vouch for goes through the full verification (VerifyFully):
//     a self-issued leaf, a leaf that fails any of those checks (so every error code is
//     X509_verify_cert's own), policy extensions it does not judge, a path holding name or
//     policy constraints, a path verified for no earlier leaf or outside its validity dates;
//   - the remembered path is the one X509_verify_cert built for an earlier leaf with the same
//     issuer name and authority key id, which is all its path building looks at in a leaf;
//   - tests/tls/chain_verifier_test.cc compares the two on the lab's whole certificate set.
// The certificates above the leaf are also parsed once per scan (X509_parse_from_buffer) and
// described once (CertificateInfo). Bounded: past kMaxCachedCertificates the cache starts over.
// Thread-safe: the rings of a scan share one verifier.
#pragma once

#include <openssl/pool.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "scanner/tls/certificate_info.h"

namespace starttls {

inline constexpr size_t kMaxCachedCertificates = 4096;

// A peer chain as X509 objects (leaf first): the leaf parsed for this session, the others
// shared with the verifier's cache.
class PeerChain {
 public:
  PeerChain() = default;
  STACK_OF(X509) * stack() const { return stack_.get(); }
  size_t size() const { return stack_ ? sk_X509_num(stack_.get()) : 0; }
  X509* leaf() const { return size() == 0 ? nullptr : sk_X509_value(stack_.get(), 0); }
  // The facts of certificate `i` (leaf first), with its DER when `keep_der`.
  CertificateInfo Describe(size_t i, bool keep_der) const;
  // The DER of the first `max` certificates.
  void AppendDer(size_t max, std::vector<std::string>* out) const;

 private:
  friend class ChainVerifier;
  bssl::UniquePtr<STACK_OF(X509)> stack_;
  std::vector<CRYPTO_BUFFER*> buffers_;  // owned by the X509s (X509_parse_from_buffer)
  // Per position: the cached facts of a certificate above the leaf; null for the leaf.
  std::vector<std::shared_ptr<const CertificateInfo>> cached_;
};

class ChainVerifier {
 public:
  explicit ChainVerifier(X509_STORE* anchors) : anchors_(anchors) {}
  ChainVerifier(const ChainVerifier&) = delete;
  ChainVerifier& operator=(const ChainVerifier&) = delete;

  // The peer's certificates as X509s into *out (empty when there are none); false when one
  // cannot be parsed (the parse errors stay queued).
  bool Load(const STACK_OF(CRYPTO_BUFFER) * peer, PeerChain* out) const;
  // X509_V_OK when `chain` is trusted at `now`, else X509_verify_cert's error for it.
  long Verify(const PeerChain& chain, time_t now) const;

  // X509_verify_cert of `chain` (leaf first, all of it offered as untrusted certificates)
  // against `anchors` as a TLS server certificate, as BoringSSL's handshake runs it.
  static long VerifyFully(X509_STORE* anchors, STACK_OF(X509) * chain, time_t now,
                          bssl::UniquePtr<STACK_OF(X509)>* built = nullptr);

  uint64_t shortcut_count() const { return shortcuts_.load(std::memory_order_relaxed); }
  uint64_t full_count() const { return full_.load(std::memory_order_relaxed); }

 private:
  struct Cached {
    bssl::UniquePtr<X509> cert;
    std::shared_ptr<const CertificateInfo> info;
  };
  struct VerifiedPath {
    bssl::UniquePtr<X509> issuer;  // the leaf's issuer on the path X509_verify_cert built
    int64_t valid_from = 0;        // every certificate of the path is valid in between
    int64_t valid_until = 0;
    // The key's buffers, held so that their addresses stay theirs while the key exists.
    std::vector<bssl::UniquePtr<CRYPTO_BUFFER>> held;
  };
  static std::string PathKey(const PeerChain& chain);
  bool LeafPasses(X509* leaf, X509* issuer, time_t now) const;
  void Remember(std::string key, const PeerChain& chain, STACK_OF(X509) * built) const;

  X509_STORE* anchors_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<CRYPTO_BUFFER*, Cached> certificates_;
  mutable std::unordered_map<std::string, VerifiedPath> paths_;
  mutable std::atomic<uint64_t> shortcuts_{0}, full_{0};
};

}  // namespace starttls
