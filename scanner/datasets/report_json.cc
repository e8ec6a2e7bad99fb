#include "scanner/datasets/report_json.h"

#include "output/json_writer.h"
#include "scanner/datasets/scan_diff.h"

namespace starttls {
namespace {

void WriteCounts(std::string_view key, const Counts& counts, JsonWriter* w) {
  w->Key(key);
  w->BeginObject();
  for (const auto& [name, count] : counts) w->UintField(name, count);
  w->EndObject();
}

// Counts of a section the page shows (`shown`: it has records) carry every possible name, 0
// included, so the page's pointers to them (report_html.cc) resolve even in a scan without,
// say, one misordered host.
void WriteCountsOf(std::string_view key, const Counts& counts, bool shown,
                   std::initializer_list<std::string_view> names, JsonWriter* w) {
  Counts all = counts;
  if (shown) {
    for (std::string_view name : names) all.try_emplace(std::string(name), 0);
  }
  WriteCounts(key, all, w);
}

void WriteTop(std::string_view key, const std::vector<TopEntry>& entries, JsonWriter* w) {
  w->Key(key);
  w->BeginArray();
  for (const TopEntry& entry : entries) {
    w->BeginObject();
    w->StringField("name", entry.name);
    w->UintField("count", entry.count);
    w->EndObject();
  }
  w->EndArray();
}

void WriteHistogram(std::string_view key, const Histogram& histogram, JsonWriter* w) {
  w->Key(key);
  w->BeginObject();
  w->UintField("count", histogram.count);
  w->DoubleField(
      "mean", histogram.count == 0 ? 0.0 : histogram.sum_ms / static_cast<double>(histogram.count));
  w->Key("buckets");
  w->BeginArray();
  for (size_t i = 0; i < histogram.buckets.size(); ++i) {
    w->BeginObject();
    if (i < kLatencyBucketsMs.size()) {
      w->DoubleField("le", kLatencyBucketsMs[i]);
    } else {
      w->NullField("le");
    }
    w->UintField("count", histogram.buckets[i]);
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

}  // namespace

std::vector<std::string> ClientNames() {
  std::vector<std::string> names;
  for (const ClientRule& rule : ClientRules()) names.emplace_back(rule.name);
  return names;
}

void WriteScanFiguresMembers(const ScanFigures& f, JsonWriter* w) {
  w->Key("files");
  w->BeginArray();
  for (const std::string& file : f.files) w->String(file);
  w->EndArray();
  w->StringField("metadata_file", f.metadata_file);

  w->Key("scan");
  w->BeginObject();
  if (f.has_times) {
    w->StringField("start", f.start);
    w->StringField("end", f.end);
  } else {
    w->NullField("start");
    w->NullField("end");
  }
  w->StringField("times_from", f.metadata_file.empty() ? "records" : "metadata");
  w->DoubleField("duration_s", f.duration_s);
  w->UintField("targets", f.targets);
  w->DoubleField("rate_per_s", f.rate_per_s);
  w->StringField("seed", f.seed);
  w->BoolField("completed", f.completed);
  w->UintField("input_errors", f.input_errors);
  w->UintField("bad_lines", f.bad_lines);
  w->EndObject();

  WriteCounts("records", f.records_by_type, w);

  w->Key("hosts");
  w->BeginObject();
  w->UintField("total", f.hosts.total);
  WriteCounts("by_status", f.hosts.by_status, w);
  WriteCountsOf("by_class", f.hosts.by_class, f.hosts.total > 0,
                {"compliant", "starttls_misordered", "no_starttls"}, w);
  WriteCounts("by_anomaly", f.hosts.by_anomaly, w);
  w->UintField("without_class", f.hosts.without_class);
  w->UintField("with_class", f.hosts.total - f.hosts.without_class);
  w->EndObject();

  w->Key("domains");
  w->BeginObject();
  w->UintField("total", f.domains.total);
  WriteCountsOf(
      "by_verdict", f.domains.by_verdict, f.domains.total > 0,
      {"compliant", "starttls_misordered", "no_starttls", "unreachable", "no_mail", "dns_error"},
      w);
  WriteCounts("by_mx_kind", f.domains.by_mx_kind, w);
  WriteCounts("by_dns", f.domains.by_dns, w);
  w->UintField("first_reached_unknown", f.domains.first_reached_unknown);
  w->EndObject();

  w->Key("clients");
  w->BeginObject();
  const std::vector<std::string> names = ClientNames();
  for (size_t c = 0; c < names.size(); ++c) {
    const ClientFigures& client = f.clients[c];
    w->Key(names[c]);
    w->BeginObject();
    w->UintField("hosts_with_views", client.hosts_with_views);
    w->UintField("clear", client.clear);
    w->UintField("clear_despite_offer", client.clear_despite_offer);
    w->UintField("domains_judged", client.domains_judged);
    w->UintField("domains_clear", client.domains_clear);
    w->EndObject();
  }
  w->EndObject();

  w->Key("tls");
  w->BeginObject();
  w->UintField("tried", f.tls.tried);
  WriteCounts("by_outcome", f.tls.by_outcome, w);
  WriteCounts("by_version", f.tls.by_version, w);
  WriteCounts("by_cipher", f.tls.by_cipher, w);
  WriteCounts("by_group", f.tls.by_group, w);
  w->UintField("validated", f.tls.validated);
  w->UintField("trusted", f.tls.trusted);
  w->UintField("untrusted", f.tls.untrusted);
  w->UintField("expired", f.tls.expired);
  w->UintField("self_signed", f.tls.self_signed);
  w->UintField("name_mismatch", f.tls.name_mismatch);
  w->UintField("name_match", f.tls.name_match);
  WriteCounts("leaf_expiry", f.tls.leaf_expiry, w);
  w->EndObject();

  w->Key("misordered");
  w->BeginObject();
  w->UintField("hosts", f.misordered.hosts);
  WriteTop("by_mx_name", f.misordered.by_mx_name, w);
  WriteTop("by_mx_domain", f.misordered.by_mx_domain, w);
  WriteTop("by_banner_domain", f.misordered.by_banner_domain, w);
  w->UintField("distinct_mx_names", f.misordered.distinct_mx_names);
  w->UintField("distinct_mx_domains", f.misordered.distinct_mx_domains);
  w->UintField("distinct_banner_domains", f.misordered.distinct_banner_domains);
  w->EndObject();

  w->Key("latency_ms");
  w->BeginObject();
  WriteHistogram("connect", f.connect_ms, w);
  WriteHistogram("banner", f.banner_ms, w);
  w->EndObject();

  w->Key("policy");
  w->BeginObject();
  const ScanFigures::Policy& p = f.policy;
  w->UintField("domains_with_policy", p.domains_with_policy);
  WriteCounts("dane_state", p.dane_state, w);
  WriteCounts("dane_dnssec", p.dane_dnssec, w);
  WriteCounts("mta_sts_state", p.mta_sts_state, w);
  WriteCounts("mta_sts_mode", p.mta_sts_mode, w);
  WriteCounts("tls_rpt_state", p.tls_rpt_state, w);
  w->Key("delivery");
  w->BeginObject();
  WriteCounts("opportunistic", p.delivery_opportunistic, w);
  WriteCounts("dane", p.delivery_dane, w);
  WriteCounts("mta_sts", p.delivery_mta_sts, w);
  w->EndObject();
  w->UintField("defer_misordered", p.defer_misordered);
  w->UintField("defer_misordered_dane", p.defer_misordered_dane);
  w->UintField("defer_misordered_mta_sts", p.defer_misordered_mta_sts);
  w->EndObject();
}

std::string RenderReportJson(const std::vector<ScanFigures>& scans,
                             const std::optional<DiffSummary>& diff) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", "report");
  w.IntField("schema", 1);
  if (!scans.empty()) WriteScanFiguresMembers(scans.back(), &w);
  if (scans.size() > 1) {
    w.Key("scans");
    w.BeginArray();
    for (const ScanFigures& scan : scans) {
      w.BeginObject();
      WriteScanFiguresMembers(scan, &w);
      w.EndObject();
    }
    w.EndArray();
  }
  if (diff.has_value()) {
    w.Key("diff");
    WriteDiffSummaryJson(*diff, &w);
  }
  w.EndObject();
  w.EndLine();
  return out;
}

}  // namespace starttls
