#include "scanner/datasets/scan_accumulator.h"

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "base/ip_address.h"
#include "output/ndjson_reader.h"
#include "output/rfc3339.h"
#include "scanner/datasets/bad_line_log.h"
#include "scanner/datasets/string_keys.h"

namespace starttls {
namespace {

constexpr size_t kTopEntries = 20;
// Distinct names kept per misordered-host table; past it, new names are counted as "(other)".
constexpr size_t kMaxDistinctNames = 2'000'000;

// What the domain join needs of a host: which clients it is judged for, and clear for.
struct HostView {
  uint16_t judged = 0;
  uint16_t clear = 0;
};

using NameCounts = absl::flat_hash_map<std::string, uint64_t, StringKeyHash, StringKeyEq>;

void Bump(Counts* counts, std::string_view name) {
  auto it = counts->find(name);  // small tables: statuses, classes, versions
  if (it == counts->end()) {
    counts->emplace(std::string(name), 1);
  } else {
    ++it->second;
  }
}

void BumpName(NameCounts* counts, std::string_view name) {
  auto it = counts->find(name);
  if (it != counts->end()) {
    ++it->second;
  } else if (counts->size() < kMaxDistinctNames) {
    counts->emplace(std::string(name), 1);
  } else {
    ++(*counts)["(other)"];
  }
}

std::vector<TopEntry> Top(const NameCounts& counts) {
  std::vector<TopEntry> all;
  all.reserve(counts.size());
  for (const auto& [name, count] : counts) all.push_back({name, count});
  const size_t keep = std::min(kTopEntries, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(keep), all.end(),
                    [](const TopEntry& a, const TopEntry& b) {
                      return a.count != b.count ? a.count > b.count : a.name < b.name;
                    });
  all.resize(keep);
  return all;
}

// The MX name without its first label ("mx1.mail.example.net" -> "mail.example.net").
std::string_view ParentDomain(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || name.find('.', dot + 1) == std::string_view::npos)
    return name;
  return name.substr(dot + 1);
}

std::optional<Endpoint> ParseEndpoint(std::string_view ip, int64_t port) {
  if (port < 0 || port > 65535) return std::nullopt;
  std::optional<IpAddress> address = IpAddress::Parse(ip);
  if (!address) return std::nullopt;
  return Endpoint{*address, static_cast<uint16_t>(port)};
}

constexpr uint32_t kAllClients = (1u << kClientCount) - 1;

}  // namespace

void Histogram::Add(double ms) {
  size_t bucket = 0;
  while (bucket < kLatencyBucketsMs.size() && ms > kLatencyBucketsMs[bucket]) ++bucket;
  ++buckets[bucket];
  ++count;
  sum_ms += ms;
}

struct ScanAccumulator::State {
  ScanFigures figures;
  absl::flat_hash_map<Endpoint, HostView> hosts;
  absl::flat_hash_map<Endpoint, uint32_t> first_reached;  // domains per first reached endpoint
  NameCounts mx_names, mx_domains, banner_domains;
  int64_t min_ms = std::numeric_limits<int64_t>::max();
  int64_t max_ms = std::numeric_limits<int64_t>::min();
  bool metadata_times = false;
  uint64_t metadata_targets = 0;

  // Records come in bursts of one millisecond: parse each distinct timestamp once.
  std::string last_timestamp;
  std::optional<int64_t> last_ms;
  std::optional<int64_t> Millis(std::string_view timestamp) {
    if (timestamp != last_timestamp) {
      last_timestamp = timestamp;
      last_ms = ParseRfc3339UnixMillis(timestamp);
    }
    return last_ms;
  }

  void SeeTime(std::string_view timestamp) {
    if (timestamp.empty()) return;
    std::optional<int64_t> ms = Millis(timestamp);
    if (!ms) return;
    min_ms = std::min(min_ms, *ms);
    max_ms = std::max(max_ms, *ms);
  }

