// Every figure `report` shows for one scan, computed once (scanner/datasets/scan_accumulator.h)
// and rendered twice: as JSON (report_json.cc) and as HTML (report_html.cc), so the page and
// `report --format json` always agree. docs/datasets.md defines each figure.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scanner/smtp/client_views.h"

namespace starttls {

// name -> count, ordered by name (deterministic output); looked up by string_view.
using Counts = std::map<std::string, uint64_t, std::less<>>;

// Upper bounds (ms) of the latency buckets; a last bucket takes the rest.
inline constexpr std::array<double, 14> kLatencyBucketsMs = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000};

struct Histogram {
  std::array<uint64_t, kLatencyBucketsMs.size() + 1> buckets{};
  uint64_t count = 0;
  double sum_ms = 0;
  void Add(double ms);
};

struct ClientFigures {
  uint64_t hosts_with_views = 0;     // host records with a `clients` object holding this client
  uint64_t clear = 0;                // ... whose entry for this client is false
  uint64_t clear_despite_offer = 0;  // ... false while the raw reply holds STARTTLS (zgrab2 view)
  uint64_t domains_judged = 0;       // domains whose first reached MX endpoint has a host record
  uint64_t domains_clear = 0;        // ... on which this client would send in clear text
};

struct TopEntry {
  std::string name;
  uint64_t count = 0;
};

struct ScanFigures {
  // Where the figures come from.
  std::vector<std::string> files;
  std::string metadata_file;  // "" when none was found beside the scan
  std::string start, end;     // RFC 3339; from the metadata, else the records' timestamps
  int64_t start_ms = 0, end_ms = 0;
  bool has_times = false;
  double duration_s = 0;
  uint64_t targets = 0;   // metadata counts.targets.total, else records
  double rate_per_s = 0;  // targets / duration
  std::string seed;       // from the metadata
  bool completed = true;

  // Records read.
  Counts records_by_type;     // host, domain, error, classify, other
  uint64_t bad_lines = 0;     // lines that were not records
  uint64_t input_errors = 0;  // `error` records (input lines that named no target)

  struct Hosts {
    uint64_t total = 0;  // host and classify records
    Counts by_status, by_class, by_anomaly;
    uint64_t without_class = 0;
  } hosts;

  struct Domains {
    uint64_t total = 0;
    Counts by_verdict, by_mx_kind, by_dns;
    uint64_t first_reached_unknown = 0;  // reached MX endpoint without a host record here
  } domains;

  std::array<ClientFigures, kClientCount> clients{};

  struct Tls {
    uint64_t tried = 0;  // host records with a `tls` object
    Counts by_outcome, by_version, by_cipher, by_group;
    uint64_t validated = 0, trusted = 0, untrusted = 0, expired = 0, self_signed = 0;
    uint64_t name_mismatch = 0, name_match = 0;
    Counts leaf_expiry;  // days left at the scan: expired, <7d, <30d, <90d, >=90d
  } tls;

  struct Misordered {
    uint64_t hosts = 0;
    std::vector<TopEntry> by_mx_name, by_mx_domain, by_banner_domain;  // top 20 each
    uint64_t distinct_mx_names = 0, distinct_mx_domains = 0, distinct_banner_domains = 0;
  } misordered;

  Histogram connect_ms, banner_ms;

  struct Policy {
    uint64_t domains_with_policy = 0;  // domain records with any of dane/mta_sts/tls_rpt/delivery
    Counts dane_state, dane_dnssec, mta_sts_state, mta_sts_mode, tls_rpt_state;
    Counts delivery_opportunistic, delivery_dane, delivery_mta_sts;
    uint64_t defer_misordered = 0;  // dane or mta_sts defer on a domain with a misordered MX
    uint64_t defer_misordered_dane = 0, defer_misordered_mta_sts = 0;
  } policy;
};

// A transition matrix: from -> to -> count.
using Transitions = std::map<std::string, std::map<std::string, uint64_t>>;

struct DiffSummary {
  std::string old_label, new_label;
  uint64_t hosts_old = 0, hosts_new = 0, domains_old = 0, domains_new = 0;
  Counts changes_by_what;  // appeared, disappeared, status, class, ...
  uint64_t host_changes = 0, domain_changes = 0;
  uint64_t duplicate_keys_old = 0, duplicate_keys_new = 0;
  Transitions host_class;      // class -> class ("absent" for a missing side, "none" for null)
  Transitions domain_verdict;  // verdict -> verdict
};

}  // namespace starttls
