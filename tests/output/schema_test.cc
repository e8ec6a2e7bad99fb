// Records written with JsonWriter validate against output/schema/*.schema.json, checked by
// python3-jsonschema (Draft 2020-12) through tests/output/validate_ndjson.py; records that
// break the documented contract are rejected.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "output/json_writer.h"
#include "output/rfc3339.h"

namespace starttls {
namespace {

const char* const kClients[] = {
    "postfix",      "cisco_esa", "sendmail",  "python_smtplib",  "go_net_smtp",
    "jakarta_mail", "exim",      "opensmtpd", "swaks",           "curl",
    "msmtp",        "testssl",   "zgrab2",    "openssl_s_client"};

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

constexpr const char* kPython = "/usr/bin/python3";

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Debian's interpreter, where python3-jsonschema (installed by scripts/install-deps.sh)
    // lives; the test fails rather than skips without it.
    ASSERT_EQ(RunCommand(std::string(kPython) + " -c 'import jsonschema'").exit_code, 0)
        << kPython << " cannot import jsonschema: apt-get install python3-jsonschema";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "/starttls_output_" + info->name() + "_" +
            std::to_string(getpid()) + ".ndjson";
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }

  // Writes `records` (NDJSON) to a file and runs the validator on it.
  CommandResult Validate(const std::string& schema_file, const std::string& records,
                         bool expect_invalid) {
    {
      std::ofstream f(path_, std::ios::binary | std::ios::trunc);
      f << records;
    }
    return RunCommand(std::string(kPython) + " " + STARTTLS_VALIDATE_SCRIPT + " " +
                      STARTTLS_SCHEMA_DIR + "/" + schema_file + " " + path_ +
                      (expect_invalid ? " --expect-invalid" : ""));
  }

  std::string path_;
};

// One record, built by `body` between the "type"/"schema" header and the closing brace.
std::string Record(const char* type, const std::function<void(JsonWriter&)>& body, int schema = 1) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", type);
  w.IntField("schema", schema);
  body(w);
  w.EndObject();
  w.EndLine();
  EXPECT_TRUE(w.ok());
  return out;
}

void WriteClients(JsonWriter& w, int skip = -1) {
  w.Key("clients");
  w.BeginObject();
  for (int i = 0; i < 14; ++i) {
    if (i != skip) w.BoolField(kClients[i], i % 3 != 0);
  }
  w.EndObject();
}

void WriteKeywordList(JsonWriter& w,
                      const std::vector<std::pair<std::string, std::vector<std::string>>>& lines) {
  w.Key("keywords");
  w.BeginArray();
  for (const auto& [keyword, params] : lines) {
    w.BeginObject();
    w.RawBytesField("keyword", keyword);
    std::string joined;
    for (const std::string& p : params) joined += (joined.empty() ? "" : " ") + p;
    w.RawBytesField("params", joined);
    w.EndObject();
  }
  w.EndArray();
}

void WriteAnomalies(JsonWriter& w, const std::vector<std::string>& names) {
  w.Key("anomalies");
  w.BeginArray();
  for (const std::string& n : names) w.String(n);
  w.EndArray();
}

