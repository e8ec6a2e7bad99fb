// Each case below is one docs/rules.md §8 situation; its truth is derived from §8's text and
// the host truth of its MX (truth_table.h), never from the scanner. bench/README.md
// ("Domain policy") lists them with the reasons.
#include "bench/lab/policy_cases.h"

#include <algorithm>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/domain_truth.h"
#include "bench/lab/json_text.h"
#include "bench/lab/policy_domains.h"
#include "bench/lab/truth_table.h"

namespace starttls::lab {
namespace {

constexpr std::string_view kStsId = "20240601T000000";
constexpr int kMaxAge = 86400;
constexpr std::string_view kRptGood =
    "v=TLSRPTv1; rua=mailto:tlsrpt@lab.test,https://reports.lab.test/v1/tlsrpt";

std::string Fqdn(std::string_view label) {
  return std::string(label) + "." + std::string(kZoneOrigin);
}

// The MTA-STS policy text (RFC 8461 §3.2).
std::string PolicyText(const std::string& mode, const std::vector<std::string>& patterns,
                       bool crlf) {
  std::string eol = crlf ? "\r\n" : "\n";
  std::string t = "version: STSv1" + eol + "mode: " + mode + eol;
  for (const std::string& p : patterns) t += "mx: " + p + eol;
  return t + "max_age: " + std::to_string(kMaxAge) + eol;
}

// RFC 8461 §4.1: an exact name, or "*." standing for exactly one leftmost label.
bool Covered(std::string_view mx, std::string_view pattern) {
  if (pattern.substr(0, 2) == "*.") {
    size_t dot = mx.find('.');
    return dot != std::string_view::npos && dot > 0 && mx.substr(dot + 1) == pattern.substr(2);
  }
  return mx == pattern;
}

// docs/rules.md §8 `valid`: Postfix sees STARTTLS, the handshake succeeds, the chain is
// trusted, the name matches, nothing expired.
bool StsValid(std::string_view behaviour) {
  const HostTruth* t = behaviour.empty() ? nullptr : TruthFor(behaviour);
  return t && t->status == "success" && t->cls == "compliant" && t->tls.outcome == "ok" &&
         t->tls.chain_valid && t->tls.hostname_match && !t->tls.expired;
}

// Postfix sees STARTTLS and completes the handshake (without judging the certificate).
bool TlsWithPostfix(std::string_view behaviour) {
  const HostTruth* t = behaviour.empty() ? nullptr : TruthFor(behaviour);
  return t && t->status == "success" && t->cls == "compliant" && t->tls.outcome == "ok";
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

std::string PolicyCaseBuilder::Host(const std::string& role) const {
  return MxName(roles_.at(role));
}

PolicyCaseBuilder::Mx PolicyCaseBuilder::MxOf(int preference, const std::string& role) const {
  return Mx{preference, Host(role), roles_.at(role)};
}

std::string_view PolicyCaseBuilder::BehaviourOf(const Mx& m) const {
  return m.addr ? AllBehaviours()[pop_.BehaviourFor(*m.addr)].id : std::string_view();
}

void PolicyCaseBuilder::AddMxRecords(const Row& row, std::string& zone,
                                     std::string_view origin) const {
  std::string label = row.domain.substr(0, row.domain.size() - origin.size() - 1);
  for (const Mx& m : row.mx)
    zone += label + " IN MX " + std::to_string(m.preference) + " " + m.name + ".\n";
}

void PolicyCaseBuilder::AddTlsa(const std::string& mx, const Tlsa& t, std::string& zone,
                                std::string_view origin) {
  std::string key = mx + " " + TlsaJson(t);
  if (tlsa_written_[key]) return;  // one record per host, however many domains use it
  tlsa_written_[key] = true;
  zone += "_25._tcp." + mx.substr(0, mx.size() - origin.size() - 1) + " IN TLSA " +
          std::to_string(t.usage) + " " + std::to_string(t.selector) + " " +
          std::to_string(t.matching_type) + " " + t.data + "\n";
}

std::string PolicyCaseBuilder::TlsaJson(const Tlsa& t) {
  return "{\"usage\":" + std::to_string(t.usage) + ",\"selector\":" + std::to_string(t.selector) +
         ",\"matching_type\":" + std::to_string(t.matching_type) +
         ",\"data\":" + JsonString(t.data) + "}";
}

void PolicyCaseBuilder::Emit(Row row) {
  std::string exchanges;
  int weakest = kUnreachableRank;
  std::vector<std::string_view> behaviours;
  for (const Mx& m : row.mx) {
    if (!exchanges.empty()) exchanges += ',';
    std::string_view b = BehaviourOf(m);
    behaviours.push_back(b);
    weakest =
        std::min(weakest, AppendExchangeJson(exchanges, m.name, m.preference,
                                             m.addr ? Ipv4ToString(*m.addr) : "", opt_.port, b));
  }
  std::string dane_delivery = "not_applicable";
  if (row.dane_state == "usable" || row.dane_state == "bogus") {
    dane_delivery = "defer";
    for (size_t i = 0; i < row.mx.size(); ++i)
      if (i < row.dane_match.size() && row.dane_match[i] && TlsWithPostfix(behaviours[i]))
        dane_delivery = "tls";
  }
  std::string sts_delivery = "not_applicable";
  if (!row.sts_mode.empty()) {
    sts_delivery = row.sts_mode == "enforce" ? "defer" : "report_only";
    for (size_t i = 0; i < row.mx.size(); ++i)
      if (i < row.sts_covered.size() && row.sts_covered[i] && StsValid(behaviours[i]))
        sts_delivery = "tls";
  }
  std::string j = "{\"domain\":" + JsonString(row.domain) + ",\"kind\":" + JsonString(row.kind) +
                  ",\"dns\":\"NOERROR\",\"mx_kind\":\"mx\",\"exchanges\":[" + exchanges +
                  "],\"verdict\":" + JsonString(VerdictOfRank(weakest)) +
                  ",\"dane\":{\"state\":" + JsonString(row.dane_state) +
                  ",\"dnssec\":" + JsonString(row.dnssec);
  if (!row.dane_hosts.empty()) j += ",\"hosts\":[" + row.dane_hosts + "]";
  j += "},\"mta_sts\":" + row.sts_json + ",\"tls_rpt\":" + row.rpt_json +
       ",\"delivery\":{\"opportunistic\":" + JsonString(OpportunisticDelivery(behaviours)) +
       ",\"dane\":" + JsonString(dane_delivery) + ",\"mta_sts\":" + JsonString(sts_delivery) +
       "},\"note\":" + JsonString(row.note) + "}\n";
  truth_ += j;
}

void PolicyCaseBuilder::Build() {
  insecure_zone_ =
      "; smtp-lab: an unsigned zone, delegated without DS from lab.test\n"
      "$ORIGIN " +
      std::string(kInsecureZone) +
      ".\n$TTL 300\n"
      "@ IN SOA ns." +
      std::string(kInsecureZone) +
      ". hostmaster.lab.test. 1 3600 600 86400 300\n"
      "@ IN NS ns." +
      std::string(kInsecureZone) +
      ".\n"
      "ns IN A " +
      opt_.dns_address + "\n";
  zone_ =
      "; domain policy (docs/rules.md §8); insecure.lab.test is delegated without DS\n"
      "insecure IN NS ns.insecure.lab.test.\n"
      "ns.insecure IN A " +
      opt_.dns_address + "\n";
  DaneCases();
  StsCases();
}

void PolicyCaseBuilder::DaneCases() {
  const Tlsa ee{3, 1, 1, keys_.ee_spki_sha256};
  struct Case {
    std::string label, role, state;
    Tlsa tlsa;
    bool match;
    std::string note;
  };
  const Case cases[] = {
      {"dane-ee", "ee", "usable", ee, true,
       "TLSA 3 1 1 of the lab's ECDSA leaf key: DANE-EE matches (no name or expiry check)"},
      {"dane-ee-stale", "stale", "usable", Tlsa{3, 1, 1, keys_.stale_spki_sha256}, false,
       "TLSA 3 1 1 of a key the host no longer serves (after a key roll): no match, the sender "
       "defers"},
      {"dane-ta", "ta", "usable", Tlsa{2, 0, 1, keys_.ca_cert_sha256}, true,
       "TLSA 2 0 1 of the lab CA certificate, which the host sends after its leaf; the leaf "
       "names the MX: DANE-TA matches"},
      {"dane-misordered", "dane_misordered", "usable", ee, true,
       "a matching DANE-EE record on a misordered host: the probe's handshake matches, but "
       "Postfix sees no STARTTLS, so a DANE sender defers the mail"},
      {"dane-usage1", "usage1", "unusable", Tlsa{1, 1, 1, keys_.ee_spki_sha256}, false,
       "only PKIX-EE(1), which RFC 7672 §3.1.3 makes unusable for SMTP: unusable, DANE does not "
       "apply"},
  };
  for (const Case& c : cases) {
    Row r;
    r.domain = Fqdn(c.label);
    r.kind = c.label;
    r.mx = {MxOf(10, c.role)};
    r.dane_state = c.state;
    AddTlsa(r.mx[0].name, c.tlsa, zone_, kZoneOrigin);
    r.dane_hosts = "{\"mx\":" + JsonString(r.mx[0].name) + ",\"tlsa\":[" + TlsaJson(c.tlsa) +
                   "],\"secure\":true,\"match\":" + (c.match ? "true" : "false") + "}";
    r.dane_match = {c.match};
    r.note = c.note;
    AddMxRecords(r, zone_, kZoneOrigin);
    Emit(std::move(r));
  }
  {  // DANE-EE mismatch at the first MX, match at the second: the sender goes on to the second.
    Row r;
    r.domain = Fqdn("dane-fallback");
    r.kind = "dane-fallback";
    r.mx = {MxOf(10, "stale"), MxOf(20, "ee")};
    r.dane_state = "usable";
    r.dane_hosts = "{\"mx\":" + JsonString(r.mx[0].name) + ",\"tlsa\":[" +
                   TlsaJson(Tlsa{3, 1, 1, keys_.stale_spki_sha256}) +
                   "],\"secure\":true,\"match\":false},"
                   "{\"mx\":" +
                   JsonString(r.mx[1].name) + ",\"tlsa\":[" + TlsaJson(ee) +
                   "],\"secure\":true,\"match\":true}";
    r.dane_match = {false, true};
    r.note =
        "the first MX's TLSA is stale, the second's matches: a DANE sender delivers to the second";
    AddMxRecords(r, zone_, kZoneOrigin);
    Emit(std::move(r));
  }
  {  // A bogus TLSA RRset: sign-zone.sh breaks its signature.
    Row r;
    r.domain = Fqdn("dane-bogus");
    r.kind = "dane-bogus";
    r.mx = {MxOf(10, "bogus")};
    r.dane_state = "bogus";
    AddTlsa(r.mx[0].name, ee, zone_, kZoneOrigin);
    bogus_ += "_25._tcp." + r.mx[0].name + ". TLSA\n";
    r.dane_hosts = "{\"mx\":" + JsonString(r.mx[0].name) + ",\"secure\":false}";
    r.dane_match = {false};
    r.note =
        "the TLSA RRset's RRSIG is broken after signing: a validating resolver answers "
        "SERVFAIL, which counts as bogus (docs/rules.md §8); the sender defers";
    AddMxRecords(r, zone_, kZoneOrigin);
    Emit(std::move(r));
  }
  {  // TLSA in an unsigned zone, MX RRset secure.
    Row r;
    r.domain = Fqdn("dane-tlsa-unsigned");
    r.kind = "dane-tlsa-unsigned";
    std::string mx1 = "mx1." + std::string(kInsecureZone);
    r.mx = {Mx{10, mx1, roles_.at("insecure")}};
    insecure_zone_ += "mx1 IN A " + Ipv4ToString(roles_.at("insecure")) + "\n";
    Tlsa t = ee;
    AddTlsa(mx1, t, insecure_zone_, kInsecureZone);
    r.dane_hosts =
        "{\"mx\":" + JsonString(mx1) + ",\"tlsa\":[" + TlsaJson(t) + "],\"secure\":false}";
    r.note =
        "the MX is secure, but the MX host (and its matching TLSA) lives in the unsigned "
        "insecure.lab.test: an insecure TLSA is no TLSA (RFC 7672 §2.2). The lab host's "
        "certificate names " +
        Host("insecure") + ", not " + mx1 + ", so this host's record shows hostname_match false";
    AddMxRecords(r, zone_, kZoneOrigin);
    Emit(std::move(r));
  }
  {  // The domain itself in the unsigned zone: its MX RRset is insecure.
    Row r;
    r.domain = "dane-insecure." + std::string(kInsecureZone);
    r.kind = "dane-insecure";
    r.mx = {MxOf(10, "ee")};
    r.dnssec = "insecure";
    r.note =
        "the MX RRset is in the unsigned insecure.lab.test, so DANE does not apply even "
        "though the MX host has a secure matching TLSA (RFC 7672 §2.2)";
    AddMxRecords(r, insecure_zone_, kInsecureZone);
    Emit(std::move(r));
  }
  {
    Row r;
    r.domain = Fqdn("nopolicy");
    r.kind = "nopolicy";
    r.mx = {MxOf(10, "c1")};
    r.note = "no TLSA, no MTA-STS, no TLS-RPT; the zone is signed";
    AddMxRecords(r, zone_, kZoneOrigin);
    Emit(std::move(r));
  }
}

PolicyCaseBuilder::Row PolicyCaseBuilder::StsRow(const std::string& label, std::vector<Mx> mx,
                                                 const std::string& mode,
                                                 const std::vector<std::string>& patterns,
                                                 SiteMode site, const std::string& fetch,
                                                 bool no_site_address) {
  Row r;
  r.domain = Fqdn(label);
  r.kind = label;
  r.mx = std::move(mx);
  zone_ += "_mta-sts." + label + " IN TXT \"v=STSv1; id=" + std::string(kStsId) + ";\"\n";
  if (!no_site_address) zone_ += "mta-sts." + label + " IN A " + opt_.policy_address + "\n";
  PolicySite s;
  s.domain = r.domain;
  s.mode = site;
  s.body = PolicyText(mode, patterns, label == "sts-wildcard");
  if (site == SiteMode::kRedirect)
    s.location = "https://mta-sts." + Fqdn("sts-enforce") + "/.well-known/mta-sts.txt";
  sites_.push_back(std::move(s));
  if (fetch != "ok") {
    r.sts_json =
        "{\"state\":\"error\",\"id\":" + Quoted(kStsId) + ",\"fetch\":" + JsonString(fetch) + "}";
  } else {
    r.sts_mode = mode;
    std::string mxs, hosts;
    for (const std::string& p : patterns) mxs += (mxs.empty() ? "" : ",") + JsonString(p);
    for (const Mx& m : r.mx) {
      bool covered = false;
      for (const std::string& p : patterns) covered = covered || Covered(m.name, p);
      r.sts_covered.push_back(covered);
      hosts += std::string(hosts.empty() ? "" : ",") + "{\"mx\":" + JsonString(m.name) +
               ",\"covered\":" + (covered ? "true" : "false") +
               ",\"valid\":" + (StsValid(BehaviourOf(m)) ? "true" : "false") + "}";
    }
    r.sts_json = "{\"state\":\"ok\",\"id\":" + Quoted(kStsId) +
                 ",\"fetch\":\"ok\",\"mode\":" + JsonString(mode) +
                 ",\"max_age\":" + std::to_string(kMaxAge) + ",\"mx\":[" + mxs +
                 "],\"errors\":[],\"hosts\":[" + hosts + "]}";
  }
  return r;
}

void PolicyCaseBuilder::StsCases() {
  auto emit = [&](Row r, std::string note) {
    r.note = std::move(note);
    AddMxRecords(r, zone_, kZoneOrigin);
    Emit(std::move(r));
  };
  const std::string c1 = Host("c1"), c2 = Host("c2"), m1 = Host("m1"), m2 = Host("m2");
  {
    Row r = StsRow("sts-enforce", {MxOf(10, "c1"), MxOf(20, "c2")}, "enforce", {c1, c2},
                   SiteMode::kOk, "ok");
    zone_ += "_smtp._tls.sts-enforce IN TXT \"" + std::string(kRptGood) + "\"\n";
    r.rpt_json =
        "{\"state\":\"ok\",\"rua\":[\"mailto:tlsrpt@lab.test\",\"https://reports.lab.test/v1/"
        "tlsrpt\"]}";
    emit(std::move(r), "enforce, every MX valid; TLS-RPT with a mailto: and an https: URI");
  }
  emit(
      StsRow("sts-one-misordered", {MxOf(10, "m1"), MxOf(20, "c1")}, "enforce", {m1, c1},
             SiteMode::kOk, "ok"),
      "enforce; the first MX is misordered (not valid: Postfix sees no STARTTLS), the second "
      "valid: the sender falls to the second; an opportunistic sender sends in clear to the first");
  emit(StsRow("sts-all-misordered", {MxOf(10, "m1"), MxOf(20, "m2")}, "enforce", {m1, m2},
              SiteMode::kOk, "ok"),
       "enforce, every MX misordered: no valid MX, the sender defers");
  emit(StsRow("sts-testing", {MxOf(10, "m1")}, "testing", {m1}, SiteMode::kOk, "ok"),
       "testing, the only MX misordered: delivered anyway, the failure reported");
  emit(StsRow("sts-not-covered", {MxOf(10, "c1")}, "enforce", {"mail.elsewhere.test"},
              SiteMode::kOk, "ok"),
       "the policy's only pattern does not cover the MX: no covered valid MX, the sender defers");
  emit(StsRow("sts-wildcard", {MxOf(10, "c1")}, "enforce", {"*.lab.test"}, SiteMode::kOk, "ok"),
       "pattern *.lab.test covers the MX (one label); the policy lines end with CRLF");
  emit(StsRow("sts-wildcard-deep", {MxOf(10, "c1")}, "enforce", {"*.test"}, SiteMode::kOk, "ok"),
       "pattern *.test must not cover " + c1 + " (two labels before .test): the sender defers");
  if (roles_.count("expired"))
    emit(StsRow("sts-expired-mx", {MxOf(10, "expired")}, "enforce", {Host("expired")},
                SiteMode::kOk, "ok"),
         "enforce, the only MX serves an expired certificate: not valid, the sender defers");
  emit(StsRow("sts-chunked", {MxOf(10, "c1")}, "enforce", {c1}, SiteMode::kChunked, "ok"),
       "the policy comes with Transfer-Encoding: chunked (HTTP/1.1 allows it): a good policy");
  struct Failure {
    const char* label;
    SiteMode site;
    const char* fetch;
    const char* note;
  };
  const Failure failures[] = {
      {"sts-404", SiteMode::kNotFound, "http-status", "the policy server answers 404"},
      {"sts-redirect", SiteMode::kRedirect, "http-status",
       "301 to a good policy elsewhere: redirects are not followed (RFC 8461 §3.3)"},
      {"sts-bad-type", SiteMode::kBadContentType, "bad-content-type",
       "a good policy served as text/html"},
      {"sts-too-large", SiteMode::kTooLarge, "too-large", "a body over 64 KiB"},
      {"sts-cert-expired", SiteMode::kCertExpired, "tls-error",
       "the policy server's certificate has expired"},
      {"sts-cert-wrong-name", SiteMode::kCertWrongName, "tls-error",
       "the policy server's certificate names mail.wrong-name.test"},
      {"sts-slow", SiteMode::kSlow, "timeout",
       "the body drips one byte a second, past any deadline"},
  };
  for (const Failure& f : failures)
    emit(StsRow(f.label, {MxOf(10, "c1")}, "enforce", {c1}, f.site, f.fetch),
         std::string(f.note) + ": no usable policy, the sender acts as if there were none");
  {
    Row r =
        StsRow("sts-bad-policy", {MxOf(10, "c1")}, "enforce", {c1}, SiteMode::kOk, "bad-policy");
    sites_.back().body = "version: STSv1\nmode: strict\nmx: " + c1 + "\n";  // bad mode, no max_age
    emit(std::move(r), "the policy says mode: strict and has no max_age: bad-policy");
  }
  emit(StsRow("sts-no-site", {MxOf(10, "c1")}, "enforce", {c1}, SiteMode::kOk, "dns-error", true),
       "the TXT record exists, mta-sts.<domain> has no address: dns-error");
  {
    Row r = StsRow("sts-two-txt", {MxOf(10, "c1")}, "enforce", {c1}, SiteMode::kOk, "ok");
    zone_ += "_mta-sts.sts-two-txt IN TXT \"v=STSv1; id=20240602T000000;\"\n";
    r.sts_mode.clear();
    r.sts_covered.clear();
    r.sts_json = "{\"state\":\"error\"}";
    emit(std::move(r),
         "two TXT records start with v=STSv1: no policy (RFC 8461 §3.1), whatever the "
         "site (which serves a good policy) says; fetching it is not required");
  }
  {
    Row r;
    r.domain = Fqdn("tlsrpt-bad");
    r.kind = "tlsrpt-bad";
    r.mx = {MxOf(10, "c1")};
    zone_ += "_smtp._tls.tlsrpt-bad IN TXT \"v=TLSRPTv1;\"\n";
    r.rpt_json = "{\"state\":\"error\"}";
    emit(std::move(r), "a TLS-RPT record without rua (RFC 8460 §3 requires one): error");
  }
}

}  // namespace starttls::lab
