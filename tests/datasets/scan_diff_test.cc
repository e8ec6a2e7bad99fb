// `diff` (scanner/datasets/scan_diff.h) on two small scans with known changes: one change
// record per changed, appeared or disappeared target with both sides' values, nothing for
// unchanged ones, the transition matrices, and duplicates counted.
#include "scanner/datasets/scan_diff.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

std::string Host(const std::string& ip, const std::string& cls, const std::string& version = "",
                 const std::string& sha = "", bool trusted = true) {
  std::string tls;
  if (!version.empty()) {
    tls = R"(,"tls":{"outcome":"ok","version":")" + version + R"(","chain":[{"sha256":")" + sha +
          R"("}],"validation":{"trusted":)" + (trusted ? "true" : "false") + "}}";
  }
  const std::string class_json = cls.empty() ? "null" : "\"" + cls + "\"";
  const std::string status = cls.empty() ? "connection-refused" : "success";
  return R"({"type":"host","schema":1,"ip":")" + ip + R"(","port":25,"status":")" + status +
         R"(","class":)" + class_json + tls + "}\n";
}

std::string Domain(const std::string& name, const std::string& verdict) {
  return R"({"type":"domain","schema":1,"domain":")" + name + R"(","verdict":")" + verdict +
         "\"}\n";
}

class ScanDiffTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path =
        ::testing::TempDir() + "/scan_diff_" + name + "_" + std::to_string(getpid()) + ".ndjson";
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& path : paths_) std::remove(path.c_str());
  }
  std::vector<std::string> paths_;
};

const std::string kA(64, 'a'), kB(64, 'b');

TEST_F(ScanDiffTest, ChangesTransitionsAndBothSides) {
  const std::string old_scan =
      Host("192.0.2.1", "compliant", "TLSv1.3", kA) + Host("192.0.2.2", "compliant") +
      Host("192.0.2.3", "starttls_misordered", "TLSv1.2", kA, false) +
      Host("192.0.2.4", "no_starttls") + Host("2001:db8::5", "compliant") +
      Domain("same.example", "compliant") + Domain("worse.example", "compliant") +
      Domain("gone.example", "no_starttls") + Host("192.0.2.2", "no_starttls");
  const std::string new_scan =
      Domain("worse.example", "starttls_misordered") +
      Host("192.0.2.1", "compliant", "TLSv1.3", kA) + Host("192.0.2.2", "starttls_misordered") +
      Host("192.0.2.3", "starttls_misordered", "TLSv1.3", kB, true) + Host("192.0.2.4", "") +
      Host("192.0.2.9", "compliant") + Host("2001:db8::5", "compliant") +
      Domain("same.example", "compliant") + Domain("new.example", "unreachable") + "not json\n";
  ScanDiff diff;
  ASSERT_TRUE(diff.LoadOld({Write("old", old_scan)}, "test").ok());
  std::vector<std::string> changes;
  ASSERT_TRUE(diff.CompareNew({Write("new", new_scan)}, "test",
                              [&](std::string_view line) { changes.emplace_back(line); })
                  .ok());
  ASSERT_EQ(changes.size(), 7u);
  EXPECT_EQ(
      changes[0],
      R"({"type":"change","schema":1,"kind":"domain","key":"worse.example","what":["verdict"],)"
      R"("old":{"verdict":"compliant"},"new":{"verdict":"starttls_misordered"}})");
  EXPECT_EQ(
      changes[1],
      R"({"type":"change","schema":1,"kind":"host","key":"192.0.2.2:25","what":["class"],)"
      R"("old":{"status":"success","class":"compliant","tls_version":null,"trusted":null,"fingerprint":null},)"
      R"("new":{"status":"success","class":"starttls_misordered","tls_version":null,"trusted":null,"fingerprint":null}})");
  EXPECT_EQ(
      changes[2],
      R"({"type":"change","schema":1,"kind":"host","key":"192.0.2.3:25","what":["tls_version","trusted","fingerprint"],)"
      R"("old":{"status":"success","class":"starttls_misordered","tls_version":"TLSv1.2","trusted":false,"fingerprint":")" +
          kA +
          R"("},"new":{"status":"success","class":"starttls_misordered","tls_version":"TLSv1.3","trusted":true,"fingerprint":")" +
          kB + R"("}})");
  EXPECT_NE(changes[3].find(R"("key":"192.0.2.4:25","what":["status","class"])"), std::string::npos)
      << changes[3];
  EXPECT_NE(changes[4].find(R"("key":"192.0.2.9:25","what":["appeared"],"old":null,"new":{)"),
            std::string::npos)
      << changes[4];
  EXPECT_NE(changes[5].find(R"("key":"new.example","what":["appeared"],"old":null)"),
            std::string::npos)
      << changes[5];
  EXPECT_NE(
      changes[6].find(
          R"("key":"gone.example","what":["disappeared"],"old":{"verdict":"no_starttls"},"new":null)"),
      std::string::npos)
      << changes[6];

  const DiffSummary& s = diff.summary();
  EXPECT_EQ(s.host_changes, 4u);
  EXPECT_EQ(s.domain_changes, 3u);
  EXPECT_EQ(s.duplicate_keys_old, 1u);                          // 192.0.2.2 twice: the first kept
  EXPECT_EQ(s.host_class.at("compliant").at("compliant"), 2u);  // .1 and the IPv6 host
  EXPECT_EQ(s.host_class.at("compliant").at("starttls_misordered"), 1u);
  EXPECT_EQ(s.host_class.at("no_starttls").at("none"), 1u);
  EXPECT_EQ(s.host_class.at("absent").at("compliant"), 1u);
  EXPECT_EQ(s.domain_verdict.at("compliant").at("starttls_misordered"), 1u);
  EXPECT_EQ(s.domain_verdict.at("no_starttls").at("absent"), 1u);
  EXPECT_EQ(s.changes_by_what.at("fingerprint"), 1u);
  const std::string text = FormatDiffSummary(s);
  EXPECT_NE(text.find("host class (rows: old, columns: new)"), std::string::npos) << text;
}

TEST_F(ScanDiffTest, IdenticalScansHaveNoChanges) {
  const std::string scan =
      Host("192.0.2.1", "compliant", "TLSv1.3", kA) + Domain("a.example", "compliant");
  ScanDiff diff;
  ASSERT_TRUE(diff.LoadOld({Write("a", scan)}, "test").ok());
  size_t changes = 0;
  ASSERT_TRUE(
      diff.CompareNew({Write("b", scan)}, "test", [&](std::string_view) { ++changes; }).ok());
  EXPECT_EQ(changes, 0u);
  EXPECT_EQ(diff.summary().host_class.at("compliant").at("compliant"), 1u);
}

}  // namespace
}  // namespace starttls