// A fully populated successful host record: misordered STARTTLS, probed, TLS ok.
void SuccessHostBody(JsonWriter& w) {
  w.StringField("ip", "192.0.2.25");
  w.IntField("port", 25);
  w.Key("names");
  w.BeginArray();
  w.String("mx1.example.com");
  w.EndArray();
  w.StringField("status", "success");
  w.StringField("class", "starttls_misordered");
  WriteAnomalies(w, {"non_ascii", "starttls_in_greeting"});
  WriteClients(w);
  w.Key("banner");
  w.BeginObject();
  w.RawBytesField("raw", "220 mx1.example.com ESMTP \xE9t\xE9\r\n");
  w.IntField("code", 220);
  w.EndObject();
  w.Key("ehlo");
  w.BeginObject();
  w.RawBytesField("raw", "250-STARTTLS\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n");
  w.IntField("code", 250);
  w.RawBytesField("greeting", "STARTTLS");
  WriteKeywordList(w, {{"SIZE", {"10240000"}}, {"8BITMIME", {}}});
  w.EndObject();
  w.Key("starttls");
  w.BeginObject();
  w.BoolField("sent", true);
  w.StringField("reason", "probe");
  w.IntField("code", 220);
  w.RawBytesField("text", "2.0.0 Ready to start TLS");
  w.EndObject();
  w.Key("tls");
  w.BeginObject();
  w.StringField("outcome", "ok");
  w.StringField("version", "TLSv1.3");
  w.StringField("cipher", "TLS_AES_128_GCM_SHA256");
  w.StringField("group", "X25519");
  w.StringField("sni", "mx1.example.com");
  w.Key("chain");
  w.BeginArray();
  w.BeginObject();
  w.StringField("subject", "CN=mx1.example.com");
  w.StringField("issuer", "CN=Example CA");
  w.StringField("serial", "03a1f2");
  w.Key("not_before");
  std::string nb;
  AppendRfc3339UnixMillis(1767225600000, &nb);
  w.String(nb);
  w.StringField("not_after", FormatRfc3339UnixMillis(1798761600000));
  w.Key("dns_names");
  w.BeginArray();
  w.String("mx1.example.com");
  w.EndArray();
  w.StringField("key_type", "EC");
  w.IntField("key_bits", 256);
  w.StringField("signature_algorithm", "ecdsa-with-SHA256");
  w.StringField("sha256", std::string(64, 'a'));
  w.StringField("der", "MIIBszCCAVmgAwIBAgIDA6Hy");
  w.EndObject();
  w.EndArray();
  w.Key("validation");
  w.BeginObject();
  w.BoolField("trusted", false);
  w.BoolField("hostname_match", true);
  w.BoolField("expired", false);
  w.BoolField("self_signed", false);
  w.StringField("error", "unable to get local issuer certificate");
  w.EndObject();
  w.Key("ehlo");
  w.BeginObject();
  w.RawBytesField("raw", "250-mx1.example.com\r\n250 SIZE\r\n");
  w.IntField("code", 250);
  w.RawBytesField("greeting", "mx1.example.com");
  WriteKeywordList(w, {{"SIZE", {}}});
  w.EndObject();
  w.EndObject();
  w.Key("timing_ms");
  w.BeginObject();
  w.DoubleField("connect", 1.25);
  w.IntField("banner", 20012);
  w.DoubleField("tls", 35.5);
  w.EndObject();
  w.StringField("timestamp", FormatRfc3339UnixMillis(1795802954123));
}

std::string SampleRecords() {
  std::string out;
  out += Record("host", SuccessHostBody);
  out += Record("host", [](JsonWriter& w) {
    w.StringField("ip", "2001:db8::25");
    w.IntField("port", 25);
    w.StringField("status", "connection-refused");
    w.NullField("class");
    w.StringField("error", "connect: Connection refused");
    w.StringField("timestamp", FormatRfc3339UnixMillis(0));
  });
  out += Record("host", [](JsonWriter& w) {
    w.StringField("ip", "10.0.0.1");
    w.IntField("port", 587);
    w.StringField("status", "blocklisted");
  });
  out += Record("host", [](JsonWriter& w) {  // EHLO refused, HELO accepted
    w.StringField("ip", "198.51.100.7");
    w.IntField("port", 25);
    w.StringField("status", "success");
    w.StringField("class", "no_starttls");
    WriteAnomalies(w, {"ehlo_rejected"});
    w.Key("ehlo");
    w.BeginObject();
    w.RawBytesField("raw", "502 5.5.2 Error: command not recognized\r\n");
    w.IntField("code", 502);
    w.EndObject();
    w.Key("helo");
    w.BeginObject();
    w.RawBytesField("raw", "250 mail.example.net\r\n");
    w.IntField("code", 250);
    w.EndObject();
    w.Key("starttls");
    w.BeginObject();
    w.BoolField("sent", false);
    w.EndObject();
  });
  out += Record("domain", [](JsonWriter& w) {
    w.StringField("domain", "example.com");
    w.StringField("dns", "NOERROR");
    w.StringField("mx_kind", "mx");
    w.Key("exchanges");
    w.BeginArray();
    w.BeginObject();
    w.StringField("name", "mx1.example.com");
    w.IntField("preference", 10);
    w.Key("addresses");
    w.BeginArray();
    w.String("192.0.2.25");
    w.String("2001:db8::25");
    w.EndArray();
    w.EndObject();
    w.BeginObject();
    w.StringField("name", "mx2.example.com");
    w.IntField("preference", 20);
    w.Key("addresses");
    w.BeginArray();
    w.EndArray();
    w.StringField("error", "SERVFAIL");
    w.EndObject();
    w.EndArray();
    w.Key("endpoints");
    w.BeginArray();
    w.BeginObject();
    w.StringField("ip", "192.0.2.25");
    w.IntField("port", 25);
    w.StringField("class", "starttls_misordered");
    w.StringField("status", "success");
    w.EndObject();
    w.BeginObject();
    w.StringField("ip", "2001:db8::25");
    w.IntField("port", 25);
    w.NullField("class");
    w.StringField("status", "connection-timeout");
    w.EndObject();
    w.EndArray();
    w.StringField("verdict", "starttls_misordered");
  });
  out += Record("domain", [](JsonWriter& w) {
    w.StringField("domain", "nomail.example");
    w.StringField("dns", "NOERROR");
    w.StringField("mx_kind", "null");
    w.StringField("verdict", "no_mail");
  });
  out += Record("domain", [](JsonWriter& w) {
    w.StringField("domain", "gone.example");
    w.StringField("dns", "NXDOMAIN");
    w.StringField("mx_kind", "none");
    w.StringField("verdict", "dns_error");
    w.StringField("error", "NXDOMAIN");
  });
  out += Record("classify", [](JsonWriter& w) {
    w.IntField("line", 3);
    w.StringField("status", "success");
    w.StringField("class", "compliant");
    WriteAnomalies(w, {});
    WriteClients(w);
    w.RawBytesField("greeting", "mx.example.org Hello");
    WriteKeywordList(w, {{"STARTTLS", {}}, {"AUTH", {"PLAIN", "LOGIN"}}});
  });
  out += Record("error", [](JsonWriter& w) {
    w.IntField("line", 7);
    w.RawBytesField("input", "not a target \xFF\x01");
    w.StringField("error", "line 7: not a domain, IP address or CIDR");
  });
  return out;
}

