// libFuzzer target: what the scanner reads out of a peer's certificate (scanner/tls): the
// record's facts (DescribeCertificate), the names for hostname matching
// (ExtractCertificateNames, MatchesHostname) and the validation verdict (ValidateChain). A
// server picks its certificate freely, so every field is untrusted; BoringSSL parses the
// DER, our code reads what it parsed.
//
// Input: one DER certificate.
//
// Oracles (abort on violation):
//   - the caps hold: subject and issuer text, SANs and their count, kept names;
//   - the facts are well formed: serial in upper-case hex (with '-' first when negative),
//     SHA-256 as 64 lower-case hex digits of the DER, the DER kept when asked, a key type of
//     the closed list;
//   - hostname matching equals BoringSSL's X509_check_host (no flags), which
//     certificate_names.h promises, for host names built from the certificate's own names
//     (wildcards filled in, case changed) whenever no cap dropped a name and the
//     certificate is not one with a subjectAltName extension but no DNS name in it (there
//     the header states the rule, which X509_check_host does not follow);
//   - the validation verdict agrees with those names and says why a chain is untrusted.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/host_name.h"
#include "scanner/tls/certificate_info.h"
#include "scanner/tls/certificate_names.h"
#include "scanner/tls/chain_validation.h"

namespace {

using namespace starttls;

#define FUZZ_CHECK(condition)                                                                  \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "certificate_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

bool IsHex(std::string_view text, bool upper) {
  for (char c : text) {
    bool digit = c >= '0' && c <= '9';
    bool letter = upper ? (c >= 'A' && c <= 'F') : (c >= 'a' && c <= 'f');
    if (!digit && !letter) return false;
  }
  return !text.empty();
}

// Host names to try: each name as it is, its wildcard filled in, case flipped.
std::vector<std::string> Candidates(const std::vector<std::string>& names) {
  std::vector<std::string> hosts = {"mx.example.com", "a.b"};
  for (const std::string& name : names) {
    if (hosts.size() > 24) break;
    std::string host = name;
    if (host.starts_with("*.")) host = "x" + host.substr(1);
    if (!IsHostName(host)) continue;
    hosts.push_back(host);
    std::string flipped = host;
    for (char& c : flipped) {
      if (c >= 'a' && c <= 'z')
        c = static_cast<char>(c - 32);
      else if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c + 32);
    }
    hosts.push_back(flipped);
    hosts.push_back("sub." + host);
    size_t dot = host.find('.');
    if (dot != std::string::npos) hosts.push_back(host.substr(dot + 1));
  }
  return hosts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t* in = data;
  bssl::UniquePtr<X509> cert(d2i_X509(nullptr, &in, static_cast<long>(size)));
  ERR_clear_error();
  if (!cert) return 0;

  CertificateInfo info = DescribeCertificate(cert.get(), /*keep_der=*/true);
  FUZZ_CHECK(info.subject.size() <= kMaxNameBytes && info.issuer.size() <= kMaxNameBytes);
  FUZZ_CHECK(info.dns_names.size() <= kMaxDnsNames);
  for (const std::string& name : info.dns_names) FUZZ_CHECK(name.size() <= kMaxNameBytes);
  if (!info.serial.empty()) {
    FUZZ_CHECK(IsHex(info.serial[0] == '-' ? info.serial.substr(1) : info.serial, true));
  }
  FUZZ_CHECK(info.der.empty() == info.sha256.empty());
  if (!info.sha256.empty()) FUZZ_CHECK(info.sha256.size() == 64 && IsHex(info.sha256, false));
  FUZZ_CHECK(info.key_type == "RSA" || info.key_type == "ECDSA" || info.key_type == "Ed25519" ||
             info.key_type == "DSA" || info.key_type == "unknown");
  FUZZ_CHECK(!info.signature_algorithm.empty());

  CertificateNames names = ExtractCertificateNames(cert.get());
  FUZZ_CHECK(names.names.size() <= kMaxDnsNames);
  for (const std::string& name : names.names) {
    FUZZ_CHECK(name.size() <= 255 && name.find('\0') == std::string::npos);
  }

  // Did a cap or the NUL rule drop a name? Then X509_check_host may see more.
  size_t dns_count = 0;
  bool dropped = false;
  bssl::UniquePtr<GENERAL_NAMES> sans(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  ERR_clear_error();
  if (sans) {
    for (size_t i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans.get(), i);
      if (name->type != GEN_DNS) continue;
      ++dns_count;
      dropped |= static_cast<size_t>(ASN1_STRING_length(name->d.dNSName)) > 255;
    }
  }
  dropped |= dns_count > kMaxDnsNames;
  FUZZ_CHECK(names.from_subject == (dns_count == 0));
  // A subjectAltName extension without DNS names: our CNs count (RFC 6125 §6.4.4's rule,
  // which certificate_names.h states), this BoringSSL's X509_check_host ignores them.
  const bool san_without_dns = sans != nullptr && dns_count == 0;

  std::vector<std::string> hosts = Candidates(names.names);
  for (const std::string& host : hosts) {
    bool ours = MatchesHostname(names, host);
    int theirs = X509_check_host(cert.get(), host.data(), host.size(), 0, nullptr);
    ERR_clear_error();
    if (!dropped && !san_without_dns && theirs >= 0) {
      if (ours != (theirs == 1)) {
        std::fprintf(stderr, "certificate_fuzzer: host %s: ours %d, X509_check_host %d\n",
                     host.c_str(), ours, theirs);
        FUZZ_CHECK(ours == (theirs == 1));
      }
    }
  }

  STACK_OF(X509)* chain = sk_X509_new_null();
  FUZZ_CHECK(chain != nullptr && sk_X509_push(chain, cert.get()));
  const std::string& host = hosts.back();
  ChainValidation trusted = ValidateChain(chain, X509_V_OK, host, 0);
  FUZZ_CHECK(trusted.trusted && trusted.error.empty());
  FUZZ_CHECK(trusted.hostname_match == MatchesHostname(names, host));
  FUZZ_CHECK(trusted.leaf_names.names == names.names);
  ChainValidation untrusted = ValidateChain(chain, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "", 0);
  FUZZ_CHECK(!untrusted.trusted && !untrusted.error.empty());
  FUZZ_CHECK(!untrusted.hostname_match.has_value());
  sk_X509_free(chain);  // the certificate stays owned by `cert`
  ERR_clear_error();
  return 0;
}
