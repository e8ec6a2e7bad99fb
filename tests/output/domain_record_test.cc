// The `domain` record: fields read back, and every shape validated against the JSON Schema.
#include "output/domain_record.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "output/error_record.h"
#include "output/json_writer.h"
#include "output/ndjson_reader.h"
#include "output/rfc3339.h"

namespace starttls {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

DomainVerdict Sample() {
  DomainVerdict v;
  v.resolution.domain = "example.test";
  v.resolution.rcode = "NOERROR";
  v.resolution.kind = DomainResolution::kMx;
  v.resolution.exchanges = {
      Exchange{"mx1.example.test", 10, {Ip("192.0.2.1"), Ip("2001:db8::1")}, ""},
      Exchange{"ghost.example.test", 20, {}, "no address records"},
      Exchange{std::string("bad\xff.test"), 30, {}, "exchange is not a host name"}};
  auto tls = std::make_shared<EndpointTls>();
  tls->handshake_ok = true;
  tls->trusted = true;
  tls->leaf_names.names = {"*.example.test"};
  v.endpoints = {JoinedEndpoint{Endpoint{Ip("192.0.2.1"), 25}, ScanStatus::kSuccess,
                                EhloClass::kStarttlsMisordered, tls},
                 JoinedEndpoint{Endpoint{Ip("2001:db8::1"), 25}, ScanStatus::kConnectionRefused,
                                std::nullopt, nullptr}};
  v.verdict = "starttls_misordered";
  return v;
}

TEST(DomainRecordWriterTest, FieldsReadBack) {
  std::string line;
  AppendDomainRecord(Sample(), nullptr, 7, 1700000000123, &line);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(ParseOneJsonText(line, [](auto) { return std::string(); }), "") << line;
  EXPECT_NE(line.find("\"type\":\"domain\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"dns\":\"NOERROR\",\"mx_kind\":\"mx\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"line\":7"), std::string::npos) << line;
  EXPECT_NE(
      line.find("{\"name\":\"mx1.example.test\",\"preference\":10,\"addresses\":[\"192.0.2.1\","
                "\"2001:db8::1\"],\"error\":null}"),
      std::string::npos)
      << line;
  EXPECT_NE(line.find("{\"ip\":\"2001:db8::1\",\"port\":25,\"mx\":\"mx1.example.test\","
                      "\"status\":\"connection-refused\",\"class\":null,\"tls\":null}"),
            std::string::npos)
      << line;
  // The certificate is judged against the name this domain uses (mx1.example.test).
  EXPECT_NE(line.find("\"tls\":{\"handshake\":true,\"trusted\":true,\"expired\":false,"
                      "\"hostname_match\":true}"),
            std::string::npos)
      << line;
  // Byte 0xFF is kept as U+00FF (UTF-8 C3 BF), not replaced.
  EXPECT_NE(line.find("\"name\":\"bad\xc3\xbf.test\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"verdict\":\"starttls_misordered\""), std::string::npos);
  EXPECT_NE(line.find("\"timestamp\":\"2023-11-14T22:13:20.123Z\""), std::string::npos) << line;
}

// The record as the general JsonWriter writes it: the writer's hand-laid bytes must match.
std::string ReferenceRecord(const DomainVerdict& verdict, uint64_t line_number, int64_t now_ms) {
  const DomainResolution& r = verdict.resolution;
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", "domain");
  w.IntField("schema", kRecordSchemaVersion);
  w.StringField("domain", r.domain);
  if (line_number != 0) w.UintField("line", line_number);
  w.StringField("dns", r.rcode.empty() ? std::string_view("ERROR") : std::string_view(r.rcode));
  w.StringField("mx_kind", MxKindName(r.kind));
  w.Key("exchanges");
  w.BeginArray();
  for (const Exchange& exchange : r.exchanges) {
    w.BeginObject();
    w.RawBytesField("name", exchange.name);
    w.UintField("preference", exchange.preference);
    w.Key("addresses");
    w.BeginArray();
    for (const IpAddress& address : exchange.addresses) w.String(address.ToString());
    w.EndArray();
    if (exchange.error.empty()) {
      w.NullField("error");
    } else {
      w.StringField("error", exchange.error);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("endpoints");
  w.BeginArray();
  for (const JoinedEndpoint& e : verdict.endpoints) {
    w.BeginObject();
    w.StringField("ip", e.endpoint.ip.ToString());
    w.UintField("port", e.endpoint.port);
    std::string mx;
    for (const Exchange& exchange : r.exchanges) {
      for (const IpAddress& a : exchange.addresses) {
        if (mx.empty() && a == e.endpoint.ip) mx = exchange.name;
      }
    }
    w.RawBytesField("mx", mx);
    w.StringField("status", ScanStatusName(e.status));
    if (e.cls) {
      w.StringField("class", EhloClassName(*e.cls));
    } else {
      w.NullField("class");
    }
    if (e.tls != nullptr) {
      w.Key("tls");
      w.BeginObject();
      w.BoolField("handshake", e.tls->handshake_ok);
      w.BoolField("trusted", e.tls->trusted);
      w.BoolField("expired", e.tls->expired);
      if (e.tls->handshake_ok && !mx.empty()) {
        w.BoolField("hostname_match", MatchesHostname(e.tls->leaf_names, mx));
      } else {
        w.NullField("hostname_match");
      }
      w.EndObject();
    } else {
      w.NullField("tls");
    }
    w.EndObject();
  }
  w.EndArray();
  w.StringField("verdict", verdict.verdict);
  if (r.error.empty()) {
    w.NullField("error");
  } else {
    w.StringField("error", r.error);
  }
  w.StringField("timestamp", FormatRfc3339UnixMillis(now_ms));
  w.EndObject();
  w.EndLine();
  return out;
}

TEST(DomainRecordWriterTest, SameBytesAsTheGeneralWriter) {
  DomainVerdict odd = Sample();
  odd.resolution.domain = "quote\"back\\slash\x01.test";
  odd.resolution.rcode = "";
  odd.resolution.error = "tab\there, \xc3\xa9 and bad \xff";
  odd.resolution.exchanges.push_back(
      Exchange{std::string("ctl\x7f\n\0\"x\x80", 9),
               65535,
               {Ip("0.0.0.0"), Ip("255.255.255.255"), Ip("10.1.20.200"), Ip("::ffff:192.0.2.1")},
               "err \"q\""});
  odd.endpoints.push_back(JoinedEndpoint{Endpoint{Ip("198.51.100.9"), 65535},
                                         ScanStatus::kBlocklisted, EhloClass::kCompliant, nullptr});
  odd.verdict = "unreachable";
  DomainVerdict none;
  none.resolution.domain = "nx.test";
  none.resolution.rcode = "NXDOMAIN";
  none.verdict = "dns_error";
  for (const DomainVerdict* v : {&odd, &none}) {
    for (uint64_t line : {uint64_t{0}, uint64_t{1}, uint64_t{18446744073709551615u}}) {
      for (int64_t ms : {int64_t{0}, int64_t{1700000000123}, int64_t{1700000000124}}) {
        std::string line_text;
        AppendDomainRecord(*v, nullptr, line, ms, &line_text);
        EXPECT_EQ(line_text, ReferenceRecord(*v, line, ms));
      }
    }
  }
}

TEST(DomainRecordWriterTest, EveryShapeValidatesAgainstTheSchema) {
  std::string lines;
  AppendDomainRecord(Sample(), nullptr, 1, 0, &lines);
  DomainVerdict null_mx;
  null_mx.resolution.domain = "null.test";
  null_mx.resolution.rcode = "NOERROR";
  null_mx.resolution.kind = DomainResolution::kNull;
  null_mx.resolution.exchanges = {Exchange{".", 0, {}, ""}};
  null_mx.verdict = "no_mail";
  AppendDomainRecord(null_mx, nullptr, 0, 0, &lines);
  DomainVerdict nx;
  nx.resolution.domain = "nx.test";
  nx.resolution.rcode = "NXDOMAIN";
  nx.resolution.error = "MX lookup: Domain name not found";
  nx.verdict = "dns_error";
  AppendDomainRecord(nx, nullptr, 3, 0, &lines);
  DomainVerdict timeout = nx;
  timeout.resolution.rcode = "TIMEOUT";
  AppendDomainRecord(timeout, nullptr, 4, 0, &lines);

  char path[] = "/tmp/domain-records-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  close(fd);
  const std::string command = std::string("python3 '") + STARTTLS_VALIDATE_SCRIPT + "' '" +
                              STARTTLS_SCHEMA_DIR + "/starttls-scan.schema.json' '" + path + "'";
  const int status = std::system(command.c_str());
  unlink(path);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << lines;

  // And a broken record is caught by the same check (the check can fail).
  std::string bad =
      "{\"type\":\"domain\",\"schema\":1,\"domain\":\"x.test\",\"verdict\":\"maybe\"}\n";
  char bad_path[] = "/tmp/domain-records-bad-XXXXXX";
  const int bfd = mkstemp(bad_path);
  ASSERT_GE(bfd, 0);
  ASSERT_EQ(write(bfd, bad.data(), bad.size()), static_cast<ssize_t>(bad.size()));
  close(bfd);
  const int bad_status = std::system((std::string("python3 '") + STARTTLS_VALIDATE_SCRIPT + "' '" +
                                      STARTTLS_SCHEMA_DIR + "/starttls-scan.schema.json' '" +
                                      bad_path + "' --expect-invalid")
                                         .c_str());
  unlink(bad_path);
  EXPECT_EQ(WEXITSTATUS(bad_status), 0);
}

}  // namespace
}  // namespace starttls
