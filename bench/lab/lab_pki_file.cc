#include "bench/lab/lab_pki_file.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <unistd.h>

namespace starttls::lab {

std::string LabPkiPath(const std::string& run_dir) { return run_dir + "/lab-pki.pem"; }

bool LoadLabPki(const std::string& path, LabPki& out, std::string& error) {
  bssl::UniquePtr<BIO> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    error = "cannot read " + path;
    return false;
  }
  out.ca.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  out.ca_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  out.ecdsa_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  out.rsa_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!out.ca || !out.ca_key || !out.ecdsa_key || !out.rsa_key ||
      EVP_PKEY_id(out.ecdsa_key.get()) != EVP_PKEY_EC ||
      EVP_PKEY_id(out.rsa_key.get()) != EVP_PKEY_RSA) {
    error = path + ": expected the CA certificate, the CA key, an ECDSA and an RSA key";
    return false;
  }
  return true;
}

bool SaveLabPki(const std::string& path, const LabPki& pki, std::string& error) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FILE* file = fd >= 0 ? fdopen(fd, "w") : nullptr;
  if (!file) {
    if (fd >= 0) close(fd);
    error = "cannot write " + tmp;
    return false;
  }
  bssl::UniquePtr<BIO> bio(BIO_new_fp(file, BIO_CLOSE));
  bool ok = bio && PEM_write_bio_X509(bio.get(), pki.ca.get());
  for (EVP_PKEY* key : {pki.ca_key.get(), pki.ecdsa_key.get(), pki.rsa_key.get()})
    ok = ok && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  if (!bio) fclose(file);
  bio.reset();  // flushes and closes
  // rename: a reader never sees half a file (two programs may start on one run dir).
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace starttls::lab
