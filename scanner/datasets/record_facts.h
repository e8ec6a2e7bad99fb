// The facts `report` and `diff` need from one record, read in one On-Demand pass over the
// record's members (any order; unknown members skipped; a member of an unexpected type is
// as if absent). Views point into the parser and live until the next record.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "scanner/smtp/client_views.h"

namespace starttls {

// A three-valued JSON boolean: absent or null, false, true.
enum class Tristate : uint8_t { kUnknown, kFalse, kTrue };

struct EndpointFacts {
  std::string_view ip;
  int64_t port = -1;
  std::string_view status;
  std::optional<std::string_view> cls;  // nullopt: null or absent
};

struct ExchangeFacts {
  std::string_view name;  // as in the record (raw form: one code point per byte)
  int64_t preference = -1;
  std::vector<std::string_view> addresses;
};

struct RecordFacts {
  std::string_view type;
  // host and classify records
  std::string_view ip;
  int64_t port = -1;
  std::string_view status;
  bool has_status = false;
  std::optional<std::string_view> cls;
  std::vector<std::string_view> anomalies;
  std::vector<std::string_view> names;
  bool has_clients = false;
  uint32_t clients_seen = 0;  // bit per Client: the entry is present
  uint32_t clients_sees = 0;  // bit per Client: the entry is true
  std::string_view banner_raw;
  // tls
  bool has_tls = false;
  std::string_view tls_outcome, tls_version, tls_cipher, tls_group;
  Tristate trusted = Tristate::kUnknown, expired = Tristate::kUnknown;
  Tristate self_signed = Tristate::kUnknown, hostname_match = Tristate::kUnknown;
  std::string_view leaf_sha256, leaf_not_after;
  // timing_ms
  std::optional<double> connect_ms, banner_ms;
  std::string_view timestamp;
  // domain records
  std::string_view domain, verdict, mx_kind, dns;
  std::vector<ExchangeFacts> exchanges;
  std::vector<EndpointFacts> endpoints;
  // docs/rules.md §8 (absent until the scan writes them)
  bool has_policy = false;
  std::string_view dane_state, dane_dnssec, mta_sts_state, mta_sts_mode, tls_rpt_state;
  std::string_view delivery_opportunistic, delivery_dane, delivery_mta_sts;

  void Clear();
};

// What to read: everything the report shows, or only what `diff` compares (type, keys,
// status, class, verdict, TLS version, trust, leaf fingerprint), skipping the rest unparsed.
enum class FactsScope { kReport, kDiff };

// Fills *facts from a record object; returns the first parse error (the record is then
// unusable) or SUCCESS.
simdjson::error_code ReadRecordFacts(simdjson::ondemand::object record, RecordFacts* facts,
                                     FactsScope scope = FactsScope::kReport);

// The first word of a raw banner's first line after its code ("220 mx.example ESMTP" ->
// "mx.example"), lower-cased ASCII; "" when there is none.
std::string BannerDomain(std::string_view banner_raw);

}  // namespace starttls
