#include "scanner/targets/cidr_set.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

TEST(CidrSetTest, EmptySetContainsNothing) {
  CidrSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.Contains(Ip("1.2.3.4")));
  EXPECT_FALSE(set.Contains(Ip("::")));
}

TEST(CidrSetTest, MergesOverlappingAndAdjacentBlocks) {
  CidrSet set;
  set.Add(*Cidr::Parse("10.0.0.0/9"));
  set.Add(*Cidr::Parse("10.128.0.0/9"));  // adjacent: merges into 10/8
  set.Add(*Cidr::Parse("10.1.0.0/16"));   // inside
  set.Add(*Cidr::Parse("0.0.0.0/32"));
  set.Add(*Cidr::Parse("255.255.255.255/32"));
  set.Add(*Cidr::Parse("::/128"));
  set.Add(*Cidr::Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"));
  set.Finalize();
  EXPECT_EQ(set.v4_interval_count(), 3u);
  EXPECT_EQ(set.v6_interval_count(), 2u);
  EXPECT_TRUE(set.Contains(Ip("10.200.0.1")));
  EXPECT_TRUE(set.Contains(Ip("0.0.0.0")));
  EXPECT_FALSE(set.Contains(Ip("0.0.0.1")));
  EXPECT_TRUE(set.Contains(Ip("255.255.255.255")));
  EXPECT_FALSE(set.Contains(Ip("11.0.0.0")));
  EXPECT_TRUE(set.Contains(Ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(set.Contains(Ip("::1")));
}

TEST(CidrSetTest, FamiliesAreSeparate) {
  CidrSet set;
  set.Add(*Cidr::Parse("0.0.0.0/0"));
  set.Finalize();
  EXPECT_TRUE(set.Contains(Ip("8.8.8.8")));
  EXPECT_FALSE(set.Contains(Ip("::8.8.8.8")));
}

// Random blocks and probes, checked against Cidr::Contains over the raw list, both before
// Finalize() (linear path) and after (binary search).
TEST(CidrSetTest, MatchesBruteForceOnRandomData) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 20; ++round) {
    std::vector<Cidr> cidrs;
    CidrSet set;
    int count = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < count; ++i) {
      bool v6 = rng() % 3 == 0;
      IpAddress ip = v6 ? IpAddress::V6((Uint128{rng()} << 64) | rng())
                        : IpAddress::V4(static_cast<uint32_t>(rng()) & 0xff00ffff);
      int prefix = v6 ? static_cast<int>(rng() % 129) : 8 + static_cast<int>(rng() % 25);
      Cidr c = *Cidr::Make(ip, prefix);
      cidrs.push_back(c);
      set.Add(c);
    }
    auto probe_and_check = [&](const CidrSet& s) {
      for (int i = 0; i < 2000; ++i) {
        IpAddress probe;
        if (i % 2 == 0 && !cidrs.empty()) {  // near a block edge
          const Cidr& c = cidrs[rng() % cidrs.size()];
          Uint128 base = (rng() % 2) ? c.first_value() : c.last_value();
          int delta = static_cast<int>(rng() % 3) - 1;
          Uint128 v = base + static_cast<Uint128>(static_cast<__int128>(delta));
          probe = c.family() == IpFamily::kV4 ? IpAddress::V4(static_cast<uint32_t>(v))
                                              : IpAddress::V6(v);
        } else {
          probe = (rng() % 3 == 0) ? IpAddress::V6((Uint128{rng()} << 64) | rng())
                                   : IpAddress::V4(static_cast<uint32_t>(rng()) & 0xff00ffff);
        }
        bool expected = false;
        for (const Cidr& c : cidrs) expected = expected || c.Contains(probe);
        ASSERT_EQ(s.Contains(probe), expected) << probe.ToString();
      }
    };
    probe_and_check(set);
    set.Finalize();
    probe_and_check(set);
  }
}

TEST(CidrSetTest, ParseTextSkipsCommentsAndBlanks) {
  absl::StatusOr<CidrSet> set = CidrSet::ParseText(
      "# blocklist\n\n  10.0.0.0/8   # private\n\t2001:db8::/32\r\n192.0.2.1\n", "list.txt");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->Contains(Ip("10.9.9.9")));
  EXPECT_TRUE(set->Contains(Ip("2001:db8::5")));
  EXPECT_TRUE(set->Contains(Ip("192.0.2.1")));
  EXPECT_FALSE(set->Contains(Ip("192.0.2.2")));
}

TEST(CidrSetTest, ParseTextErrorNamesSourceAndLine) {
  absl::StatusOr<CidrSet> set = CidrSet::ParseText("10.0.0.0/8\n# ok\n10.0.0.0/33\n", "bl.txt");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(std::string(set.status().message()),
            "bl.txt:3: not an IP address or CIDR: 10.0.0.0/33");
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char tmpl[] = "/tmp/cidr_set_test_XXXXXX";
    int fd = mkstemp(tmpl);
    path_ = tmpl;
    FILE* f = fdopen(fd, "w");
    fwrite(content.data(), 1, content.size(), f);
    fclose(f);
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(CidrSetTest, LoadFileReadsList) {
  TempFile file("127.0.0.0/8\n::1\n");
  absl::StatusOr<CidrSet> set = CidrSet::LoadFile(file.path());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->Contains(Ip("127.1.2.3")));
  EXPECT_TRUE(set->Contains(Ip("::1")));
}

TEST(CidrSetTest, LoadFileBadLineNamesFileAndLine) {
  TempFile file("127.0.0.0/8\n\nbanana\n");
  absl::StatusOr<CidrSet> set = CidrSet::LoadFile(file.path());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(std::string(set.status().message()),
            file.path() + ":3: not an IP address or CIDR: banana");
}

TEST(CidrSetTest, LoadFileTooLongLineIsAnError) {
  TempFile file("1.2.3.4\n" + std::string(5000, 'x') + "\n");
  absl::StatusOr<CidrSet> set = CidrSet::LoadFile(file.path());
  ASSERT_FALSE(set.ok());
  EXPECT_NE(std::string(set.status().message()).find(":2: line longer than 1024 bytes"),
            std::string::npos)
      << set.status();
}

TEST(CidrSetTest, LoadFileMissingFile) {
  absl::StatusOr<CidrSet> set = CidrSet::LoadFile("/nonexistent/dir/list.txt");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(std::string(set.status().message()).find("/nonexistent/dir/list.txt: cannot open"),
            std::string::npos);
}

TEST(EscapeForMessageTest, EscapesAndCuts) {
  EXPECT_EQ(EscapeForMessage("ab\x01\xff\\"), "ab\\x01\\xff\\x5c");
  EXPECT_EQ(EscapeForMessage(std::string(100, 'a'), 4), "aaaa...");
}

TEST(StripCommentAndTrimTest, Works) {
  EXPECT_EQ(StripCommentAndTrim("  a b \t# c"), "a b");
  EXPECT_EQ(StripCommentAndTrim("# only"), "");
  EXPECT_EQ(StripCommentAndTrim("\r"), "");
}

}  // namespace
}  // namespace starttls
