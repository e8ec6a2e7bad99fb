// `classify --input-format zgrab2`: ZGrab2 SMTP lines re-judged by docs/rules.md §3-4 — the
// public vector file and our own example scans (tests/datasets/data/): class and anomalies,
// ip, domain, ZGrab2's status and timestamp carried over, lines without an EHLO reply said so,
// non-SMTP lines as error records; the reply text's UTF-8 bytes are what is judged.
#include <simdjson.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/classify/classify_command.h"

namespace starttls {
namespace {

struct Judged {
  std::string type, ip, status, cls, error, zgrab2_status, timestamp, domain;
  std::vector<std::string> anomalies;
  bool postfix = false, curl = false;
};

std::vector<Judged> JudgeFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Judged> out;
  std::string line;
  size_t number = 0;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    ClassifiedLine classified = ClassifyZgrab2Line(line, ++number);
    simdjson::dom::element record = parser.parse(classified.json);
    Judged j;
    std::string_view text;
    auto get = [&](const char* key, std::string* into) {
      if (!record[key].get(text)) *into = std::string(text);
    };
    get("type", &j.type);
    get("ip", &j.ip);
    get("status", &j.status);
    get("class", &j.cls);
    get("error", &j.error);
    get("zgrab2_status", &j.zgrab2_status);
    get("timestamp", &j.timestamp);
    get("domain", &j.domain);
    simdjson::dom::array anomalies;
    if (!record["anomalies"].get(anomalies)) {
      for (auto a : anomalies) j.anomalies.emplace_back(std::string_view(a));
    }
    bool flag = false;
    if (!record["clients"]["postfix"].get(flag)) j.postfix = flag;
    if (!record["clients"]["curl"].get(flag)) j.curl = flag;
    EXPECT_EQ(classified.is_error, j.type == "error");
    out.push_back(j);
  }
  return out;
}

TEST(Zgrab2, TheVectorFile) {
  std::vector<Judged> j = JudgeFile(STARTTLS_TESTS_DIR "/vectors/zgrab2-smtp.jsonl");
  ASSERT_EQ(j.size(), 6u);
  EXPECT_EQ(j[0].cls, "compliant");
  EXPECT_EQ(j[0].ip, "192.0.2.10");
  EXPECT_EQ(j[1].cls, "starttls_misordered");
  EXPECT_EQ(j[1].anomalies, std::vector<std::string>{"starttls_in_greeting"});
  EXPECT_FALSE(j[1].postfix);
  EXPECT_TRUE(j[1].curl);
  EXPECT_EQ(j[2].cls, "no_starttls");
  EXPECT_EQ(j[3].cls, "no_starttls");
  EXPECT_EQ(j[3].anomalies,
            (std::vector<std::string>{"banner_masked", "no_esmtp_in_banner", "starttls_masked"}));
  EXPECT_EQ(j[4].cls, "");
  EXPECT_EQ(j[4].status, "connection-timeout");
  EXPECT_EQ(j[4].zgrab2_status, "connection-timeout");
  EXPECT_NE(j[4].error.find("no EHLO reply"), std::string::npos);
  EXPECT_EQ(j[5].status, "");  // ZGrab2 sent HELO: nothing to judge, no status of ours
  EXPECT_NE(j[5].error.find("HELO"), std::string::npos);
  for (const Judged& line : j) EXPECT_EQ(line.timestamp, "2026-03-01T10:00:00Z");
}

TEST(Zgrab2, OurExampleScan) {
  std::vector<Judged> j = JudgeFile(STARTTLS_TESTS_DIR "/datasets/data/zgrab2-2019.jsonl");
  std::map<std::string, Judged> by_ip;
  for (const Judged& line : j) by_ip[line.ip] = line;
  EXPECT_EQ(by_ip["203.0.113.10"].domain, "example.net");
  EXPECT_EQ(by_ip["203.0.113.10"].timestamp, "2019-06-01T12:00:00-04:00");
  EXPECT_EQ(by_ip["203.0.113.12"].cls, "starttls_misordered");  // lower-case starttls on line 1
  EXPECT_EQ(by_ip["203.0.113.17"].status, "rejected");          // EHLO 502, no HELO sent
  EXPECT_EQ(by_ip["203.0.113.18"].cls, "compliant");
  EXPECT_EQ(by_ip["203.0.113.18"].anomalies,
            std::vector<std::string>{"non_ascii"});  // UTF-8 bytes judged
  EXPECT_EQ(by_ip["203.0.113.19"].anomalies, std::vector<std::string>{"non_ascii"});  // Go's U+FFFD
  EXPECT_EQ(by_ip["203.0.113.20"].zgrab2_status, "application-error");
  EXPECT_EQ(by_ip["203.0.113.20"].status, "");  // not one of our statuses
  EXPECT_EQ(by_ip["203.0.113.21"].anomalies, std::vector<std::string>{"bare_lf"});
  EXPECT_EQ(by_ip["203.0.113.22"].anomalies, std::vector<std::string>{"greeting_is_keyword"});
  EXPECT_EQ(by_ip["203.0.113.23"].cls, "compliant");
  EXPECT_EQ(by_ip["203.0.113.23"].anomalies, std::vector<std::string>{"starttls_in_greeting"});
  EXPECT_NE(by_ip["203.0.113.24"].error.find("no EHLO reply"), std::string::npos);  // result null
  EXPECT_EQ(j.back().type, "error");
  EXPECT_NE(j.back().error.find("data.smtp"), std::string::npos);
}

TEST(Zgrab2, WrongTypesAreErrorRecordsNamingTheMember) {
  ClassifiedLine bad = ClassifyZgrab2Line(
      R"({"ip":"192.0.2.1","data":{"smtp":{"status":"success","result":{"ehlo":7}}}})", 3);
  EXPECT_TRUE(bad.is_error);
  EXPECT_NE(bad.json.find("line 3: \\\"result.ehlo\\\" is not a string"), std::string::npos)
      << bad.json;
  ClassifiedLine not_json = ClassifyZgrab2Line("{\"ip\":", 4);
  EXPECT_TRUE(not_json.is_error);
  EXPECT_NE(not_json.json.find("line 4: not JSON"), std::string::npos) << not_json.json;
}

}  // namespace
}  // namespace starttls