  void AddHost(const RecordFacts& r) {
    ScanFigures& f = figures;
    ++f.hosts.total;
    if (r.has_status) Bump(&f.hosts.by_status, r.status);
    if (r.cls) {
      Bump(&f.hosts.by_class, *r.cls);
    } else {
      ++f.hosts.without_class;
    }
    for (std::string_view anomaly : r.anomalies) Bump(&f.hosts.by_anomaly, anomaly);
    const bool raw_offer = (r.clients_sees >> static_cast<unsigned>(Client::kZgrab2)) & 1u;
    for (size_t c = 0; c < kClientCount; ++c) {
      if (((r.clients_seen >> c) & 1u) == 0) continue;
      ClientFigures& client = f.clients[c];
      ++client.hosts_with_views;
      if (((r.clients_sees >> c) & 1u) == 0) {
        ++client.clear;
        if (raw_offer) ++client.clear_despite_offer;
      }
    }
    if (r.has_tls) AddTls(r);
    if (r.connect_ms) f.connect_ms.Add(*r.connect_ms);
    if (r.banner_ms) f.banner_ms.Add(*r.banner_ms);
    if (r.cls && *r.cls == "starttls_misordered") {
      ++f.misordered.hosts;
      // Each host once per distinct name and per distinct MX domain.
      for (size_t i = 0; i < r.names.size(); ++i) {
        bool name_repeated = false, domain_repeated = false;
        for (size_t j = 0; j < i; ++j) {
          name_repeated = name_repeated || r.names[j] == r.names[i];
          domain_repeated = domain_repeated || ParentDomain(r.names[j]) == ParentDomain(r.names[i]);
        }
        if (!name_repeated) BumpName(&mx_names, r.names[i]);
        if (!domain_repeated) BumpName(&mx_domains, ParentDomain(r.names[i]));
      }
      std::string banner_domain = BannerDomain(r.banner_raw);
      if (!banner_domain.empty()) BumpName(&banner_domains, banner_domain);
    }
    // The domain join: what a sender delivering here would do, per client.
    if (r.cls && r.port >= 0) {
      if (std::optional<Endpoint> endpoint = ParseEndpoint(r.ip, r.port)) {
        HostView view;
        if (r.has_clients) {
          view.judged = static_cast<uint16_t>(r.clients_seen);
          view.clear = static_cast<uint16_t>(r.clients_seen & ~r.clients_sees);
        } else {
          view.judged = view.clear = static_cast<uint16_t>(kAllClients);
        }
        hosts.emplace(*endpoint, view);
      }
    }
    SeeTime(r.timestamp);
  }

  void AddTls(const RecordFacts& r) {
    ScanFigures::Tls& tls = figures.tls;
    ++tls.tried;
    if (!r.tls_outcome.empty()) Bump(&tls.by_outcome, r.tls_outcome);
    if (!r.tls_version.empty()) Bump(&tls.by_version, r.tls_version);
    if (!r.tls_cipher.empty()) Bump(&tls.by_cipher, r.tls_cipher);
    if (!r.tls_group.empty()) Bump(&tls.by_group, r.tls_group);
    if (r.trusted != Tristate::kUnknown) {
      ++tls.validated;
      ++(r.trusted == Tristate::kTrue ? tls.trusted : tls.untrusted);
      if (r.expired == Tristate::kTrue) ++tls.expired;
      if (r.self_signed == Tristate::kTrue) ++tls.self_signed;
      if (r.hostname_match == Tristate::kFalse) ++tls.name_mismatch;
      if (r.hostname_match == Tristate::kTrue) ++tls.name_match;
    }
    std::optional<int64_t> not_after = ParseRfc3339UnixMillis(r.leaf_not_after);
    std::optional<int64_t> seen = Millis(r.timestamp);
    if (not_after && seen) {
      const int64_t days = (*not_after - *seen) / 86'400'000;
      const char* bucket = *not_after < *seen ? "expired"
                           : days < 7         ? "<7d"
                           : days < 30        ? "<30d"
                           : days < 90        ? "<90d"
                                              : ">=90d";
      Bump(&tls.leaf_expiry, bucket);
    }
  }

