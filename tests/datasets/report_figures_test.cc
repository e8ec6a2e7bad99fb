// `report` figures on a small scan whose every number is worked out by hand below (the
// definitions of scanner/datasets/scan_accumulator.h), read through the real reader from a
// file; the JSON rendering holds them at the documented pointers, and every number the HTML
// page names by data-key equals the JSON's.
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "scanner/datasets/report_html.h"
#include "scanner/datasets/report_json.h"
#include "scanner/datasets/scan_accumulator.h"

namespace starttls {
namespace {

std::string Clients(bool postfix, bool curl, bool zgrab2) {
  std::string out = "{";
  for (const std::string& name : ClientNames()) {
    bool sees = name == "curl"                                   ? curl
                : name == "zgrab2" || name == "openssl_s_client" ? zgrab2
                                                                 : postfix;
    out += (out.size() > 1 ? "," : "") + ("\"" + name + "\":") + (sees ? "true" : "false");
  }
  return out + "}";
}

std::string Scan() {
  const std::string tls_ok =
      R"("tls":{"outcome":"ok","version":"TLSv1.3","cipher":"TLS_AES_128_GCM_SHA256","group":"X25519",)"
      R"("chain":[{"sha256":"aa","not_after":"2026-03-11T00:00:00.000Z"}],)"
      R"("validation":{"trusted":true,"hostname_match":true,"expired":false,"self_signed":false}})";
  const std::string tls_self =
      R"("tls":{"outcome":"ok","version":"TLSv1.2","cipher":"ECDHE-RSA-AES128-GCM-SHA256","group":"P-256",)"
      R"("chain":[{"not_after":"2025-12-31T00:00:00.000Z"}],)"
      R"("validation":{"trusted":false,"hostname_match":false,"expired":true,"self_signed":true}})";
  std::string s;
  // H1: compliant, everyone sees STARTTLS.
  s +=
      R"({"type":"host","schema":1,"ip":"192.0.2.1","port":25,"names":["mx1.a.example"],"status":"success",)"
      R"("class":"compliant","anomalies":[],"clients":)" +
      Clients(true, true, true) + "," + tls_ok +
      R"(,"timing_ms":{"connect":3,"banner":10,"total":40},"timestamp":"2026-03-01T10:00:00.000Z"})"
      "\n";
  // H2: misordered: Postfix-like clients clear, curl and zgrab2 see it (clear despite an offer).
  s +=
      R"({"type":"host","schema":1,"ip":"192.0.2.2","port":25,"names":["mx.b.example","mx2.b.example"],)"
      R"("status":"success","class":"starttls_misordered","anomalies":["starttls_in_greeting"],"clients":)" +
      Clients(false, true, true) +
      R"(,"banner":{"raw":"220 Mail.B.example ESMTP\r\n","code":220},)" + tls_self +
      R"(,"timing_ms":{"connect":300,"banner":2500},"timestamp":"2026-03-01T10:00:05.000Z"})"
      "\n";
  // H3: EHLO refused, HELO accepted: a class, no client views.
  s +=
      R"({"type":"host","schema":1,"ip":"192.0.2.3","port":25,"status":"success","class":"no_starttls",)"
      R"("anomalies":["ehlo_rejected"],"extra_field":{"ignored":[1,2,3]}})"
      "\n";
  // H4: unreachable.
  s +=
      R"({"type":"host","schema":1,"ip":"192.0.2.4","port":25,"status":"connection-timeout","class":null,)"
      R"("anomalies":[],"timestamp":"2026-03-01T09:59:00.000Z"})"
      "\n";
  // A re-judged ZGrab2 line counts as a host.
  s +=
      R"({"type":"classify","schema":1,"line":1,"ip":"198.51.100.7","status":"success","class":"compliant",)"
      R"("anomalies":[],"clients":)" +
      Clients(true, true, true) + "}\n";
  // D1: reaches H1.
  s +=
      R"({"type":"domain","schema":1,"domain":"a.example","mx_kind":"mx","dns":"NOERROR",)"
      R"("exchanges":[{"name":"mx1.a.example","preference":10,"addresses":["192.0.2.1"]}],)"
      R"("endpoints":[{"ip":"192.0.2.1","port":25,"status":"success","class":"compliant"}],"verdict":"compliant"})"
      "\n";
  // D2: H2 by preference (H1 is the backup); DANE defers: the policy headline.
  s +=
      R"({"type":"domain","schema":1,"domain":"b.example","mx_kind":"mx","dns":"NOERROR",)"
      R"("exchanges":[{"name":"backup.b.example","preference":20,"addresses":["192.0.2.1"]},)"
      R"({"name":"mx.b.example","preference":10,"addresses":["192.0.2.2"]}],)"
      R"("endpoints":[{"ip":"192.0.2.1","port":25,"status":"success","class":"compliant"},)"
      R"({"ip":"192.0.2.2","port":25,"status":"success","class":"starttls_misordered"}],)"
      R"("verdict":"starttls_misordered","dane":{"state":"usable"},"delivery":{"dane":"defer","mta_sts":"not_applicable"}})"
      "\n";
  // D3: the first exchange is unreachable (class null), so H3 (HELO only): clear for everyone.
  s +=
      R"({"type":"domain","schema":1,"domain":"c.example","mx_kind":"mx","dns":"NOERROR",)"
      R"("exchanges":[{"name":"dead.c.example","preference":5,"addresses":["192.0.2.4"]},)"
      R"({"name":"helo.c.example","preference":10,"addresses":["192.0.2.3"]}],)"
      R"("endpoints":[{"ip":"192.0.2.4","port":25,"status":"connection-timeout","class":null},)"
      R"({"ip":"192.0.2.3","port":25,"status":"success","class":"no_starttls"}],"verdict":"no_starttls"})"
      "\n";
  // D4: nothing reached: not judged.
  s +=
      R"({"type":"domain","schema":1,"domain":"d.example","mx_kind":"mx","dns":"NOERROR",)"
      R"("exchanges":[{"name":"dead.c.example","preference":5,"addresses":["192.0.2.4"]}],)"
      R"("endpoints":[{"ip":"192.0.2.4","port":25,"status":"connection-timeout","class":null}],"verdict":"unreachable"})"
      "\n";
  // D5: reached an endpoint this file has no host record for (another shard).
  s +=
      R"({"type":"domain","schema":1,"domain":"e.example","mx_kind":"implicit","dns":"NOERROR",)"
      R"("exchanges":[{"name":"e.example","preference":0,"addresses":["198.51.100.9"]}],)"
      R"("endpoints":[{"ip":"198.51.100.9","port":25,"status":"success","class":"compliant"}],"verdict":"compliant"})"
      "\n";
  s +=
      R"({"type":"domain","schema":1,"domain":"f.example","dns":"NXDOMAIN","mx_kind":"none","exchanges":[],"endpoints":[],"verdict":"dns_error"})"
      "\n";
  s += R"({"type":"error","schema":1,"line":9,"input":"bogus line","error":"line 9: not a target"})"
       "\n";
  s += "this line is not JSON\n";
  return s;
}

class ReportFigures : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/report_figures_" + std::to_string(getpid()) + ".ndjson";
    std::ofstream(path_) << Scan();
    ASSERT_TRUE(ReadScan({path_}, "test", &figures_).ok());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
  ScanFigures figures_;
};

TEST_F(ReportFigures, HandCountedFigures) {
  const ScanFigures& f = figures_;
  EXPECT_EQ(f.hosts.total, 5u);
  EXPECT_EQ(f.hosts.by_status, (Counts{{"success", 4}, {"connection-timeout", 1}}));
  EXPECT_EQ(f.hosts.by_class,
            (Counts{{"compliant", 2}, {"starttls_misordered", 1}, {"no_starttls", 1}}));
  EXPECT_EQ(f.hosts.without_class, 1u);
  EXPECT_EQ(f.hosts.by_anomaly, (Counts{{"starttls_in_greeting", 1}, {"ehlo_rejected", 1}}));
  EXPECT_EQ(f.domains.total, 6u);
  EXPECT_EQ(f.domains.by_verdict, (Counts{{"compliant", 2},
                                          {"starttls_misordered", 1},
                                          {"no_starttls", 1},
                                          {"unreachable", 1},
                                          {"dns_error", 1}}));
  EXPECT_EQ(f.domains.first_reached_unknown, 1u);  // e.example
  EXPECT_EQ(f.records_by_type, (Counts{{"host", 4}, {"classify", 1}, {"domain", 6}, {"error", 1}}));
  EXPECT_EQ(f.input_errors, 1u);
  EXPECT_EQ(f.bad_lines, 1u);

  const ClientFigures& postfix = f.clients[static_cast<size_t>(Client::kPostfix)];
  EXPECT_EQ(postfix.hosts_with_views, 3u);     // H1, H2, the classify record (H3 has none)
  EXPECT_EQ(postfix.clear, 1u);                // H2
  EXPECT_EQ(postfix.clear_despite_offer, 1u);  // H2's raw reply holds STARTTLS
  EXPECT_EQ(postfix.domains_judged, 3u);       // a (H1), b (H2), c (H3)
  EXPECT_EQ(postfix.domains_clear, 2u);        // b, c
  const ClientFigures& curl = f.clients[static_cast<size_t>(Client::kCurl)];
  EXPECT_EQ(curl.clear, 0u);
  EXPECT_EQ(curl.domains_judged, 3u);
  EXPECT_EQ(curl.domains_clear, 1u);  // c only: HELO, nobody can start TLS

  EXPECT_EQ(f.tls.tried, 2u);
  EXPECT_EQ(f.tls.by_version, (Counts{{"TLSv1.3", 1}, {"TLSv1.2", 1}}));
  EXPECT_EQ(f.tls.trusted, 1u);
  EXPECT_EQ(f.tls.untrusted, 1u);
  EXPECT_EQ(f.tls.expired, 1u);
  EXPECT_EQ(f.tls.self_signed, 1u);
  EXPECT_EQ(f.tls.name_mismatch, 1u);
  // H1's leaf ends 10 days after its session; H2's before its session.
  EXPECT_EQ(f.tls.leaf_expiry, (Counts{{"<30d", 1}, {"expired", 1}}));

  EXPECT_EQ(f.misordered.hosts, 1u);
  ASSERT_EQ(f.misordered.by_mx_name.size(), 2u);
  ASSERT_EQ(f.misordered.by_mx_domain.size(), 1u);
  EXPECT_EQ(f.misordered.by_mx_domain[0].name, "b.example");
  EXPECT_EQ(f.misordered.by_mx_domain[0].count, 1u);  // once per host, though two names
  ASSERT_EQ(f.misordered.by_banner_domain.size(), 1u);
  EXPECT_EQ(f.misordered.by_banner_domain[0].name, "mail.b.example");

  EXPECT_EQ(f.connect_ms.count, 2u);
  EXPECT_EQ(f.connect_ms.buckets[2], 1u);  // 3 ms: (2, 5]
  EXPECT_EQ(f.connect_ms.buckets[8], 1u);  // 300 ms: (200, 500]
  EXPECT_DOUBLE_EQ(f.connect_ms.sum_ms, 303.0);
  EXPECT_EQ(f.banner_ms.buckets[11], 1u);  // 2500 ms: (2000, 5000]

  EXPECT_EQ(f.policy.domains_with_policy, 1u);
  EXPECT_EQ(f.policy.defer_misordered, 1u);
  EXPECT_EQ(f.policy.defer_misordered_dane, 1u);
  EXPECT_EQ(f.policy.dane_state, (Counts{{"usable", 1}}));

  // No metadata file: times from the records (09:59:00 .. 10:00:05).
  EXPECT_TRUE(f.metadata_file.empty());
  EXPECT_EQ(f.start, "2026-03-01T09:59:00.000Z");
  EXPECT_EQ(f.end, "2026-03-01T10:00:05.000Z");
  EXPECT_DOUBLE_EQ(f.duration_s, 65.0);
  EXPECT_EQ(f.targets, 12u);  // host, classify, domain and error records
}

// x.json beside x.ndjson is used only when it is a metadata file (not, say, a report's JSON).
TEST_F(ReportFigures, OnlyAMetadataFileBesideTheScanIsUsed) {
  const std::string base = ::testing::TempDir() + "/beside_" + std::to_string(getpid());
  std::ofstream(base + ".ndjson") << Scan();
  std::ofstream(base + ".json") << RenderReportJson({figures_}, std::nullopt);
  ScanFigures with_report;
  ASSERT_TRUE(ReadScan({base + ".ndjson"}, "test", &with_report).ok());
  EXPECT_TRUE(with_report.metadata_file.empty());
  EXPECT_EQ(with_report.start, "2026-03-01T09:59:00.000Z");
  std::ofstream(base + ".json")
      << R"({"type":"metadata","schema":1,"version":"0.1.0","flags":{},"seed":"7",)"
         R"("shards":1,"shard":0,"start":"2026-03-01T09:00:00.000Z","end":"2026-03-01T11:00:00.000Z",)"
         R"("counts":{"by_status":{},"by_class":{},"by_anomaly":{},"targets":{"total":20,"done":20,"not_started":0}}})";
  ScanFigures with_metadata;
  ASSERT_TRUE(ReadScan({base + ".ndjson"}, "test", &with_metadata).ok());
  EXPECT_EQ(with_metadata.metadata_file, base + ".json");
  EXPECT_EQ(with_metadata.start, "2026-03-01T09:00:00.000Z");
  EXPECT_DOUBLE_EQ(with_metadata.duration_s, 7200.0);
  EXPECT_EQ(with_metadata.targets, 20u);
  EXPECT_EQ(with_metadata.seed, "7");
  std::remove((base + ".ndjson").c_str());
  std::remove((base + ".json").c_str());
}

// The attribute text as the browser reads it.
std::string Unescape(std::string text) {
  for (const auto& [entity, c] : {std::pair<std::string, std::string>{"&lt;", "<"},
                                  {"&gt;", ">"},
                                  {"&quot;", "\""},
                                  {"&#39;", "'"},
                                  {"&amp;", "&"}}) {
    for (size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, entity.size(), c);
    }
  }
  return text;
}

