// synthetic-scan: writes a scan of N records shaped like starttls-scan's own (host records with
// banners, EHLO replies, client views, STARTTLS, TLS chains of two certificates and timings;
// domain records with exchanges, endpoints, verdicts and docs/rules.md §8 policy objects), for
// the dataset tools' benchmark (bench/datasets/datasets_bench.sh). Deterministic for a seed.
//
// About 30 % of the records are hosts, the rest domains spread over them (big providers
// share hosts); every host record comes before the first domain record that uses it, as in
// a real scan. --generation 2 makes "the next quarter's" scan of the same targets: a known
// share of hosts changes class, TLS version, trust or certificate, some targets disappear and
// new ones appear — the input for `diff`.
//
//   synthetic-scan --records 5800000 [--seed 1] [--generation 1|2] [--changed-permille 20]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "output/json_writer.h"
#include "output/rfc3339.h"

namespace {

using starttls::JsonWriter;

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Options {
  uint64_t records = 1000;
  uint64_t seed = 1;
  int generation = 1;
  uint64_t changed_permille = 20;
};

// Everything about host i that a record shows, as pure functions of (seed, i, generation).
struct Host {
  uint64_t index;
  uint64_t h;  // the host's hash
  bool changed;
  const char* status;
  const char* cls;  // nullptr: no class
  bool misordered, ehlo_rejected, tls, tls13, trusted;
  uint64_t cert;  // certificate identity
  int provider;
};

const char* const kClients[] = {
    "postfix",      "cisco_esa", "sendmail",  "python_smtplib",  "go_net_smtp",
    "jakarta_mail", "exim",      "opensmtpd", "swaks",           "curl",
    "msmtp",        "testssl",   "zgrab2",    "openssl_s_client"};

Host Profile(const Options& o, uint64_t i) {
  Host host{};
  host.index = i;
  host.h = Mix(o.seed * 1000003 + i);
  host.changed = o.generation > 1 && (Mix(host.h) % 1000) < o.changed_permille;
  uint64_t r = host.h % 10000;
  host.provider = static_cast<int>(Mix(host.h + 1) % 4000);
  if (r < 7800)
    host.status = "success";
  else if (r < 8600)
    host.status = "connection-timeout";
  else if (r < 9100)
    host.status = "connection-refused";
  else if (r < 9400)
    host.status = "banner-timeout";
  else if (r < 9600)
    host.status = "connection-reset";
  else if (r < 9800)
    host.status = "protocol-error";
  else if (r < 9900)
    host.status = "io-timeout";
  else if (r < 9950)
    host.status = "rejected";
  else
    host.status = "rate-limited";
  if (std::strcmp(host.status, "success") == 0) {
    uint64_t c = Mix(host.h + 2) % 1000;
    if (host.changed) c = (c + 500) % 1000;  // next quarter: a different lot
    host.misordered = c >= 800 && c < 825;
    host.ehlo_rejected = c >= 825 && c < 830;
    host.cls = c < 800 ? "compliant" : host.misordered ? "starttls_misordered" : "no_starttls";
  }
  host.tls = host.cls != nullptr && (std::strcmp(host.cls, "compliant") == 0 || host.misordered);
  uint64_t t = Mix(host.h + 3);
  host.tls13 = t % 100 < 85;
  host.trusted = (t >> 8) % 100 < 88;
  host.cert = Mix(host.h + 4) + (host.changed && (t >> 16) % 2 ? 1 : 0);
  if (host.changed && (t >> 20) % 3 == 0) host.tls13 = !host.tls13;
  return host;
}

std::string Ip(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "10.%u.%u.%u", static_cast<unsigned>((i >> 16) & 255),
                static_cast<unsigned>((i >> 8) & 255), static_cast<unsigned>(i & 255));
  // 10/8 holds 16.7M addresses: enough for any benchmark size.
  return buf;
}

std::string MxName(const Host& host) {
  return "mx" + std::to_string(host.index % 7) + "-" + std::to_string(host.index) + ".provider" +
         std::to_string(host.provider) + ".example";
}