  void AddDomain(const RecordFacts& r) {
    ScanFigures& f = figures;
    ++f.domains.total;
    if (!r.verdict.empty()) Bump(&f.domains.by_verdict, r.verdict);
    if (!r.mx_kind.empty()) Bump(&f.domains.by_mx_kind, r.mx_kind);
    if (!r.dns.empty()) Bump(&f.domains.by_dns, r.dns);
    SeeTime(r.timestamp);
    if (const EndpointFacts* first = FirstReached(r)) {
      if (std::optional<Endpoint> endpoint = ParseEndpoint(first->ip, first->port))
        ++first_reached[*endpoint];
    }
    bool misordered_mx = false;
    for (const EndpointFacts& e : r.endpoints)
      misordered_mx = misordered_mx || (e.cls && *e.cls == "starttls_misordered");
    if (!r.has_policy) return;
    ScanFigures::Policy& p = f.policy;
    ++p.domains_with_policy;
    if (!r.dane_state.empty()) Bump(&p.dane_state, r.dane_state);
    if (!r.dane_dnssec.empty()) Bump(&p.dane_dnssec, r.dane_dnssec);
    if (!r.mta_sts_state.empty()) Bump(&p.mta_sts_state, r.mta_sts_state);
    if (!r.mta_sts_mode.empty()) Bump(&p.mta_sts_mode, r.mta_sts_mode);
    if (!r.tls_rpt_state.empty()) Bump(&p.tls_rpt_state, r.tls_rpt_state);
    if (!r.delivery_opportunistic.empty())
      Bump(&p.delivery_opportunistic, r.delivery_opportunistic);
    if (!r.delivery_dane.empty()) Bump(&p.delivery_dane, r.delivery_dane);
    if (!r.delivery_mta_sts.empty()) Bump(&p.delivery_mta_sts, r.delivery_mta_sts);
    const bool dane_defer = r.delivery_dane == "defer", sts_defer = r.delivery_mta_sts == "defer";
    if (misordered_mx && (dane_defer || sts_defer)) {
      ++p.defer_misordered;
      if (dane_defer) ++p.defer_misordered_dane;
      if (sts_defer) ++p.defer_misordered_mta_sts;
    }
  }

  // The endpoint a sending MTA reaches first (see the header).
  static const EndpointFacts* FirstReached(const RecordFacts& r) {
    std::vector<const ExchangeFacts*> order;
    order.reserve(r.exchanges.size());
    for (const ExchangeFacts& exchange : r.exchanges) order.push_back(&exchange);
    std::stable_sort(order.begin(), order.end(),
                     [](const ExchangeFacts* a, const ExchangeFacts* b) {
                       // An exchange without a preference (-1) sorts last.
                       const uint64_t pa = static_cast<uint64_t>(a->preference),
                                      pb = static_cast<uint64_t>(b->preference);
                       return pa < pb;
                     });
    for (const ExchangeFacts* exchange : order) {
      for (std::string_view address : exchange->addresses) {
        for (const EndpointFacts& endpoint : r.endpoints) {
          if (endpoint.ip == address && endpoint.cls) return &endpoint;
        }
      }
    }
    return nullptr;
  }
};

ScanAccumulator::ScanAccumulator() : state_(std::make_unique<State>()) {}
ScanAccumulator::~ScanAccumulator() = default;

void ScanAccumulator::AddRecord(const RecordFacts& facts) {
  ScanFigures& f = state_->figures;
  if (facts.type == "host" || facts.type == "classify") {
    Bump(&f.records_by_type, facts.type);
    state_->AddHost(facts);
  } else if (facts.type == "domain") {
    Bump(&f.records_by_type, "domain");
    state_->AddDomain(facts);
  } else if (facts.type == "error") {
    Bump(&f.records_by_type, "error");
    ++f.input_errors;
  } else {
    Bump(&f.records_by_type, "other");
  }
}

void ScanAccumulator::AddBadLine() { ++state_->figures.bad_lines; }

void ScanAccumulator::AddFile(const std::string& path) { state_->figures.files.push_back(path); }

absl::Status ScanAccumulator::AddMetadata(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.load(path).get(root)) {
    return absl::InvalidArgumentError("metadata " + path + ": " + simdjson::error_message(error));
  }
  std::string_view text;
  // Only a metadata file: a report's JSON or another scan named x.json is no such thing.
  if ((!root["type"].get(text) && text != "metadata") || root["start"].get(text) ||
      root["counts"].error()) {
    return absl::InvalidArgumentError(path + " is not a starttls-scan metadata file; not used");
  }
  ScanFigures& f = state_->figures;
  f.metadata_file = path;
  std::optional<int64_t> start, end;
  if (!root["start"].get(text)) start = ParseRfc3339UnixMillis(text);
  if (!root["end"].get(text)) end = ParseRfc3339UnixMillis(text);
  if (start && end && *end >= *start) {
    state_->min_ms = *start;
    state_->max_ms = *end;
    state_->metadata_times = true;
  }
  uint64_t number = 0;
  if (!root["seed"].get(text)) {
    f.seed = std::string(text);
  } else if (!root["seed"].get(number)) {
    f.seed = std::to_string(number);
  }
  bool completed = true;
  if (!root["completed"].get(completed)) f.completed = completed;
  if (!root.at_pointer("/counts/targets/total").get(number)) state_->metadata_targets = number;
  return absl::OkStatus();
}

