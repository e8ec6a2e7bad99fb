// The lab's PKI on disk (RUN_DIR/lab-pki.pem: the CA certificate, the CA key and the two leaf
// keys, PEM, mode 0600), so that every program started on one run dir — smtp-lab serving,
// `smtp-lab zone` writing TLSA digests, policy-lab minting HTTPS certificates — shares one CA
// and one leaf key per kind. A lab key is a test fixture, never a secret.
#pragma once
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace starttls::lab {

struct LabPki {
  bssl::UniquePtr<X509> ca;
  bssl::UniquePtr<EVP_PKEY> ca_key;
  bssl::UniquePtr<EVP_PKEY> ecdsa_key;  // the leaves' shared ECDSA P-256 key
  bssl::UniquePtr<EVP_PKEY> rsa_key;    // the leaves' shared RSA-2048 key
};

std::string LabPkiPath(const std::string& run_dir);
// Reads the file; false with `error` when it is missing, unreadable or incomplete.
bool LoadLabPki(const std::string& path, LabPki& out, std::string& error);
bool SaveLabPki(const std::string& path, const LabPki& pki, std::string& error);

}  // namespace starttls::lab