std::string Hex(uint64_t a, int words) {
  std::string out;
  char buf[17];
  for (int i = 0; i < words; ++i) {
    std::snprintf(buf, sizeof(buf), "%016llx",
                  static_cast<unsigned long long>(Mix(a + static_cast<uint64_t>(i))));
    out += buf;
  }
  return out;
}

void Certificate(const Host& host, bool leaf, int64_t now_ms, JsonWriter* w) {
  const std::string name = MxName(host);
  w->BeginObject();
  w->RawBytesField("subject", leaf ? "CN=" + name
                                   : "CN=Example Issuing CA " + std::to_string(host.provider % 9) +
                                         ",O=Example Trust");
  w->RawBytesField("issuer", leaf ? "CN=Example Issuing CA " + std::to_string(host.provider % 9) +
                                        ",O=Example Trust"
                                  : "CN=Example Root,O=Example Trust");
  w->StringField("serial", Hex(host.cert + leaf, 1).substr(0, 16));
  std::string time;
  starttls::AppendRfc3339UnixMillis((now_ms / 1000 - 86400 * 30) * 1000, &time);
  w->StringField("not_before", time);
  time.clear();
  const int64_t days = static_cast<int64_t>(host.cert % 400) - 20;
  starttls::AppendRfc3339UnixMillis((now_ms / 1000 + 86400 * (leaf ? days : 3000)) * 1000, &time);
  w->StringField("not_after", time);
  w->Key("dns_names");
  w->BeginArray();
  if (leaf) {
    w->RawBytes(name);
    w->RawBytes("*.provider" + std::to_string(host.provider) + ".example");
  }
  w->EndArray();
  w->StringField("key_type", host.cert % 3 ? "ECDSA" : "RSA");
  w->IntField("key_bits", host.cert % 3 ? 256 : 2048);
  w->StringField("signature_algorithm", "ecdsa-with-SHA256");
  w->StringField("sha256", Hex(host.cert * 2 + (leaf ? 0 : 1), 4));
  w->EndObject();
}

void WriteEhlo(const Host& host, const std::string& name, bool over_tls, JsonWriter* w) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"PIPELINING", ""}, {"SIZE", "52428800"}, {"ETRN", ""},     {"ENHANCEDSTATUSCODES", ""},
      {"8BITMIME", ""},   {"DSN", ""},          {"SMTPUTF8", ""}, {"CHUNKING", ""}};
  std::string raw;
  if (host.misordered && !over_tls)
    raw = "250-STARTTLS\r\n250-" + name + "\r\n";
  else
    raw = "250-" + name + "\r\n";
  for (const auto& [keyword, params] : lines)
    raw += "250-" + keyword + (params.empty() ? "" : " " + params) + "\r\n";
  const bool offers = !over_tls && std::strcmp(host.cls, "compliant") == 0;
  raw += offers ? "250 STARTTLS\r\n" : "250 AUTH PLAIN LOGIN\r\n";
  w->RawBytesField("raw", raw);
  w->IntField("code", 250);
  w->RawBytesField("greeting", host.misordered && !over_tls ? "STARTTLS" : name);
  w->Key("keywords");
  w->BeginArray();
  if (host.misordered && !over_tls) {
    w->BeginObject();
    w->RawBytesField("keyword", name);
    w->RawBytesField("params", "");
    w->EndObject();
  }
  for (const auto& [keyword, params] : lines) {
    w->BeginObject();
    w->RawBytesField("keyword", keyword);
    w->RawBytesField("params", params);
    w->EndObject();
  }
  w->BeginObject();
  w->RawBytesField("keyword", offers ? "STARTTLS" : "AUTH");
  w->RawBytesField("params", offers ? "" : "PLAIN LOGIN");
  w->EndObject();
  w->EndArray();
}