ScanFigures ScanAccumulator::Finish() {
  State& s = *state_;
  ScanFigures f = std::move(s.figures);
  // The domain join, now that every host record has been seen.
  for (const auto& [endpoint, domains] : s.first_reached) {
    auto host = s.hosts.find(endpoint);
    if (host == s.hosts.end()) {
      f.domains.first_reached_unknown += domains;
      continue;
    }
    for (size_t c = 0; c < kClientCount; ++c) {
      if (((host->second.judged >> c) & 1u) == 0) continue;
      f.clients[c].domains_judged += domains;
      if ((host->second.clear >> c) & 1u) f.clients[c].domains_clear += domains;
    }
  }
  f.misordered.by_mx_name = Top(s.mx_names);
  f.misordered.by_mx_domain = Top(s.mx_domains);
  f.misordered.by_banner_domain = Top(s.banner_domains);
  f.misordered.distinct_mx_names = s.mx_names.size();
  f.misordered.distinct_mx_domains = s.mx_domains.size();
  f.misordered.distinct_banner_domains = s.banner_domains.size();
  if (s.min_ms <= s.max_ms) {
    f.has_times = true;
    f.start_ms = s.min_ms;
    f.end_ms = s.max_ms;
    f.start = FormatRfc3339UnixMillis(s.min_ms);
    f.end = FormatRfc3339UnixMillis(s.max_ms);
    f.duration_s = static_cast<double>(s.max_ms - s.min_ms) / 1000.0;
  }
  uint64_t records_targets = 0;
  for (const char* type : {"host", "domain", "error", "classify"}) {
    auto it = f.records_by_type.find(type);
    if (it != f.records_by_type.end()) records_targets += it->second;
  }
  f.targets = s.metadata_targets > 0 ? s.metadata_targets : records_targets;
  if (f.duration_s > 0) f.rate_per_s = static_cast<double>(f.targets) / f.duration_s;
  s.hosts.clear();
  s.first_reached.clear();
  return f;
}

std::string MetadataPathFor(const std::string& scan_path) {
  std::string base = scan_path;
  for (const char* suffix : {".gz", ".zst"}) {
    if (base.ends_with(suffix)) base.resize(base.size() - std::string_view(suffix).size());
  }
  if (!base.ends_with(".ndjson")) return "";
  base.resize(base.size() - 7);
  return base + ".json";
}

absl::Status ReadScan(const std::vector<std::string>& files, const std::string& command,
                      ScanFigures* figures) {
  ScanAccumulator accumulator;
  BadLineLog bad_lines(command);
  RecordFacts facts;
  for (const std::string& path : files) {
    accumulator.AddFile(path);
    auto reader = OpenNdjson(path);
    if (!reader.ok()) return reader.status();
    absl::Status status = (*reader)->Run(
        [&](NdjsonRecord& record) -> std::string {
          simdjson::ondemand::object object;
          if (record.doc.get_object().get(object))
            return "line " + std::to_string(record.line) + ": not a JSON object";
          if (auto error = ReadRecordFacts(object, &facts)) {
            return "line " + std::to_string(record.line) + ": " + simdjson::error_message(error);
          }
          accumulator.AddRecord(facts);
          return "";
        },
        [&](const NdjsonBadLine& bad) {
          bad_lines.Add(path, bad);
          accumulator.AddBadLine();
        });
    if (!status.ok()) return status;
  }
  if (!files.empty()) {
    const std::string metadata = MetadataPathFor(files.front());
    FILE* probe = metadata.empty() ? nullptr : std::fopen(metadata.c_str(), "rb");
    if (probe != nullptr) {
      std::fclose(probe);
      if (absl::Status status = accumulator.AddMetadata(metadata); !status.ok()) {
        std::fprintf(stderr, "starttls-scan %s: %s\n", command.c_str(),
                     std::string(status.message()).c_str());
      }
    }
  }
  *figures = accumulator.Finish();
  return absl::OkStatus();
}

}  // namespace starttls
