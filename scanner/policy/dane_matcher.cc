#include "scanner/policy/dane_matcher.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <vector>

namespace starttls {
namespace {

// One presented certificate and the byte strings a selector picks from it.
struct ChainCert {
  bssl::UniquePtr<X509> x509;
  std::string_view der;  // as presented
  std::string spki;      // SubjectPublicKeyInfo DER
};

bool SelectorBytes(const ChainCert& cert, uint8_t selector, std::string_view* out) {
  if (selector == static_cast<uint8_t>(TlsaSelector::kCert)) {
    *out = cert.der;
    return true;
  }
  if (selector == static_cast<uint8_t>(TlsaSelector::kSpki) && !cert.spki.empty()) {
    *out = cert.spki;
    return true;
  }
  return false;
}

bool Associated(const TlsaRecord& record, std::string_view selected) {
  switch (static_cast<TlsaMatchingType>(record.matching_type)) {
    case TlsaMatchingType::kFull:
      return selected == record.data;
    case TlsaMatchingType::kSha256: {
      uint8_t digest[SHA256_DIGEST_LENGTH];
      SHA256(reinterpret_cast<const uint8_t*>(selected.data()), selected.size(), digest);
      return record.data == std::string_view(reinterpret_cast<char*>(digest), sizeof(digest));
    }
    case TlsaMatchingType::kSha512: {
      uint8_t digest[SHA512_DIGEST_LENGTH];
      SHA512(reinterpret_cast<const uint8_t*>(selected.data()), selected.size(), digest);
      return record.data == std::string_view(reinterpret_cast<char*>(digest), sizeof(digest));
    }
  }
  return false;
}

bool Matches(const TlsaRecord& record, const ChainCert& cert) {
  std::string_view selected;
  return SelectorBytes(cert, record.selector, &selected) && Associated(record, selected);
}

// chain[i] is issued and signed by chain[i + 1] for every i < top.
bool VerifiesUpTo(const std::vector<ChainCert>& chain, size_t top) {
  for (size_t i = 0; i < top; ++i) {
    X509* subject = chain[i].x509.get();
    X509* issuer = chain[i + 1].x509.get();
    if (X509_check_issued(issuer, subject) != X509_V_OK) return false;
    bssl::UniquePtr<EVP_PKEY> key(X509_get_pubkey(issuer));
    if (key == nullptr || X509_verify(subject, key.get()) != 1) return false;
  }
  return true;
}

bool NameMatches(X509* leaf, std::string_view mx_host) {
  if (!mx_host.empty() && mx_host.back() == '.') mx_host.remove_suffix(1);
  if (mx_host.empty()) return false;
  return X509_check_host(leaf, mx_host.data(), mx_host.size(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                         nullptr) == 1;
}

// How far a record got, to explain a failure: the furthest wins.
enum Progress { kNothing, kNoMatch, kChainFails, kNameFails };

}  // namespace

DaneMatchResult MatchDane(std::span<const TlsaRecord> records,
                          std::span<const std::string> chain_der, std::string_view mx_host) {
  DaneMatchResult result;
  std::vector<ChainCert> chain;
  for (const std::string& der : chain_der) {
    if (chain.size() == kMaxDaneChain) break;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(der.data());
    bssl::UniquePtr<X509> x509(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    // A certificate that does not parse (or has bytes after it) ends the usable chain.
    if (x509 == nullptr || p != reinterpret_cast<const uint8_t*>(der.data()) + der.size()) break;
    ChainCert cert;
    cert.der = der;
    uint8_t* spki = nullptr;
    const int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x509.get()), &spki);
    if (spki_len > 0) {
      cert.spki.assign(reinterpret_cast<char*>(spki), static_cast<size_t>(spki_len));
      OPENSSL_free(spki);
    }
    cert.x509 = std::move(x509);
    chain.push_back(std::move(cert));
  }
  ERR_clear_error();
  if (chain.empty()) {
    result.detail = "no certificate to match";
    return result;
  }

  Progress furthest = kNothing;
  bool any_usable = false;
  for (size_t r = 0; r < records.size(); ++r) {
    const TlsaRecord& record = records[r];
    if (!IsUsableForSmtp(record)) continue;
    any_usable = true;
    if (record.usage == static_cast<uint8_t>(TlsaUsage::kDaneEe)) {
      if (Matches(record, chain[0])) {
        result.matched = true;
        result.record = static_cast<int>(r);
        result.depth = 0;
        result.detail = "DANE-EE matched the leaf";
        return result;
      }
      furthest = std::max(furthest, kNoMatch);
      continue;
    }
    // DANE-TA: an issuer in the chain, or a bare key that signed one.
    bssl::UniquePtr<EVP_PKEY> bare_key;
    if (record.selector == static_cast<uint8_t>(TlsaSelector::kSpki) &&
        record.matching_type == static_cast<uint8_t>(TlsaMatchingType::kFull)) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(record.data.data());
      bare_key.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(record.data.size())));
    }
    for (size_t depth = 0; depth < chain.size(); ++depth) {
      const bool issuer_matches = depth > 0 && Matches(record, chain[depth]);
      // The bare key as the issuer of chain[depth] (not found as a chain certificate).
      const bool key_signed = !issuer_matches && bare_key != nullptr &&
                              X509_verify(chain[depth].x509.get(), bare_key.get()) == 1;
      if (!issuer_matches && !key_signed) continue;
      if (!VerifiesUpTo(chain, depth)) {
        furthest = std::max(furthest, kChainFails);
        continue;
      }
      if (!NameMatches(chain[0].x509.get(), mx_host)) {
        furthest = std::max(furthest, kNameFails);
        continue;
      }
      result.matched = true;
      result.record = static_cast<int>(r);
      result.depth = static_cast<int>(key_signed ? depth + 1 : depth);
      result.detail = "DANE-TA matched a chain certificate";
      ERR_clear_error();
      return result;
    }
    furthest = std::max(furthest, kNoMatch);
  }
  ERR_clear_error();
  if (!any_usable) {
    result.detail = "no usable TLSA record";
  } else if (furthest == kNameFails) {
    result.detail = "DANE-TA matched, but the name does not match the MX host name";
  } else if (furthest == kChainFails) {
    result.detail = "DANE-TA matched, but the chain up to it does not verify";
  } else {
    result.detail = "no TLSA record matched the chain";
  }
  return result;
}

}  // namespace starttls
