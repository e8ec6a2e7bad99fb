// Mints the per-MX-name leaf certificates straight as DER with BoringSSL's CBB, from pieces
// encoded once (issuer name, validity, public key, key ids). Why: in an Internet-sized run every
// TLS host has a new name, so a leaf is minted per handshake; building it through the X509 object
// API (extension strings parsed each time) cost as much again as the ECDSA signature itself.
// The certificate is the one bench/README.md documents: O=smtp-lab, CN={name}, SAN DNS:{name},
// SKI, AKI keyid, basicConstraints critical CA:FALSE, EKU serverAuth, signed ecdsa-with-SHA256
// or, under an RSA issuer (the lab's RSA intermediates), sha256WithRSAEncryption.
#pragma once
#include <openssl/base.h>
#include <openssl/mem.h>
#include <openssl/pool.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace starttls::lab {

// Bytes BoringSSL allocated (CBB_finish, i2d_*), freed with OPENSSL_free.
struct OpenSslFree {
  void operator()(uint8_t* p) const { OPENSSL_free(p); }
};
using OpenSslBytes = std::unique_ptr<uint8_t, OpenSslFree>;

struct LeafTemplate {
  std::string issuer_name;  // DER Name; empty: self-signed (issuer = the leaf's own subject)
  std::string validity;     // DER Validity
  std::string spki;         // DER SubjectPublicKeyInfo of the leaf key
  std::string subject_key_id;
  std::string issuer_key_id;   // for self-signed: the same as subject_key_id
  EVP_PKEY* signer = nullptr;  // ECDSA P-256 or RSA: the CA's, an intermediate's, or the leaf's own
};

// DER Validity from `not_before` to `not_after` (seconds relative to now).
std::string EncodeValidity(long not_before, long not_after);

// A new leaf for `name`; nullptr on failure.
bssl::UniquePtr<CRYPTO_BUFFER> MintLeaf(const LeafTemplate& t, std::string_view name,
                                        uint64_t serial, CRYPTO_BUFFER_POOL* pool);

}  // namespace starttls::lab