// Resolves an RFC 6901 pointer in a DOM document.
simdjson::dom::element At(simdjson::dom::element root, const std::string& pointer) {
  simdjson::dom::element found;
  EXPECT_EQ(root.at_pointer(pointer).get(found), simdjson::SUCCESS) << pointer;
  return found;
}

TEST_F(ReportFigures, JsonHoldsTheFiguresAndThePageNamesThemRight) {
  const std::string json = RenderReportJson({figures_}, std::nullopt);
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  EXPECT_EQ(uint64_t(At(root, "/hosts/total")), 5u);
  EXPECT_EQ(uint64_t(At(root, "/hosts/by_status/success")), 4u);
  EXPECT_EQ(uint64_t(At(root, "/hosts/by_class/starttls_misordered")), 1u);
  EXPECT_EQ(uint64_t(At(root, "/hosts/by_anomaly/ehlo_rejected")), 1u);
  EXPECT_EQ(uint64_t(At(root, "/domains/total")), 6u);
  EXPECT_EQ(uint64_t(At(root, "/domains/by_verdict/unreachable")), 1u);
  EXPECT_EQ(uint64_t(At(root, "/clients/postfix/clear")), 1u);
  EXPECT_EQ(uint64_t(At(root, "/clients/postfix/domains_clear")), 2u);
  EXPECT_EQ(uint64_t(At(root, "/clients/curl/domains_clear")), 1u);
  EXPECT_EQ(uint64_t(At(root, "/tls/by_version/TLSv1.3")), 1u);
  EXPECT_EQ(uint64_t(At(root, "/policy/defer_misordered")), 1u);

  // Every data-key of the page resolves to the same value in the JSON.
  const std::string page = RenderReportHtml({figures_}, std::nullopt);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("http:"), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);
  EXPECT_EQ(page.find(" src="), std::string::npos);
  size_t checked = 0;
  for (size_t at = page.find("data-key=\""); at != std::string::npos;
       at = page.find("data-key=\"", at + 1)) {
    const size_t key_start = at + 10, key_end = page.find('"', key_start);
    const std::string pointer = Unescape(page.substr(key_start, key_end - key_start));
    const size_t value_start = page.find("data-value=\"", key_end) + 12;
    const std::string value = page.substr(value_start, page.find('"', value_start) - value_start);
    simdjson::dom::element element = At(root, pointer);
    if (element.is_double()) {
      EXPECT_EQ(std::stod(value), double(element)) << pointer;
    } else {
      EXPECT_EQ(value, std::to_string(uint64_t(element))) << pointer;
    }
    ++checked;
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace starttls
