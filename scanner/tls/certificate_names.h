// The names a certificate is valid for, and RFC 6125 matching of a host name against them,
// as plain strings: kept after the session ends (the X509 is long gone), so that a domain
// record judges the certificate against the MX name THAT domain uses, also when several MX
// names lead to one endpoint and the session could send only one of them as SNI.
//
// The rules are those of BoringSSL's X509_check_host with no flags, which the host record's
// own verdict used before; tests/tls/certificate_names_test.cc compares the two on many
// certificates and names. One exception: a subjectAltName extension holding no DNS name
// (only addresses, e-mail addresses or URIs) leaves the CNs in play here, as RFC 6125
// §6.4.4 has it for addresses and e-mail, whereas X509_check_host then ignores the CNs:
//   - the DNS names of the subjectAltName extension; only when it holds none, the subject's
//     common names that look like host names (labels of letters, digits, '-', '_' and ':';
//     "Example Mail Server" is no name to match);
//   - ASCII case is ignored, nothing else (a trailing dot is a byte like any other);
//   - a wildcard is a whole leftmost label "*" ("f*.example.com" is no wildcard and matches
//     nothing but itself) standing for exactly one non-empty label of letters, digits and
//     '-', and only when at least two labels follow it ("*.com" is no wildcard), each of
//     letters, digits and '-' neither starting nor ending with '-' ("*.-x.example" is none).
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

namespace starttls {

struct CertificateNames {
  std::vector<std::string> names;  // SAN DNS names, or the subject CNs when there are none
  bool from_subject = false;       // taken from the subject's CNs
};

// At most kMaxDnsNames names of at most 255 bytes each are kept (caps on peer data).
CertificateNames ExtractCertificateNames(X509* cert);

bool MatchesHostname(const CertificateNames& names, std::string_view hostname);

}  // namespace starttls