TEST_F(SchemaTest, SampleRecordsOfEveryTypeAreValid) {
  const CommandResult r =
      Validate("starttls-scan.schema.json", SampleRecords(), /*expect_invalid=*/false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SchemaTest, RecordsBreakingTheContractAreRejected) {
  std::vector<std::string> wrong;
  wrong.push_back(Record("host", [](JsonWriter& w) {  // status outside the closed list
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "timeout");
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // raw field holding U+0100: not one byte
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    w.Key("banner");
    w.BeginObject();
    w.StringField("raw", "220 \xC4\x80");
    w.EndObject();
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // missing ip
    w.IntField("port", 25);
    w.StringField("status", "success");
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // unknown class
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    w.StringField("class", "maybe");
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // a client missing from clients
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    WriteClients(w, /*skip=*/13);
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // unknown anomaly name
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    WriteAnomalies(w, {"made_up"});
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // port out of range
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 70000);
    w.StringField("status", "success");
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // timestamp not RFC 3339
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    w.StringField("timestamp", "yesterday");
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // a client view that is not a boolean
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    w.Key("clients");
    w.BeginObject();
    for (const char* c : kClients) w.StringField(c, "yes");
    w.EndObject();
  }));
  wrong.push_back(Record("host", [](JsonWriter& w) {  // starttls.reason outside its list
    w.StringField("ip", "192.0.2.1");
    w.IntField("port", 25);
    w.StringField("status", "success");
    w.Key("starttls");
    w.BeginObject();
    w.BoolField("sent", true);
    w.StringField("reason", "because");
    w.EndObject();
  }));
  wrong.push_back(Record("host", SuccessHostBody, /*schema=*/2));  // unknown schema version
  wrong.push_back(Record("scan", [](JsonWriter&) {}));             // unknown record type
  wrong.push_back(Record("domain", [](JsonWriter& w) {             // verdict outside its list
    w.StringField("domain", "example.com");
    w.StringField("verdict", "ok");
  }));
  wrong.push_back(Record("domain", [](JsonWriter& w) {  // mx_kind outside its list
    w.StringField("domain", "example.com");
    w.StringField("mx_kind", "cname");
    w.StringField("verdict", "compliant");
  }));
  wrong.push_back(Record("classify", [](JsonWriter& w) {  // line numbers start at 1
    w.IntField("line", 0);
  }));
  wrong.push_back(Record("error", [](JsonWriter& w) {  // error record without its error
    w.IntField("line", 2);
    w.RawBytesField("input", "x");
  }));
  {
    std::string untyped;  // no type at all
    JsonWriter w(&untyped);
    w.BeginObject();
    w.IntField("schema", 1);
    w.EndObject();
    w.EndLine();
    wrong.push_back(untyped);
  }

  std::string all;
  for (const std::string& record : wrong) all += record;
  const CommandResult r = Validate("starttls-scan.schema.json", all, /*expect_invalid=*/true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The validator really looked at each line.
  size_t rejected = 0;
  for (size_t at = r.output.find("rejected as expected"); at != std::string::npos;
       at = r.output.find("rejected as expected", at + 1)) {
    ++rejected;
  }
  EXPECT_EQ(rejected, wrong.size()) << r.output;
}

