#include "scanner/tls/certificate_names.h"

#include <openssl/mem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <string>

#include "scanner/smtp/ascii.h"
#include "scanner/tls/certificate_info.h"

namespace starttls {
namespace {

constexpr size_t kMaxNameLength = 255;

bool IsLdhByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

void Keep(std::string_view name, CertificateNames* out) {
  if (out->names.size() >= kMaxDnsNames || name.size() > kMaxNameLength) return;
  // An embedded NUL makes a name match nothing (it would hide a suffix).
  if (name.find('\0') != std::string_view::npos) return;
  out->names.emplace_back(name);
}

// A label after a wildcard, as X509_check_host's pattern check takes it: letters, digits and
// '-', neither starting nor ending with '-'.
bool IsWildcardSuffixLabel(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), IsLdhByte);
}

// A usable wildcard pattern is "*." followed by at least two such labels, with no other '*'
// ("*.example.com"; not "*.com", "f*.example.com", "*.*.example.com" or "*.-x.example.com").
// Anything else is compared as it is, like any name.
bool IsWildcardPattern(std::string_view pattern) {
  if (pattern.size() < 3 || pattern[0] != '*' || pattern[1] != '.') return false;
  std::string_view rest = pattern.substr(2);
  if (rest.find('.') == std::string_view::npos) return false;
  while (true) {
    size_t dot = rest.find('.');
    if (!IsWildcardSuffixLabel(rest.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    rest.remove_prefix(dot + 1);
  }
}

// "*.example.com" matches one non-empty LDH label before ".example.com".
bool WildcardMatch(std::string_view pattern, std::string_view host) {
  std::string_view suffix = pattern.substr(1);
  if (host.size() <= suffix.size()) return false;
  if (!EqualsIgnoreCase(host.substr(host.size() - suffix.size()), suffix)) return false;
  std::string_view label = host.substr(0, host.size() - suffix.size());
  return std::all_of(label.begin(), label.end(), IsLdhByte);
}

// Whether a subject CN is a host name at all, as X509_check_host decides before matching a
// CN (other CNs are decorative: "Example Mail Server"): one trailing '.' and a leading "*."
// aside, non-empty labels of letters, digits, '_', ':' and '-' (not first in a label).
bool LooksLikeDnsName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty()) return false;
  size_t label_start = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (IsLdhByte(c) && (c != '-' || i > label_start)) continue;
    if (c == '_' || c == ':') continue;
    if (c == '.' && i > label_start && i + 1 < name.size()) {
      label_start = i + 1;
      continue;
    }
    return false;
  }
  return true;
}

bool MatchesOne(std::string_view pattern, std::string_view host) {
  if (IsWildcardPattern(pattern)) return WildcardMatch(pattern, host);
  return EqualsIgnoreCase(pattern, host);
}

}  // namespace

CertificateNames ExtractCertificateNames(X509* cert) {
  CertificateNames out;
  if (cert == nullptr) return out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  bool any_dns = false;
  if (names != nullptr) {
    for (size_t i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type != GEN_DNS) continue;
      any_dns = true;
      const ASN1_STRING* text = name->d.dNSName;
      Keep(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                            static_cast<size_t>(ASN1_STRING_length(text))),
           &out);
    }
    GENERAL_NAMES_free(names);
  }
  if (any_dns) return out;
  out.from_subject = true;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int at = -1; (at = X509_NAME_get_index_by_NID(subject, NID_commonName, at)) >= 0;) {
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    unsigned char* utf8 = nullptr;
    int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length >= 0) {
      Keep(std::string_view(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length)),
           &out);
    }
    OPENSSL_free(utf8);
  }
  return out;
}

bool MatchesHostname(const CertificateNames& names, std::string_view hostname) {
  // A name starting with '.' asks X509_check_host for any subdomain; an MX name never does.
  if (hostname.empty() || hostname.front() == '.') return false;
  for (const std::string& pattern : names.names) {
    if (names.from_subject && !LooksLikeDnsName(pattern)) continue;
    if (MatchesOne(pattern, hostname)) return true;
  }
  return false;
}

}  // namespace starttls
