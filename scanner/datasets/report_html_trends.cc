// The report page's parts for several scans: trends over the scans' start dates, and the
// transition matrices of two scans.
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include "scanner/datasets/html_text.h"
#include "scanner/datasets/report_html.h"
#include "scanner/datasets/svg_chart.h"

namespace starttls::report_html {
namespace {

using html::Count;
using html::Escape;
using html::Measure;
using html::Pointer;
using html::PointerJoin;

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

uint64_t Get(const Counts& counts, const std::string& name) {
  auto it = counts.find(name);
  return it == counts.end() ? 0 : it->second;
}

double Percent(uint64_t num, uint64_t den) {
  return den == 0 ? kNoValue : 100.0 * static_cast<double>(num) / static_cast<double>(den);
}

std::string ScanPointer(size_t index) { return "/scans/" + std::to_string(index); }

const std::array<Client, 5> kTrendClients = {Client::kPostfix, Client::kExim, Client::kCiscoEsa,
                                             Client::kPythonSmtplib, Client::kGoNetSmtp};

}  // namespace

std::string TrendSection(const std::vector<ScanFigures>& scans) {
  std::vector<int64_t> x;
  std::vector<std::string> labels;
  bool all_timed = true;
  for (const ScanFigures& scan : scans) all_timed = all_timed && scan.has_times;
  for (size_t i = 0; i < scans.size(); ++i) {
    x.push_back(all_timed ? scans[i].start_ms : static_cast<int64_t>(i));
    labels.push_back(scans[i].has_times ? scans[i].start.substr(0, 10)
                                        : "scan " + std::to_string(i + 1));
  }
  std::string out = "<h2 id=\"trends\">Trends</h2><p class=\"sub\">" +
                    std::to_string(scans.size()) + " scans by start date" +
                    (all_timed ? "" : " (some without dates: in the order given)") + ".</p>";

  std::vector<svg::Series> classes;
  int color = 1;
  for (const char* name : {"compliant", "starttls_misordered", "no_starttls"}) {
    svg::Series series{name, CategoryClass(name), {}};
    for (const ScanFigures& s : scans)
      series.values.push_back(
          Percent(Get(s.hosts.by_class, name), s.hosts.total - s.hosts.without_class));
    classes.push_back(std::move(series));
  }
  out += "<h3>Host classes, % of hosts with a class</h3>" +
         svg::LineChart(x, labels, classes, true, "Host classes");

  std::set<std::string> verdicts;
  for (const ScanFigures& s : scans) {
    for (const auto& [name, count] : s.domains.by_verdict) verdicts.insert(name);
  }
  if (!verdicts.empty()) {
    std::vector<svg::Series> series;
    for (const std::string& name : verdicts) {
      svg::Series line{name, CategoryClass(name), {}};
      for (const ScanFigures& s : scans)
        line.values.push_back(Percent(Get(s.domains.by_verdict, name), s.domains.total));
      series.push_back(std::move(line));
    }
    out += "<h3>Domain verdicts, % of domains</h3>" +
           svg::LineChart(x, labels, series, true, "Domain verdicts");
  }

  bool any_domains = false, any_tls = false;
  for (const ScanFigures& s : scans) {
    any_domains = any_domains || s.domains.total > 0;
    any_tls = any_tls || s.tls.tried > 0;
  }
  std::vector<svg::Series> hosts_clear, domains_clear;
  color = 1;
  for (Client client : kTrendClients) {
    const size_t c = static_cast<size_t>(client);
    const std::string name(ClientRules()[c].name);
    const std::string css = "c-s" + std::to_string(color++);
    svg::Series hosts{name, css, {}}, domains{name, css, {}};
    for (const ScanFigures& s : scans) {
      hosts.values.push_back(Percent(s.clients[c].clear, s.clients[c].hosts_with_views));
      domains.values.push_back(Percent(s.clients[c].domains_clear, s.clients[c].domains_judged));
    }
    hosts_clear.push_back(std::move(hosts));
    domains_clear.push_back(std::move(domains));
  }
  out += "<h3>Hosts in clear text per client, %</h3>" +
         svg::LineChart(x, labels, hosts_clear, true, "Hosts in clear text per client");
  if (any_domains) {
    out += "<h3>Domains losing TLS per client, % of domains judged</h3>" +
           svg::LineChart(x, labels, domains_clear, true, "Domains losing TLS per client");
  }
  if (any_tls) {
    std::vector<svg::Series> tls = {{"TLS 1.3", "c-s1", {}}, {"trusted", "c-s3", {}}};
    for (const ScanFigures& s : scans) {
      tls[0].values.push_back(Percent(Get(s.tls.by_version, "TLSv1.3"), s.tls.tried));
      tls[1].values.push_back(Percent(s.tls.trusted, s.tls.validated));
    }
    out += "<h3>TLS: TLS 1.3 of handshakes tried, trusted of validated, %</h3>" +
           svg::LineChart(x, labels, tls, true, "TLS");
  }

  // Every figure per scan, as numbers.
  out += "<h3>Figures per scan</h3><table><thead><tr><th>figure</th>";
  for (const std::string& label : labels) out += "<th class=\"n\">" + Escape(label) + "</th>";
  out += "</tr></thead><tbody>";
  auto row = [&](const std::string& name, const std::string& relative, auto value_of) {
    out += "<tr><th>" + Escape(name) + "</th>";
    for (size_t i = 0; i < scans.size(); ++i)
      out += Count("td", ScanPointer(i) + relative, value_of(scans[i]));
    out += "</tr>";
  };
  row("hosts", "/hosts/total", [](const ScanFigures& s) { return s.hosts.total; });
  for (const char* name : {"compliant", "starttls_misordered", "no_starttls"}) {
    row(std::string("hosts ") + name, Pointer({"hosts", "by_class", name}),
        [&](const ScanFigures& s) { return Get(s.hosts.by_class, name); });
  }
  if (any_domains)
    row("domains", "/domains/total", [](const ScanFigures& s) { return s.domains.total; });
  for (const std::string& name : verdicts) {
    row("domains " + name, Pointer({"domains", "by_verdict", name}),
        [&](const ScanFigures& s) { return Get(s.domains.by_verdict, name); });
  }
  for (Client client : kTrendClients) {
    const size_t c = static_cast<size_t>(client);
    const std::string name(ClientRules()[c].name);
    row(name + ": hosts clear", Pointer({"clients", name, "clear"}),
        [&](const ScanFigures& s) { return s.clients[c].clear; });
    if (any_domains) {
      row(name + ": domains clear", Pointer({"clients", name, "domains_clear"}),
          [&](const ScanFigures& s) { return s.clients[c].domains_clear; });
    }
  }
  row("TLS tried", "/tls/tried", [](const ScanFigures& s) { return s.tls.tried; });
  row("TLS trusted", "/tls/trusted", [](const ScanFigures& s) { return s.tls.trusted; });
  row("misordered hosts", "/misordered/hosts",
      [](const ScanFigures& s) { return s.misordered.hosts; });
  row("targets", "/scan/targets", [](const ScanFigures& s) { return s.targets; });
  out += "<tr><th>duration</th>";
  for (size_t i = 0; i < scans.size(); ++i) {
    out += Measure("td", ScanPointer(i) + "/scan/duration_s", scans[i].duration_s, 1, "s");
  }
  out += "</tr><tr><th>rate</th>";
  for (size_t i = 0; i < scans.size(); ++i) {
    out += Measure("td", ScanPointer(i) + "/scan/rate_per_s", scans[i].rate_per_s, 1, "/s");
  }
  out += "</tr></tbody></table>";
  return out;
}

namespace {

std::string Matrix(const Transitions& transitions, const std::string& base) {
  if (transitions.empty()) return "<p class=\"none\">none</p>";
  std::set<std::string> columns;
  for (const auto& [from, row] : transitions) {
    for (const auto& [to, count] : row) columns.insert(to);
  }
  std::string out = "<table><thead><tr><th>old \\ new</th>";
  for (const std::string& column : columns) out += "<th class=\"n\">" + Escape(column) + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& [from, row] : transitions) {
    out += "<tr><th>" + Escape(from) + "</th>";
    for (const std::string& column : columns) {
      auto it = row.find(column);
      if (it == row.end()) {
        out += "<td class=\"n\">0</td>";
      } else {
        out += Count("td", PointerJoin(PointerJoin(base, from), column), it->second);
      }
    }
    out += "</tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace

std::string TransitionSection(const DiffSummary& diff) {
  std::string out = "<h2 id=\"transitions\">What changed</h2><p class=\"sub\">" +
                    Escape(diff.old_label) + " &rarr; " + Escape(diff.new_label) + ": " +
                    Count("span", "/diff/hosts/changed", diff.host_changes) + " hosts and " +
                    Count("span", "/diff/domains/changed", diff.domain_changes) +
                    " domains changed (<code>starttls-scan diff</code> lists them).</p>";
  out += "<table><tbody>";
  for (const auto& [what, count] : diff.changes_by_what) {
    out += "<tr><th>" + Escape(what) + "</th>" +
           Count("td", Pointer({"diff", "changes_by_what", what}), count) + "</tr>";
  }
  out += "</tbody></table>";
  out += "<h3>Host class</h3><div class=\"wide\">" +
         Matrix(diff.host_class, "/diff/transitions/class") +
         "</div><h3>Domain verdict</h3><div class=\"wide\">" +
         Matrix(diff.domain_verdict, "/diff/transitions/verdict") + "</div>";
  return out;
}

}  // namespace starttls::report_html
