// Lab modes: simulated latency, wildcard mode (one listener for every loopback address, the
// behaviour derived from a seeded hash that `smtp-lab truth` reproduces), forked workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "tests/lab/lab_process.h"
#include "tests/lab/plain_client.h"

namespace starttls::lab::test {
namespace {

using Clock = std::chrono::steady_clock;

long MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

TEST(LabModes, LatencyHoldsEveryReply) {
  LabProcess lab;
  std::ofstream(lab.Path("assign.txt")) << lab.Ip(1) << " compliant\n";
  ASSERT_TRUE(
      lab.Start({"--assign", lab.Path("assign.txt"), "--latency-ms", "300-300", "--domains", "0"}));
  PlainClient c;
  auto t0 = Clock::now();
  ASSERT_EQ(c.Connect(lab.Ip(1), lab.port()), 0);
  std::string banner = c.Read(1, 3000, 0);
  EXPECT_GE(MsSince(t0), 290);
  EXPECT_EQ(banner.substr(0, 4), "220 ");
  auto t1 = Clock::now();
  c.Send("NOOP\r\n");
  EXPECT_EQ(c.Read(14, 3000, 0), "250 2.0.0 OK\r\n");
  EXPECT_GE(MsSince(t1), 290);
  EXPECT_LT(MsSince(t1), 2000);
}

// --latency-ms 100 means 100 ms per reply: never less, and (timers in ns, not ms) barely more.
TEST(LabModes, FixedLatencyIsExactPerReply) {
  LabProcess lab;
  ASSERT_TRUE(
      lab.Start({"--wildcard", "--no-truth", "--weights", "compliant=1", "--latency-ms", "100"}));
  PlainClient c;
  std::vector<double> ms;
  auto since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  auto t = Clock::now();
  ASSERT_EQ(c.Connect(lab.Ip(7), lab.port()), 0);
  std::string banner = "220 " + lab.Mx(7) + " ESMTP smtp-lab\r\n";
  ASSERT_EQ(c.Read(banner.size(), 3000, 0), banner);
  ms.push_back(since(t));
  for (int i = 0; i < 8; ++i) {
    t = Clock::now();
    c.Send("NOOP\r\n");
    ASSERT_EQ(c.Read(14, 3000, 0), "250 2.0.0 OK\r\n");
    ms.push_back(since(t));
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_GE(ms.front(), 100.0);
  EXPECT_LT(ms[ms.size() / 2], 103.0) << "median";
  EXPECT_LT(ms.back(), 150.0);
}

// The first bytes each behaviour of the wildcard population sends.
std::string FirstBytes(const std::string& behaviour, const std::string& mx) {
  if (behaviour == "compliant") return "220 " + mx + " ESMTP smtp-lab\r\n";
  if (behaviour == "banner_421")
    return "421 4.7.0 " + mx + " ESMTP Too many connections, try again later\r\n";
  return "HTTP/1.1 400 Bad Request\r\n";
}

std::string RunTruth(const std::vector<std::string>& args) {
  std::string cmd = SMTP_LAB_BIN;
  for (const auto& a : args) cmd += a == "2>&1" ? " 2>&1" : " '" + a + "'";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(LabModes, WildcardServesHashedPopulationWithWorkers) {
  LabProcess lab;
  const std::vector<std::string> pop = {"--wildcard", "--weights",
                                        "compliant=1,banner_421=1,http=1", "--seed", "7"};
  std::vector<std::string> flags = pop;
  flags.insert(flags.end(), {"--processes", "2", "--no-truth"});
  ASSERT_TRUE(lab.Start(flags));
  std::map<std::string, int> seen;
  for (int host = 1; host <= 30; ++host) {
    std::vector<std::string> args = {"truth", "--port", std::to_string(lab.port())};
    args.insert(args.end(), pop.begin(), pop.end());
    args.push_back(lab.Ip(host));
    std::string truth = RunTruth(args);
    auto at = truth.find("\"behaviour\":\"");
    ASSERT_NE(at, std::string::npos) << truth;
    std::string behaviour = truth.substr(at + 13, truth.find('"', at + 13) - at - 13);
    ++seen[behaviour];
    PlainClient c;
    ASSERT_EQ(c.Connect(lab.Ip(host), lab.port()), 0);
    std::string want = FirstBytes(behaviour, lab.Mx(host));
    EXPECT_EQ(c.Read(want.size(), 3000, 0).substr(0, want.size()), want) << lab.Ip(host);
  }
  EXPECT_EQ(seen.size(), 3u);  // 30 hashed picks over 3 equal weights hit all three
  int status = lab.Stop();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(ReadWholeFile(lab.Path("stats.json")).find("\"connections\":30,"), std::string::npos)
      << ReadWholeFile(lab.Path("stats.json"));
}

TEST(LabModes, RejectsBadFlags) {
  EXPECT_NE(RunTruth({"truth", "--addresses", "10.0.0.1-10.0.0.5", "2>&1"}).find("outside 127"),
            std::string::npos);
  EXPECT_NE(RunTruth({"--weights", "nosuch=1", "2>&1"}).find("unknown behaviour"),
            std::string::npos);
}

}  // namespace
}  // namespace starttls::lab::test
