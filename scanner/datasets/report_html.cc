#include "scanner/datasets/report_html.h"

#include <algorithm>

#include "scanner/datasets/html_text.h"
#include "scanner/datasets/report_json.h"
#include "scanner/datasets/svg_chart.h"

namespace starttls {
namespace report_html {

using html::Count;
using html::Escape;
using html::Pointer;
using html::PointerJoin;
using html::Share;

std::string CategoryClass(const std::string& name) {
  std::string out = "c-";
  for (char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') out.push_back(c);
  }
  return out;
}

namespace {

std::vector<std::pair<std::string, uint64_t>> ByCount(const Counts& counts, size_t max_rows) {
  std::vector<std::pair<std::string, uint64_t>> rows(counts.begin(), counts.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (max_rows > 0 && rows.size() > max_rows) rows.resize(max_rows);
  return rows;
}

}  // namespace

std::string CountsTable(const Counts& counts, const std::string& base_pointer,
                        const std::string& den_pointer, uint64_t den,
                        const std::string& name_header, size_t max_rows) {
  if (counts.empty()) return "<p class=\"none\">none</p>";
  std::string out = "<table><thead><tr><th>" + Escape(name_header) +
                    "</th><th class=\"n\">count</th><th class=\"n\">share</th></tr></thead><tbody>";
  for (const auto& [name, count] : ByCount(counts, max_rows)) {
    const std::string pointer = PointerJoin(base_pointer, name);
    out += "<tr><td>" + Escape(name) + "</td>" + Count("td", pointer, count) + "<td class=\"n\">" +
           Share(pointer, den_pointer, count, den) + "</td></tr>";
  }
  if (max_rows > 0 && counts.size() > max_rows) {
    out += "<tr><td colspan=\"3\" class=\"none\">" + std::to_string(counts.size() - max_rows) +
           " more in the JSON</td></tr>";
  }
  return out + "</tbody></table>";
}

std::string CountsBars(const Counts& counts, const std::string& base_pointer,
                       const std::string& title, size_t max_rows) {
  if (counts.empty()) return "";
  std::vector<svg::Bar> bars;
  for (const auto& [name, count] : ByCount(counts, max_rows)) {
    bars.push_back({name, count, PointerJoin(base_pointer, name), CategoryClass(name)});
  }
  return svg::HorizontalBars(bars, title);
}

}  // namespace report_html

namespace {

using namespace report_html;  // NOLINT
using html::Count;
using html::Escape;
using html::Measure;
using html::Pointer;
using html::Share;

constexpr std::string_view kStyle = R"CSS(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: #555; margin: 0 0 12px; } .none { color: #777; font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 12px 14px; }
.card .big { font-size: 26px; font-weight: 600; } .card .what { color: #444; }
table { border-collapse: collapse; margin: 6px 0 14px; background: #fff; }
th, td { border: 1px solid #e0e0e0; padding: 3px 9px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 24px; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 4px 0 12px; }
svg .label { font-size: 12px; fill: #333; } svg .small { font-size: 11px; } svg .value { font-size: 12px; fill: #222; }
svg .axis, svg .grid { stroke: #ccc; stroke-width: 1; } svg .line { fill: none; stroke-width: 2; }
.bar { fill: #1565c0; } .line { stroke: #1565c0; } .dot { fill: #1565c0; }
.c-compliant, .c-tls, .c-ok, .c-usable, .c-enforce { fill: #2e7d32; stroke: #2e7d32; }
.c-starttls_misordered, .c-defer { fill: #e65100; stroke: #e65100; }
.c-no_starttls, .c-clear, .c-bogus { fill: #c62828; stroke: #c62828; }
.c-unreachable, .c-none, .c-not_applicable { fill: #757575; stroke: #757575; }
.c-no_mail, .c-testing, .c-report_only { fill: #9e9e9e; stroke: #9e9e9e; }
.c-dns_error, .c-error { fill: #6d4c41; stroke: #6d4c41; }
.c-s1 { fill: #1565c0; stroke: #1565c0; } .c-s2 { fill: #6a1b9a; stroke: #6a1b9a; }
.c-s3 { fill: #00838f; stroke: #00838f; } .c-s4 { fill: #ad1457; stroke: #ad1457; } .c-s5 { fill: #558b2f; stroke: #558b2f; }
.share { color: #555; } dl.defs dt { font-weight: 600; margin-top: 8px; } dl.defs dd { margin-left: 18px; }
code { background: #f0f0f0; padding: 0 3px; border-radius: 3px; } .wide { overflow-x: auto; }
)CSS";

std::string Card(const std::string& share_html, const std::string& what,
                 const std::string& detail) {
  return "<div class=\"card\"><div class=\"big\">" + share_html + "</div><div class=\"what\">" +
         what + "</div><div class=\"sub\">" + detail + "</div></div>";
}

std::string Headlines(const ScanFigures& f) {
  const uint64_t with_class = f.hosts.total - f.hosts.without_class;
  auto verdict = [&](const char* name) {
    auto it = f.domains.by_verdict.find(name);
    return it == f.domains.by_verdict.end() ? 0 : it->second;
  };
  auto class_count = [&](const char* name) {
    auto it = f.hosts.by_class.find(name);
    return it == f.hosts.by_class.end() ? 0 : it->second;
  };
  const ClientFigures& postfix = f.clients[static_cast<size_t>(Client::kPostfix)];
  std::string out = "<div class=\"cards\">";
  out += Card(Share(Pointer({"hosts", "by_class", "starttls_misordered"}), "/hosts/with_class",
                    class_count("starttls_misordered"), with_class),
              "of MX hosts with an EHLO verdict misorder STARTTLS",
              Count("span", Pointer({"hosts", "by_class", "starttls_misordered"}),
                    class_count("starttls_misordered")) +
                  " of " + Count("span", "/hosts/with_class", with_class));
  out += Card(Share("/clients/postfix/clear", "/clients/postfix/hosts_with_views", postfix.clear,
                    postfix.hosts_with_views),
              "of MX hosts get mail in clear text from Postfix",
              Count("span", "/clients/postfix/clear", postfix.clear) + " of " +
                  Count("span", "/clients/postfix/hosts_with_views", postfix.hosts_with_views));
  if (f.domains.total > 0) {
    out += Card(Share(Pointer({"domains", "by_verdict", "starttls_misordered"}), "/domains/total",
                      verdict("starttls_misordered"), f.domains.total),
                "of domains have a misordered MX as their weakest",
                Count("span", Pointer({"domains", "by_verdict", "starttls_misordered"}),
                      verdict("starttls_misordered")) +
                    " of " + Count("span", "/domains/total", f.domains.total));
    out += Card(Share("/clients/postfix/domains_clear", "/clients/postfix/domains_judged",
                      postfix.domains_clear, postfix.domains_judged),
                "of domains lose TLS with Postfix senders",
                Count("span", "/clients/postfix/domains_clear", postfix.domains_clear) + " of " +
                    Count("span", "/clients/postfix/domains_judged", postfix.domains_judged) +
                    " judged");
  }
  if (f.policy.domains_with_policy > 0) {
    out += Card(
        Share("/policy/defer_misordered", "/domains/total", f.policy.defer_misordered,
              f.domains.total),
        "of domains: policy-enforcing senders defer mail because of STARTTLS misordering",
        Count("span", "/policy/defer_misordered", f.policy.defer_misordered) + " domains (DANE " +
            Count("span", "/policy/defer_misordered_dane", f.policy.defer_misordered_dane) +
            ", MTA-STS " +
            Count("span", "/policy/defer_misordered_mta_sts", f.policy.defer_misordered_mta_sts) +
            ")");
  }
  return out + "</div>";
}

std::string ScanSection(const ScanFigures& f) {
  std::string out = "<h2 id=\"scan\">The scan</h2><table>";
  auto row = [&](const std::string& name, const std::string& value) {
    out += "<tr><th>" + name + "</th><td class=\"n\">" + value + "</td></tr>";
  };
  row("files", Escape([&] {
        std::string joined;
        for (const std::string& file : f.files) joined += (joined.empty() ? "" : ", ") + file;
        return joined;
      }()));
  row("times from", f.metadata_file.empty()
                        ? "the records' timestamps (no metadata file beside the scan)"
                        : "metadata " + Escape(f.metadata_file));
  row("start", f.has_times ? Escape(f.start) : "unknown");
  row("end", f.has_times ? Escape(f.end) : "unknown");
  row("duration", Measure("span", "/scan/duration_s", f.duration_s, 1, "s"));
  row("targets", Count("span", "/scan/targets", f.targets));
  row("rate", Measure("span", "/scan/rate_per_s", f.rate_per_s, 1, "targets/s"));
  if (!f.seed.empty()) row("seed", Escape(f.seed));
  row("completed", f.completed ? "yes" : "no (stopped)");
  row("input lines naming no target (error records)",
      Count("span", "/scan/input_errors", f.input_errors));
  row("lines that were not records", Count("span", "/scan/bad_lines", f.bad_lines));
  for (const auto& [type, count] : f.records_by_type)
    row(Escape(type) + " records", Count("span", Pointer({"records", type}), count));
  return out + "</table>";
}

std::string ClientsSection(const ScanFigures& f) {
  std::string out =
      "<h2 id=\"clients\">Who loses TLS</h2><p class=\"sub\">Per modelled client (docs/rules.md "
      "§4): hosts whose "
      "<code>clients</code> entry is false, and domains whose first reached MX endpoint would get "
      "that client's "
      "mail in clear text (see Definitions).</p><table><thead><tr><th>client</th><th>reads</th>"
      "<th class=\"n\">hosts clear</th><th class=\"n\">of hosts</th><th class=\"n\">despite an "
      "offer</th>"
      "<th class=\"n\">domains clear</th><th class=\"n\">of domains "
      "judged</th></tr></thead><tbody>";
  std::vector<svg::Bar> bars;
  const auto& rules = ClientRules();
  for (size_t c = 0; c < rules.size(); ++c) {
    const std::string name(rules[c].name);
    const ClientFigures& client = f.clients[c];
    const std::string base = Pointer({"clients", name});
    const char* scope = rules[c].scope == ClientScope::kAfterFirstLine ? "after line 1"
                        : rules[c].scope == ClientScope::kEveryLine    ? "every line"
                                                                       : "the raw reply";
    out +=
        "<tr><td>" + Escape(name) + "</td><td>" + scope + "</td>" +
        Count("td", base + "/clear", client.clear) + "<td class=\"n\">" +
        Share(base + "/clear", base + "/hosts_with_views", client.clear, client.hosts_with_views) +
        "</td>" + Count("td", base + "/clear_despite_offer", client.clear_despite_offer) +
        Count("td", base + "/domains_clear", client.domains_clear) + "<td class=\"n\">" +
        Share(base + "/domains_clear", base + "/domains_judged", client.domains_clear,
              client.domains_judged) +
        "</td></tr>";
    bars.push_back({name, client.clear, base + "/clear", "c-clear"});
  }
  out += "</tbody></table>";
  out += "<h3>Hosts in clear text, per client</h3>" +
         svg::HorizontalBars(bars, "Hosts in clear text per client");
  return out;
}

std::string TlsSection(const ScanFigures& f) {
  const ScanFigures::Tls& t = f.tls;
  std::string out =
      "<h2 id=\"tls\">TLS</h2><p class=\"sub\">" + Count("span", "/tls/tried", t.tried) +
      " hosts went on to STARTTLS.</p><div class=\"grid2\"><div><h3>Outcome</h3>" +
      CountsTable(t.by_outcome, "/tls/by_outcome", "/tls/tried", t.tried, "outcome") +
      "</div><div><h3>Version</h3>" +
      CountsTable(t.by_version, "/tls/by_version", "/tls/tried", t.tried, "version") +
      CountsBars(t.by_version, "/tls/by_version", "TLS versions") + "</div><div><h3>Cipher</h3>" +
      CountsTable(t.by_cipher, "/tls/by_cipher", "/tls/tried", t.tried, "cipher", 15) +
      "</div><div><h3>Key-exchange group</h3>" +
      CountsTable(t.by_group, "/tls/by_group", "/tls/tried", t.tried, "group", 15) + "</div>";
  out += "<div><h3>Certificate validation</h3><table><tbody>";
  auto row = [&](const char* name, const char* key, uint64_t value) {
    out += "<tr><th>" + std::string(name) + "</th>" + Count("td", Pointer({"tls", key}), value) +
           "<td class=\"n\">" + Share(Pointer({"tls", key}), "/tls/validated", value, t.validated) +
           "</td></tr>";
  };
  row("validated", "validated", t.validated);
  row("trusted", "trusted", t.trusted);
  row("not trusted", "untrusted", t.untrusted);
  row("expired", "expired", t.expired);
  row("self-signed", "self_signed", t.self_signed);
  row("name mismatch", "name_mismatch", t.name_mismatch);
  row("name matches", "name_match", t.name_match);
  out +=
      "</tbody></table></div><div><h3>Leaf certificate: days left at the scan</h3>" +
      CountsTable(t.leaf_expiry, "/tls/leaf_expiry", "/tls/validated", t.validated, "days left") +
      "</div></div>";
  return out;
}

std::string TopTable(const std::vector<TopEntry>& entries, const std::string& pointer,
                     const std::string& header) {
  if (entries.empty()) return "<p class=\"none\">none</p>";
  std::string out = "<table><thead><tr><th class=\"n\">#</th><th>" + Escape(header) +
                    "</th><th class=\"n\">misordered hosts</th></tr></thead><tbody>";
  for (size_t i = 0; i < entries.size(); ++i) {
    out += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td>" + Escape(entries[i].name) +
           "</td>" + Count("td", pointer + "/" + std::to_string(i) + "/count", entries[i].count) +
           "</tr>";
  }
  return out + "</tbody></table>";
}

std::string MisorderedSection(const ScanFigures& f) {
  const auto& m = f.misordered;
  return "<h2 id=\"misordered\">Where the misordered hosts are</h2><p class=\"sub\">" +
         Count("span", "/misordered/hosts", m.hosts) +
         " hosts put STARTTLS on line 1. The top 20 by MX name, by MX name without its first "
         "label, and by the "
         "domain in the 220 banner.</p><div class=\"grid2\"><div><h3>MX name</h3>" +
         TopTable(m.by_mx_name, "/misordered/by_mx_name", "MX name") +
         "</div><div><h3>MX domain</h3>" +
         TopTable(m.by_mx_domain, "/misordered/by_mx_domain", "MX name less its first label") +
         "</div><div><h3>Banner domain</h3>" +
         TopTable(m.by_banner_domain, "/misordered/by_banner_domain", "domain in the banner") +
         "</div></div>";
}

std::string LatencyPart(const Histogram& h, const std::string& name, const std::string& title) {
  std::vector<svg::Bar> columns;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    std::string label = i < kLatencyBucketsMs.size()
                            ? "\xE2\x89\xA4" + html::DoubleText(kLatencyBucketsMs[i])
                            : ">" + html::DoubleText(kLatencyBucketsMs.back());
    columns.push_back({label, h.buckets[i],
                       "/latency_ms/" + name + "/buckets/" + std::to_string(i) + "/count", ""});
  }
  const double mean = h.count == 0 ? 0.0 : h.sum_ms / static_cast<double>(h.count);
  return "<h3>" + title + "</h3><p class=\"sub\">" +
         Count("span", "/latency_ms/" + name + "/count", h.count) + " sessions, mean " +
         Measure("span", "/latency_ms/" + name + "/mean", mean, 1, "ms") + " (buckets in ms)</p>" +
         (h.count == 0 ? std::string("<p class=\"none\">no timings in these records</p>")
                       : svg::Histogram(columns, title));
}

std::string PolicySection(const ScanFigures& f) {
  const ScanFigures::Policy& p = f.policy;
  if (p.domains_with_policy == 0) return "";
  const std::string den = "/policy/domains_with_policy";
  return "<h2 id=\"policy\">Domain policy</h2><p class=\"sub\">" +
         Count("span", den, p.domains_with_policy) +
         " domain records carry policy results (docs/rules.md §8).</p><div "
         "class=\"grid2\"><div><h3>DANE</h3>" +
         CountsTable(p.dane_state, "/policy/dane_state", den, p.domains_with_policy, "state") +
         CountsTable(p.dane_dnssec, "/policy/dane_dnssec", den, p.domains_with_policy,
                     "MX DNSSEC") +
         "</div><div><h3>MTA-STS</h3>" +
         CountsTable(p.mta_sts_state, "/policy/mta_sts_state", den, p.domains_with_policy,
                     "state") +
         CountsTable(p.mta_sts_mode, "/policy/mta_sts_mode", den, p.domains_with_policy, "mode") +
         "</div><div><h3>TLS-RPT</h3>" +
         CountsTable(p.tls_rpt_state, "/policy/tls_rpt_state", den, p.domains_with_policy,
                     "state") +
         "</div><div><h3>What senders do</h3>" +
         CountsTable(p.delivery_opportunistic, "/policy/delivery/opportunistic", den,
                     p.domains_with_policy, "opportunistic (Postfix may)") +
         CountsTable(p.delivery_dane, "/policy/delivery/dane", den, p.domains_with_policy,
                     "DANE (Postfix dane)") +
         CountsTable(p.delivery_mta_sts, "/policy/delivery/mta_sts", den, p.domains_with_policy,
                     "MTA-STS sender") +
         "</div></div>";
}

constexpr std::string_view kDefinitions =
    R"HTML(<h2 id="definitions">Definitions</h2><dl class="defs">
<dt>hosts</dt><dd><code>host</code> records, one per (ip, port) scanned, and <code>classify</code> records (re-judged
ZGrab2 data counts each line as a host). Class and status are those of docs/rules.md §4 and §6; hosts with a class
had a 2xx EHLO (or a refused EHLO and a 2xx HELO).</dd>
<dt>domains, verdict</dt><dd><code>domain</code> records; the verdict is the weakest class among the endpoints
reached, or unreachable, no_mail, dns_error (docs/rules.md §6).</dd>
<dt>hosts clear for a client</dt><dd>host records whose <code>clients</code> entry for that client is false: that
client would not see STARTTLS and sends in clear text; "despite an offer" counts those whose raw reply still holds
STARTTLS (the zgrab2 view), the cost of the order alone. Share: of the hosts that have an entry for the client.</dd>
<dt>domains clear for a client</dt><dd>a domain is judged by its first reached MX endpoint: exchanges in
preference order, each exchange's addresses in order, the first endpoint whose class is not null. It is clear
for a client when that host's <code>clients</code> entry is false, or when the host has a class but no
<code>clients</code> (EHLO refused, HELO used). Domains without a reached endpoint, or whose endpoint has no host
record in the scan, are not judged.</dd>
<dt>misordered hosts by name</dt><dd>MX names from the host record's <code>names</code>; the MX domain drops the
first label; the banner domain is the first word after the 220 code.</dd>
<dt>latency</dt><dd><code>timing_ms.connect</code> and <code>timing_ms.banner</code> of host records.</dd>
<dt>scan figures</dt><dd>start and end from the metadata file beside the scan (<code>x.ndjson</code> &rarr;
<code>x.json</code>), else the first and last record timestamps; rate = targets / duration.</dd>
<dt>policy deferrals</dt><dd>domains whose <code>delivery.dane</code> or <code>delivery.mta_sts</code> is defer
and one of whose endpoints is starttls_misordered.</dd>
<dt>shares</dt><dd>one decimal, of the count named beside each (the JSON has every count).</dd></dl>)HTML";

}  // namespace

std::string RenderReportHtml(const std::vector<ScanFigures>& scans,
                             const std::optional<DiffSummary>& diff) {
  static const ScanFigures kEmpty;
  const ScanFigures& f = scans.empty() ? kEmpty : scans.back();
  std::string out =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\"><title>starttls-scan report</title><style>";
  out += kStyle;
  out += "</style></head><body><h1>starttls-scan report</h1><p class=\"sub\">";
  out += f.has_times ? "scan of " + Escape(f.start.substr(0, 10)) + ", " : "";
  out += Count("span", "/hosts/total", f.hosts.total) + " hosts, " +
         Count("span", "/domains/total", f.domains.total) + " domains";
  if (scans.size() > 1) out += "; " + std::to_string(scans.size()) + " scans as trends below";
  out += "</p>" + Headlines(f);
  if (f.domains.total > 0) {
    out += "<h2 id=\"domains\">Domains</h2><div class=\"grid2\"><div>" +
           CountsTable(f.domains.by_verdict, "/domains/by_verdict", "/domains/total",
                       f.domains.total, "verdict") +
           "</div><div>" +
           CountsBars(f.domains.by_verdict, "/domains/by_verdict", "Domain verdicts") +
           "</div><div><h3>MX kind</h3>" +
           CountsTable(f.domains.by_mx_kind, "/domains/by_mx_kind", "/domains/total",
                       f.domains.total, "kind") +
           "</div><div><h3>DNS outcome</h3>" +
           CountsTable(f.domains.by_dns, "/domains/by_dns", "/domains/total", f.domains.total,
                       "rcode") +
           "</div></div>";
  }
  out +=
      "<h2 id=\"hosts\">Hosts</h2><div class=\"grid2\"><div><h3>Class</h3>" +
      CountsTable(f.hosts.by_class, "/hosts/by_class", "/hosts/total", f.hosts.total, "class") +
      "<p class=\"sub\">without a class: " +
      Count("span", "/hosts/without_class", f.hosts.without_class) + "</p>" +
      CountsBars(f.hosts.by_class, "/hosts/by_class", "Host classes") +
      "</div><div><h3>Status</h3>" +
      CountsTable(f.hosts.by_status, "/hosts/by_status", "/hosts/total", f.hosts.total, "status") +
      CountsBars(f.hosts.by_status, "/hosts/by_status", "Host statuses") + "</div></div>";
  out += ClientsSection(f);
  out += "<h2 id=\"anomalies\">Anomalies</h2>" +
         CountsTable(f.hosts.by_anomaly, "/hosts/by_anomaly", "/hosts/total", f.hosts.total,
                     "anomaly") +
         CountsBars(f.hosts.by_anomaly, "/hosts/by_anomaly", "Top anomalies");
  out += TlsSection(f) + MisorderedSection(f);
  out += "<h2 id=\"latency\">Latency</h2><div class=\"grid2\"><div>" +
         LatencyPart(f.connect_ms, "connect", "TCP connect") + "</div><div>" +
         LatencyPart(f.banner_ms, "banner", "Banner (connected until the 220 arrived)") +
         "</div></div>";
  out += PolicySection(f) + ScanSection(f);
  if (scans.size() > 1) out += TrendSection(scans);
  if (diff.has_value()) out += TransitionSection(*diff);
  out += kDefinitions;
  out += "</body></html>\n";
  return out;
}

}  // namespace starttls
