// What survey operations read from the lab: a 421 that only the first connection to an
// address gets, whichever worker answers it (state shared across --processes); the most
// connections open at once per address and per /24 (the scanner's per-IP and per-prefix caps
// are checked against these); the weight presets.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>

#include "tests/lab/lab_process.h"
#include "tests/lab/plain_client.h"

namespace starttls::lab::test {
namespace {

std::string RunLab(const std::string& args) {
  std::string out;
  FILE* p = popen((std::string(SMTP_LAB_BIN) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

uint64_t StatOf(const std::string& stats, const std::string& key) {
  auto at = stats.find("\"" + key + "\":");
  return at == std::string::npos ? ~0ULL : std::stoull(stats.substr(at + key.size() + 3));
}

TEST(LabSurvey, Banner421OnlyForTheFirstConnectionAcrossWorkers) {
  LabProcess lab;
  std::ofstream assign(lab.Path("assign.txt"));
  for (int h = 1; h <= 12; ++h) assign << lab.Ip(h) << " banner_421_once\n";
  assign.close();
  ASSERT_TRUE(lab.Start({"--wildcard", "--processes", "2", "--no-truth", "--weights", "compliant=1",
                         "--assign", lab.Path("assign.txt")}));
  for (int round = 0; round < 3; ++round) {
    for (int h = 1; h <= 12; ++h) {
      PlainClient c;
      ASSERT_EQ(c.Connect(lab.Ip(h), lab.port()), 0);
      std::string want =
          round == 0 ? "421 4.7.0 " + lab.Mx(h) + " Too many connections, try again later\r\n"
                     : "220 " + lab.Mx(h) + " ESMTP smtp-lab\r\n";
      EXPECT_EQ(c.Read(want.size(), 3000, 0), want) << lab.Ip(h) << " round " << round;
    }
  }
  ASSERT_EQ(lab.Stop(), 0);
  EXPECT_EQ(StatOf(ReadWholeFile(lab.Path("stats.json")), "connections"), 36u);
}

// Holds `n` connections to `ip` open (banner read, so the lab has accepted them).
void HoldConnections(std::vector<std::unique_ptr<PlainClient>>& held, const LabProcess& lab,
                     const std::string& ip, int n) {
  for (int i = 0; i < n; ++i) {
    auto c = std::make_unique<PlainClient>();
    ASSERT_EQ(c->Connect(ip, lab.port()), 0);
    ASSERT_EQ(c->Read(4, 3000, 0).substr(0, 4), "220 ");
    held.push_back(std::move(c));
  }
}

TEST(LabSurvey, MaxConcurrentPerAddressAndPer24AcrossWorkers) {
  LabProcess lab;
  ASSERT_TRUE(
      lab.Start({"--wildcard", "--processes", "2", "--no-truth", "--weights", "compliant=1"}));
  std::string other_net = lab.Ip(1);
  other_net[other_net.rfind('.') - 1] ^= 1;  // 127.a.b.1 -> 127.a.(b^1).1: another /24
  {
    std::vector<std::unique_ptr<PlainClient>> held;
    HoldConnections(held, lab, lab.Ip(10), 3);
    HoldConnections(held, lab, lab.Ip(11), 2);
    HoldConnections(held, lab, other_net, 1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(lab.Stop(), 0);
  std::string stats = ReadWholeFile(lab.Path("stats.json"));
  EXPECT_EQ(StatOf(stats, "max_concurrent_per_ip"), 3u) << stats;
  EXPECT_EQ(StatOf(stats, "max_concurrent_per_24"), 5u) << stats;
}

// One after the other (each closed before the next opens) is never two at once: the lab
// handles a batch's closes before its new connections.
TEST(LabSurvey, SequentialConnectionsAreNeverCountedTwice) {
  LabProcess lab;
  ASSERT_TRUE(lab.Start({"--wildcard", "--no-truth", "--weights", "compliant=1"}));
  for (int i = 0; i < 40; ++i) {
    PlainClient c;
    ASSERT_EQ(c.Connect(lab.Ip(20), lab.port()), 0);
    ASSERT_EQ(c.Read(4, 3000, 0).substr(0, 4), "220 ");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(lab.Stop(), 0);
  std::string stats = ReadWholeFile(lab.Path("stats.json"));
  EXPECT_EQ(StatOf(stats, "max_concurrent_per_ip"), 1u) << stats;
  EXPECT_EQ(StatOf(stats, "max_concurrent_per_24"), 1u) << stats;
}

std::map<std::string, int> BehavioursOf(const std::string& truth) {
  std::map<std::string, int> seen;
  for (size_t at = 0; (at = truth.find("\"behaviour\":\"", at)) != std::string::npos;) {
    at += 13;
    ++seen[truth.substr(at, truth.find('"', at) - at)];
  }
  return seen;
}

TEST(LabSurvey, WeightPresets) {
  auto hostile =
      BehavioursOf(RunLab("truth --wildcard --weights hostile --addresses 127.5.0.1-127.5.3.255"));
  int total = 0;
  for (const auto& [b, n] : hostile) {
    total += n;
    bool allowed = b.rfind("hostile_", 0) == 0 || b == "compliant" || b == "no_starttls" ||
                   b == "misordered" || b == "banner_421_once" || b == "ehlo_1000_lines";
    EXPECT_TRUE(allowed) << b;
  }
  EXPECT_EQ(total, 1023);
  EXPECT_GE(hostile.size(), 20u);  // 1,023 picks over 27 weights reach nearly all

  auto internet =
      BehavioursOf(RunLab("truth --wildcard --weights internet --addresses 127.6.0.0/20"));
  // Parts per 10,000: compliant 2169, no_starttls 1500, tls_self_signed 1800 (4,096 picks).
  EXPECT_NEAR(internet["compliant"] / 4096.0, 0.2169, 0.03);
  EXPECT_NEAR(internet["no_starttls"] / 4096.0, 0.15, 0.03);
  EXPECT_NEAR(internet["tls_self_signed"] / 4096.0, 0.18, 0.03);
  EXPECT_EQ(internet.count("endless_ehlo"), 0u);  // weight 0 in the preset

  // Overrides after a preset: 10,000 + 10,000 - 30 parts, half of them no_banner now.
  auto tweaked =
      BehavioursOf(RunLab("truth --wildcard --weights internet,no_banner=10030 "
                          "--addresses 127.6.0.0/20"));
  EXPECT_NEAR(tweaked["no_banner"] / 4096.0, 0.5, 0.04);
  auto no_drip =
      BehavioursOf(RunLab("truth --wildcard --weights hostile,hostile_drip_forever=0 "
                          "--addresses 127.5.0.1-127.5.3.255"));
  EXPECT_EQ(no_drip.count("hostile_drip_forever"), 0u);
  EXPECT_GT(hostile.count("hostile_drip_forever"), 0u);
  EXPECT_NE(RunLab("truth --weights internet,nosuch=1 127.0.0.1").find("unknown behaviour"),
            std::string::npos);
}

}  // namespace
}  // namespace starttls::lab::test
