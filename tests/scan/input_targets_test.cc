// InputTargets: the accounting identity on inputs with comments, garbage, duplicates, CIDRs
// and port lists; every distinct target in exactly one shard with sizes within one; each
// invalid line's record written by exactly one shard.
#include "scanner/scan/input_targets.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "tests/scan/input_test_util.h"

namespace starttls {
namespace {

using testing::ReaderOf;

struct Drained {
  std::vector<InputTarget> targets;
  std::vector<uint64_t> invalid_lines;
  std::vector<std::string> duplicate_names;
  InputCounts counts;
};

Drained Drain(const std::string& text, InputTargetsOptions options) {
  auto reader = ReaderOf(text);
  InputTargets input(reader.get(), options);
  Drained out;
  InputTarget target;
  while (true) {
    InputTargets::Got got = input.Next(&target);
    if (got == InputTargets::Got::kEnd) break;
    if (got == InputTargets::Got::kTarget) out.targets.push_back(target);
    if (got == InputTargets::Got::kInvalidLine)
      out.invalid_lines.push_back(input.invalid_line().line_number);
    if (got == InputTargets::Got::kDuplicateName) out.duplicate_names.push_back(target.name);
  }
  out.counts = input.counts();
  return out;
}

std::string Key(const InputTarget& t) { return t.is_domain() ? t.domain : t.endpoint.ToString(); }

constexpr char kMixed[] =
    "# a comment\n"
    "192.0.2.1\n"
    "\n"
    "example.org\n"
    "not a target!\n"
    "192.0.2.1\n"     // duplicate
    "EXAMPLE.org.\n"  // duplicate (normalised)
    "192.0.2.0/30\n"  // 4 addresses, .1 a duplicate
    "192.0.2.9,mx.example.org\n"
    "192.0.2.9,mx2.example.org\n"  // duplicate with a name to join
    "1.2.3.4/33\n"                 // invalid
    "   # indented comment\n"
    "mail.example.net";  // last line without LF

TEST(InputTargetsTest, AccountingIdentityHolds) {
  Drained d = Drain(kMixed, {});
  const InputCounts& c = d.counts;
  EXPECT_EQ(c.lines, 13u);
  EXPECT_EQ(c.skipped, 3u);
  EXPECT_EQ(c.invalid, 2u);
  EXPECT_EQ(c.duplicates, 4u);
  EXPECT_EQ(c.targets, 7u);
  EXPECT_EQ(c.expanded, 3u);
  EXPECT_EQ(c.other_shards, 0u);
  EXPECT_TRUE(c.Balanced());
  EXPECT_EQ(d.targets.size(), 7u);
  EXPECT_EQ(d.invalid_lines, (std::vector<uint64_t>{5, 11}));
  EXPECT_EQ(d.duplicate_names, (std::vector<std::string>{"mx2.example.org"}));
  std::set<std::string> keys;
  for (const InputTarget& t : d.targets) keys.insert(Key(t));
  EXPECT_EQ(keys,
            (std::set<std::string>{"192.0.2.1:25", "example.org", "192.0.2.0:25", "192.0.2.2:25",
                                   "192.0.2.3:25", "192.0.2.9:25", "mail.example.net"}));
}

TEST(InputTargetsTest, LinesAndNamesAreCarried) {
  Drained d = Drain(kMixed, {});
  std::map<std::string, InputTarget> by_key;
  for (const InputTarget& t : d.targets) by_key[Key(t)] = t;
  EXPECT_EQ(by_key["192.0.2.1:25"].line, 2u);
  EXPECT_EQ(by_key["example.org"].line, 4u);
  EXPECT_EQ(by_key["192.0.2.3:25"].line, 8u);
  EXPECT_EQ(by_key["192.0.2.9:25"].name, "mx.example.org");
  // Arguments carry no line.
  InputTargetsOptions arguments;
  arguments.arguments = true;
  for (const InputTarget& t : Drain("192.0.2.1\nexample.org\n", arguments).targets) {
    EXPECT_EQ(t.line, 0u);
  }
}

TEST(InputTargetsTest, EveryPortOfAnAddressIsATarget) {
  InputTargetsOptions options;
  options.ports = {25, 587};
  Drained d = Drain("192.0.2.1\n192.0.2.0/31\nexample.org\n", options);
  std::vector<std::string> keys;
  for (const InputTarget& t : d.targets) keys.push_back(Key(t));
  EXPECT_EQ(keys, (std::vector<std::string>{"192.0.2.1:25", "192.0.2.1:587", "192.0.2.0:25",
                                            "192.0.2.0:587", "example.org"}));
  EXPECT_EQ(d.counts.duplicates, 2u);  // .1 on both ports again, from the /31
  EXPECT_EQ(d.counts.expanded, 1u + 3u);
  EXPECT_TRUE(d.counts.Balanced());
}

TEST(InputTargetsTest, ZmapCsvRowsCarryTheirPort) {
  Drained d = Drain(
      "saddr,sport,classification\n192.0.2.1,25,synack\n192.0.2.2,2525,synack\n"
      "bogus,25,x\n192.0.2.1,25,synack\n",
      {});
  std::vector<std::string> keys;
  for (const InputTarget& t : d.targets) keys.push_back(Key(t));
  EXPECT_EQ(keys, (std::vector<std::string>{"192.0.2.1:25", "192.0.2.2:2525"}));
  EXPECT_EQ(d.counts.skipped, 1u);  // the header
  EXPECT_EQ(d.counts.invalid, 1u);
  EXPECT_EQ(d.counts.duplicates, 1u);
  EXPECT_TRUE(d.counts.Balanced());
  // saddr alone: the --port list applies.
  InputTargetsOptions options;
  options.ports = {25, 465};
  EXPECT_EQ(Drain("saddr\n192.0.2.7\n", options).targets.size(), 2u);
}

TEST(InputTargetsTest, HugeCidrIsAnErrorNotAnExpansion) {
  Drained d = Drain("10.0.0.0/7\n192.0.2.1\n", {});
  EXPECT_EQ(d.counts.invalid, 1u);
  EXPECT_EQ(d.targets.size(), 1u);
  EXPECT_TRUE(d.counts.Balanced());
}

// The shards of one scan: disjoint, covering, balanced; invalid lines once each.
TEST(InputTargetsTest, ShardsCoverEveryTargetExactlyOnceWithSizesWithinOne) {
  std::string input = "203.0.113.0/24\n";
  for (int i = 0; i < 100; ++i) input += "domain-" + std::to_string(i) + ".example\n";
  input += "203.0.113.7\nbad line\ndomain-5.example\nworse line!\n198.51.100.0/29\n";
  for (uint32_t shards : {1u, 2u, 3u, 7u}) {
    std::map<std::string, int> seen;
    std::map<uint64_t, int> invalid;
    std::vector<size_t> sizes;
    for (uint32_t shard = 0; shard < shards; ++shard) {
      InputTargetsOptions options;
      options.seed = 18446744073709551615u;
      options.shards = shards;
      options.shard = shard;
      Drained d = Drain(input, options);
      EXPECT_TRUE(d.counts.Balanced());
      EXPECT_EQ(d.counts.targets - d.counts.other_shards, d.targets.size());
      sizes.push_back(d.targets.size());
      for (const InputTarget& t : d.targets) ++seen[Key(t)];
      for (uint64_t line : d.invalid_lines) ++invalid[line];
    }
    EXPECT_EQ(seen.size(), 256u + 100u + 8u) << shards;
    for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key << " in " << shards;
    EXPECT_EQ(invalid.size(), 2u);
    for (const auto& [line, count] : invalid) EXPECT_EQ(count, 1) << line;
    size_t low = *std::min_element(sizes.begin(), sizes.end());
    size_t high = *std::max_element(sizes.begin(), sizes.end());
    EXPECT_LE(high - low, 1u) << shards << " shards";
  }
}

}  // namespace
}  // namespace starttls