void WriteHost(const Host& host, int64_t now_ms, std::string* out) {
  JsonWriter w(out);
  const std::string name = MxName(host);
  w.BeginObject();
  w.StringField("type", "host");
  w.IntField("schema", 1);
  w.StringField("ip", Ip(host.index));
  w.IntField("port", 25);
  w.Key("names");
  w.BeginArray();
  w.String(name);
  w.EndArray();
  w.StringField("status", host.status);
  w.IntField("attempts", 1);
  if (host.cls)
    w.StringField("class", host.cls);
  else
    w.NullField("class");
  w.Key("anomalies");
  w.BeginArray();
  if (host.ehlo_rejected) w.String("ehlo_rejected");
  if (host.misordered) w.String("starttls_in_greeting");
  w.EndArray();
  const double connect = 5.0 + static_cast<double>(Mix(host.h + 5) % 30000) / 100.0;
  const double banner = 10.0 + static_cast<double>(Mix(host.h + 6) % 200000) / 100.0;
  if (host.cls != nullptr && !host.ehlo_rejected) {
    w.Key("clients");
    w.BeginObject();
    for (size_t c = 0; c < 14; ++c) {
      const bool every_line = c >= 7;
      const bool sees = std::strcmp(host.cls, "compliant") == 0 || (host.misordered && every_line);
      w.BoolField(kClients[c], sees);
    }
    w.EndObject();
  }
  if (std::strcmp(host.status, "connection-timeout") != 0 &&
      std::strcmp(host.status, "connection-refused") != 0) {
    w.Key("banner");
    w.BeginObject();
    w.RawBytesField("raw",
                    "220 " + name + " ESMTP " + (host.h % 3 ? "Postfix" : "Exim 4.96") + "\r\n");
    w.IntField("code", 220);
    w.EndObject();
  }
  if (host.cls != nullptr) {
    w.Key("ehlo");
    w.BeginObject();
    if (host.ehlo_rejected) {
      w.RawBytesField("raw", "502 5.5.2 Error: command not recognized\r\n");
      w.IntField("code", 502);
    } else {
      WriteEhlo(host, name, false, &w);
    }
    w.EndObject();
    if (host.ehlo_rejected) {
      w.Key("helo");
      w.BeginObject();
      w.RawBytesField("raw", "250 " + name + "\r\n");
      w.IntField("code", 250);
      w.EndObject();
    }
    w.Key("starttls");
    w.BeginObject();
    w.BoolField("sent", host.tls);
    if (host.tls) {
      w.StringField("reason", host.misordered ? "probe" : "offered");
      w.IntField("code", 220);
      w.RawBytesField("text", "220 2.0.0 Ready to start TLS\r\n");
    }
    w.EndObject();
  }
  if (host.tls) {
    w.Key("tls");
    w.BeginObject();
    w.StringField("outcome", "ok");
    w.NullField("error");
    w.StringField("sni", name);
    w.StringField("version", host.tls13 ? "TLSv1.3" : "TLSv1.2");
    w.StringField("cipher", host.tls13 ? "TLS_AES_256_GCM_SHA384" : "ECDHE-RSA-AES256-GCM-SHA384");
    w.StringField("cipher_standard",
                  host.tls13 ? "TLS_AES_256_GCM_SHA384" : "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    w.StringField("group", host.h % 5 ? "X25519" : "P-256");
    w.Key("chain");
    w.BeginArray();
    Certificate(host, true, now_ms, &w);
    Certificate(host, false, now_ms, &w);
    w.EndArray();
    w.Key("validation");
    w.BeginObject();
    w.BoolField("trusted", host.trusted);
    w.BoolField("hostname_match", host.trusted || host.h % 2);
    w.BoolField("expired", host.cert % 400 < 20);
    w.BoolField("self_signed", !host.trusted && host.h % 3 == 0);
    if (host.trusted)
      w.NullField("error");
    else
      w.StringField("error", "unable to get local issuer certificate");
    w.EndObject();
    w.Key("ehlo");
    w.BeginObject();
    WriteEhlo(host, name, true, &w);
    w.EndObject();
    w.EndObject();
  }
  w.Key("timing_ms");
  w.BeginObject();
  w.DoubleField("connect", connect);
  if (host.cls) {
    w.DoubleField("banner", banner);
    w.DoubleField("ehlo", connect * 1.1);
  }
  if (host.tls) {
    w.DoubleField("starttls", connect * 1.05);
    w.DoubleField("tls", connect * 2.2);
    w.DoubleField("tls_ehlo", connect * 1.1);
  }
  w.DoubleField("total", connect * 6 + banner);
  w.EndObject();
  std::string time;
  starttls::AppendRfc3339UnixMillis(now_ms, &time);
  w.StringField("timestamp", time);
  if (host.cls == nullptr) w.StringField("error", std::string("connect: ") + host.status);
  w.EndObject();
  w.EndLine();
}

int Rank(const char* cls) {
  if (cls == nullptr) return 3;
  if (std::strcmp(cls, "no_starttls") == 0) return 0;
  if (std::strcmp(cls, "starttls_misordered") == 0) return 1;
  return 2;
}

void WriteDomain(const Options& o, uint64_t d, const std::vector<Host>& hosts, int64_t now_ms,
                 std::string* out) {
  JsonWriter w(out);
  const uint64_t h = Mix(o.seed * 7919 + d + 0x5151);
  w.BeginObject();
  w.StringField("type", "domain");
  w.IntField("schema", 1);
  const std::string domain = "d" + std::to_string(d) + (h % 4 ? ".example" : ".example.org");
  w.StringField("domain", domain);
  w.IntField("line", static_cast<int64_t>(d + 1));
  const uint64_t kind = h % 1000;
  const bool nx = kind < 20, null_mx = kind >= 20 && kind < 30;
  w.StringField("dns", nx ? "NXDOMAIN" : "NOERROR");
  w.StringField("mx_kind", nx ? "none" : null_mx ? "null" : kind < 60 ? "implicit" : "mx");
  w.Key("exchanges");
  w.BeginArray();
  int best = 3;  // unreachable until an endpoint has a class
  bool misordered = false;
  if (null_mx) {
    w.BeginObject();
    w.RawBytesField("name", ".");
    w.IntField("preference", 0);
    w.Key("addresses");
    w.BeginArray();
    w.EndArray();
    w.NullField("error");
    w.EndObject();
  }
  if (!nx && !null_mx) {
    for (const Host& host : hosts) {
      w.BeginObject();
      w.RawBytesField("name", MxName(host));
      w.IntField("preference", 10 * static_cast<int64_t>(&host - hosts.data() + 1));
      w.Key("addresses");
      w.BeginArray();
      w.String(Ip(host.index));
      w.EndArray();
      w.NullField("error");
      w.EndObject();
      if (host.cls) best = std::min(best, Rank(host.cls));
      misordered = misordered || host.misordered;
    }
  }
  w.EndArray();
  w.Key("endpoints");
  w.BeginArray();
  if (!nx && !null_mx) {
    for (const Host& host : hosts) {
      w.BeginObject();
      w.StringField("ip", Ip(host.index));
      w.IntField("port", 25);
      w.StringField("status", host.status);
      if (host.cls)
        w.StringField("class", host.cls);
      else
        w.NullField("class");
      w.EndObject();
    }
  }
  w.EndArray();
  static const char* const kVerdicts[] = {"no_starttls", "starttls_misordered", "compliant",
                                          "unreachable"};
  w.StringField("verdict", nx ? "dns_error" : null_mx ? "no_mail" : kVerdicts[best]);
  if (nx)
    w.StringField("error", "MX lookup: Domain name not found");
  else
    w.NullField("error");
  std::string time;
  starttls::AppendRfc3339UnixMillis(now_ms, &time);
  w.StringField("timestamp", time);
  if (!nx && !null_mx && h % 10 < 3) {  // policy lookups on some domains
    const bool dane = h % 100 < 4, sts = (h >> 8) % 100 < 12;
    w.Key("dane");
    w.BeginObject();
    w.StringField("state", dane ? "usable" : "none");
    w.StringField("dnssec", dane ? "secure" : "insecure");
    w.EndObject();
    w.Key("mta_sts");
    w.BeginObject();
    w.StringField("state", sts ? "ok" : "none");
    if (sts) w.StringField("mode", (h >> 16) % 3 ? "enforce" : "testing");
    w.EndObject();
    w.Key("tls_rpt");
    w.BeginObject();
    w.StringField("state", (h >> 24) % 5 == 0 ? "ok" : "none");
    w.EndObject();
    w.Key("delivery");
    w.BeginObject();
    w.StringField("opportunistic", best == 2 ? "tls" : best == 3 ? "unreachable" : "clear");
    w.StringField("dane", !dane ? "not_applicable" : best == 2 ? "tls" : "defer");
    w.StringField("mta_sts", !sts            ? "not_applicable"
                             : best == 2     ? "tls"
                             : (h >> 16) % 3 ? "defer"
                                             : "report_only");
    w.EndObject();
  }
  w.EndObject();
  w.EndLine();
}

bool Flag(int argc, char** argv, int* i, const char* name, uint64_t* out) {
  if (std::strcmp(argv[*i], name) != 0 || *i + 1 >= argc) return false;
  *out = std::strtoull(argv[++*i], nullptr, 10);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    uint64_t generation = 0;
    if (Flag(argc, argv, &i, "--records", &o.records) || Flag(argc, argv, &i, "--seed", &o.seed) ||
        Flag(argc, argv, &i, "--changed-permille", &o.changed_permille)) {
      continue;
    }
    if (Flag(argc, argv, &i, "--generation", &generation)) {
      o.generation = static_cast<int>(generation);
      continue;
    }
    std::fprintf(
        stderr,
        "usage: synthetic-scan --records N [--seed S] [--generation 1|2] [--changed-permille P]\n");
    return 2;
  }
  const uint64_t host_count = o.records * 3 / 10, domain_count = o.records - host_count;
  // Generation 2: 0.5 % of the targets are gone and as many new ones appear at the end.
  auto gone = [&](uint64_t key) { return o.generation > 1 && Mix(key ^ 0xd00d) % 1000 < 5; };
  std::vector<bool> written(host_count + host_count / 100 + 1, false);
  int64_t now_ms = (o.generation > 1 ? 1798761600000 : 1790812800000);  // 2027-01-01 / 2026-10-01
  std::string out;
  out.reserve(1 << 22);
  auto flush = [&] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };
  std::vector<Host> hosts;
  for (uint64_t d = 0; d < domain_count; ++d) {
    if (gone(d)) continue;
    const uint64_t h = Mix(o.seed * 31 + d);
    const int exchanges = static_cast<int>(1 + h % 3);
    hosts.clear();
    for (int x = 0; x < exchanges; ++x) {
      // A few big providers take a large share of domains; the rest spread evenly.
      uint64_t pick = Mix(h + static_cast<uint64_t>(x) * 17);
      uint64_t index = pick % 100 < 40 ? pick % (host_count / 50 + 1) : pick % host_count;
      hosts.push_back(Profile(o, index));
    }
    for (const Host& host : hosts) {
      if (written[host.index] || gone(host.index + (1ull << 40))) continue;
      written[host.index] = true;
      WriteHost(host, now_ms, &out);
    }
    WriteDomain(o, d, hosts, now_ms, &out);
    now_ms += d % 8 == 0 ? 1 : 0;
    if (out.size() > (1 << 22)) flush();
  }
  for (uint64_t i = 0; i < host_count; ++i) {  // hosts scanned as addresses, no domain
    if (written[i] || gone(i + (1ull << 40))) continue;
    WriteHost(Profile(o, i), now_ms, &out);
    if (out.size() > (1 << 22)) flush();
  }
  if (o.generation > 1) {  // new targets
    for (uint64_t i = host_count; i < host_count + host_count / 200; ++i)
      WriteHost(Profile(o, i), now_ms, &out);
  }
  flush();
  return std::fflush(stdout) == 0 ? 0 : 1;
}