TEST_F(SchemaTest, ValidatorFailsWhenAnyLineIsInvalid) {
  // Guards the harness itself: one bad record among good ones makes the run fail.
  std::string mixed =
      SampleRecords() + Record("host", [](JsonWriter& w) { w.StringField("status", "success"); });
  const CommandResult r = Validate("starttls-scan.schema.json", mixed, /*expect_invalid=*/false);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("line 10 invalid"), std::string::npos) << r.output;
}

std::string Metadata(const std::function<void(JsonWriter&)>& tweak) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", "metadata");
  w.IntField("schema", 2);
  w.StringField("version", "0.1.0");
  w.Key("flags");
  w.BeginObject();
  w.StringField("port", "25");
  w.StringField("starttls", "offered");
  w.StringField("allow-reserved", "");
  w.EndObject();
  w.StringField("seed", "18446744073709551615");
  w.IntField("shards", 4);
  w.IntField("shard", 0);
  w.StringField("start", FormatRfc3339UnixMillis(1795802954123));
  w.StringField("end", FormatRfc3339UnixMillis(1795802999000));
  w.IntField("parts", 1);
  w.BoolField("completed", false);
  w.Key("input");
  w.BeginObject();
  for (const char* key :
       {"lines", "skipped", "invalid", "duplicates", "targets", "other_shards", "expanded"}) {
    w.IntField(key, 10);
  }
  w.EndObject();
  w.Key("records");
  w.BeginObject();
  for (const char* key : {"host", "host_from_mx", "domain", "error"}) w.IntField(key, 5);
  w.EndObject();
  w.Key("not_started");
  w.BeginArray();
  w.String("192.0.2.1:25");
  w.EndArray();
  w.Key("counts");
  w.BeginObject();
  w.Key("by_status");
  w.BeginObject();
  w.IntField("success", 90);
  w.IntField("connection-timeout", 10);
  w.EndObject();
  w.Key("by_class");
  w.BeginObject();
  w.IntField("compliant", 80);
  w.IntField("starttls_misordered", 3);
  w.IntField("no_starttls", 7);
  w.EndObject();
  w.Key("by_anomaly");
  w.BeginObject();
  w.IntField("starttls_in_greeting", 3);
  w.EndObject();
  w.Key("targets");
  w.BeginObject();
  w.IntField("total", 120);
  w.IntField("done", 100);
  w.IntField("not_started", 20);
  w.EndObject();
  tweak(w);
  w.EndObject();
  w.EndObject();
  w.EndLine();
  EXPECT_TRUE(w.ok());
  return out;
}

TEST_F(SchemaTest, MetadataSampleIsValidAndWrongCountsAreRejected) {
  const CommandResult good = Validate("metadata.schema.json", Metadata([](JsonWriter&) {}), false);
  EXPECT_EQ(good.exit_code, 0) << good.output;

  // Unknown extra fields stay allowed (forward compatibility).
  const std::string extra_field = Metadata([](JsonWriter& w) {
    w.Key("by_region");
    w.Null();
  });
  const CommandResult extra = Validate("metadata.schema.json", extra_field, false);
  EXPECT_EQ(extra.exit_code, 0) << extra.output;

  // An unknown status name inside counts, a negative count, and a seed as a JSON number
  // (rounded by most readers: version 2 writes it as a decimal string).
  std::string unknown_status = Metadata([](JsonWriter&) {});
  unknown_status.replace(unknown_status.find("\"connection-timeout\""), 20, "\"timeout\"");
  std::string negative = Metadata([](JsonWriter&) {});
  negative.replace(negative.find("\"done\":100"), 10, "\"done\":-1");
  std::string numeric_seed = Metadata([](JsonWriter&) {});
  numeric_seed.replace(numeric_seed.find("\"18446744073709551615\""), 22, "18446744073709551615");
  const CommandResult r =
      Validate("metadata.schema.json", unknown_status + negative + numeric_seed, true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("line 2 rejected as expected"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("line 3 rejected as expected"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace starttls
