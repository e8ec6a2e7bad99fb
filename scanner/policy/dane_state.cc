#include "scanner/policy/dane_state.h"

namespace starttls {
namespace {

constexpr int kNoError = 0;
constexpr int kServFail = 2;
constexpr int kNxDomain = 3;

}  // namespace

DnssecStatus DnssecStatusOf(const DnsLookupOutcome& lookup) {
  if (!lookup.rcode.has_value()) return DnssecStatus::kIndeterminate;
  const int rcode = *lookup.rcode;
  if (rcode == kNoError || rcode == kNxDomain) {
    return lookup.authenticated_data ? DnssecStatus::kSecure : DnssecStatus::kInsecure;
  }
  if (rcode == kServFail) return DnssecStatus::kBogus;
  return DnssecStatus::kIndeterminate;
}

DaneVerdict JudgeDane(const DaneInput& input) {
  DaneVerdict verdict;
  verdict.dnssec = input.mx_rrset;
  bool any_bogus = false, any_usable = false, any_secure_records = false;
  for (const DaneMxInput& host : input.hosts) {
    DaneHostState state;
    state.tlsa = DnssecStatusOf(host.tlsa_lookup);
    if (state.tlsa == DnssecStatus::kBogus && !host.name_signed) {
      state.tlsa = DnssecStatus::kInsecure;  // an unsigned name: no DANE for this host
    }
    state.secure = state.tlsa == DnssecStatus::kSecure;
    state.bogus = state.tlsa == DnssecStatus::kBogus;
    if (state.secure && !host.tlsa.empty()) {
      any_secure_records = true;
      for (const TlsaRecord& record : host.tlsa) {
        if (IsUsableForSmtp(record)) state.usable = true;
      }
    }
    any_bogus = any_bogus || state.bogus;
    any_usable = any_usable || state.usable;
    verdict.hosts.push_back(state);
  }
  if (input.mx_rrset != DnssecStatus::kSecure) {
    verdict.state = DaneState::kNone;
  } else if (any_bogus) {
    verdict.state = DaneState::kBogus;
  } else if (any_usable) {
    verdict.state = DaneState::kUsable;
  } else if (any_secure_records) {
    verdict.state = DaneState::kUnusable;
  }
  return verdict;
}

std::string_view DaneStateName(DaneState state) {
  switch (state) {
    case DaneState::kNone:
      return "none";
    case DaneState::kUsable:
      return "usable";
    case DaneState::kUnusable:
      return "unusable";
    case DaneState::kBogus:
      return "bogus";
  }
  return "none";
}

std::string_view DnssecStatusName(DnssecStatus status) {
  switch (status) {
    case DnssecStatus::kSecure:
      return "secure";
    case DnssecStatus::kInsecure:
      return "insecure";
    case DnssecStatus::kBogus:
      return "bogus";
    case DnssecStatus::kIndeterminate:
      return "indeterminate";
  }
  return "indeterminate";
}

}  // namespace starttls
