// `merge` (scanner/datasets/merge_plan.h, merge_records.h, merged_metadata.h): which parts
// are one complete scan — each refusal (missing, duplicated, incomplete, foreign seed, shard
// count, digest or flags, no metadata) names the part, --allow-partial leaves out and lists
// what is missing — the metadata read back as the scanner writes it, and the records pass:
// counts checked against the metadata, shared MX endpoints kept once, the sums.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/datasets/merge_plan.h"
#include "scanner/datasets/merge_records.h"
#include "scanner/datasets/merged_metadata.h"
#include "scanner/datasets/part_metadata.h"
#include "scanner/scan/scan_metadata.h"

namespace starttls {
namespace {

constexpr char kDigest[] = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

PartMetadata Part(uint32_t shard, uint32_t shards = 3) {
  PartMetadata meta;
  meta.version = "0.1.0";
  meta.flags = {{"port", "2525"},
                {"seed", "7"},
                {"shards", std::to_string(shards)},
                {"shard", std::to_string(shard)},
                {"output-file", "/nodes/n" + std::to_string(shard) + "/shard.ndjson"},
                {"rate", std::to_string(100 * (shard + 1))}};
  meta.seed = 7;
  meta.shards = shards;
  meta.shard = shard;
  meta.completed = true;
  meta.input_sha256 = kDigest;
  meta.input.lines = 10;
  meta.input.targets = 10;
  meta.input.other_shards = shard == 0 ? 6 : 7;  // 4 + 3 + 3
  meta.input_lines_read = 10;
  meta.start_unix_ms = 1'000'000 + shard;
  meta.end_unix_ms = 2'000'000 - shard;
  return meta;
}

MergeInput Input(const std::string& path, PartMetadata meta) {
  return {path, MetadataPathFor(path), std::move(meta)};
}

std::vector<MergeInput> ThreeShards() {
  std::vector<MergeInput> inputs;
  // Given out of order, as a shell glob gives shard-10 before shard-2.
  for (uint32_t shard : {2u, 0u, 1u}) {
    inputs.push_back(Input("shard-" + std::to_string(shard) + ".ndjson", Part(shard)));
  }
  return inputs;
}

std::string Refusals(const MergePlan& plan) {
  std::string text;
  for (const std::string& refusal : plan.refusals) text += refusal + "\n";
  return text;
}

TEST(MergeTest, MetadataIsFoundBesideEachPart) {
  EXPECT_EQ(MetadataPathFor("shard-0.ndjson"), "shard-0.json");
  EXPECT_EQ(MetadataPathFor("/scan/shard-12.ndjson.gz"), "/scan/shard-12.json");
  EXPECT_EQ(MetadataPathFor("d.x/shard-3.ndjson.zst"), "d.x/shard-3.json");
  EXPECT_EQ(MetadataPathFor("d.x/part"), "d.x/part.json");
  EXPECT_EQ(MetadataPathFor("part.jsonl"), "part.json");
}

TEST(MergeTest, CompleteScanIsMergedInShardOrder) {
  MergePlan plan = PlanMerge(ThreeShards(), false);
  ASSERT_TRUE(plan.ok()) << Refusals(plan);
  ASSERT_EQ(plan.parts.size(), 3u);
  for (uint32_t shard = 0; shard < 3; ++shard) {
    EXPECT_EQ(plan.parts[shard].metadata.shard, shard);
    EXPECT_EQ(plan.parts[shard].path, "shard-" + std::to_string(shard) + ".ndjson");
  }
  EXPECT_TRUE(plan.missing.empty());
}

TEST(MergeTest, RefusesAMissingShardNamingIt) {
  std::vector<MergeInput> inputs = ThreeShards();
  inputs.erase(inputs.begin() + 2);  // shard 1
  MergePlan plan = PlanMerge(inputs, false);
  EXPECT_FALSE(plan.ok());
  ASSERT_EQ(plan.refusals.size(), 1u);
  EXPECT_NE(plan.refusals[0].find("shard 1 of 3 is missing"), std::string::npos) << Refusals(plan);
}

TEST(MergeTest, AllowPartialMergesWhatThereIsAndListsTheRest) {
  std::vector<MergeInput> inputs = ThreeShards();
  inputs.erase(inputs.begin());           // shard 2
  inputs[1].metadata->completed = false;  // shard 1, stopped
  inputs[1].metadata->stop_reason = "stopped by signal";
  MergePlan plan = PlanMerge(inputs, true);
  ASSERT_TRUE(plan.ok()) << Refusals(plan);
  ASSERT_EQ(plan.parts.size(), 1u);
  EXPECT_EQ(plan.parts[0].metadata.shard, 0u);
  EXPECT_EQ(plan.missing, (std::vector<uint32_t>{1, 2}));
  ASSERT_EQ(plan.left_out.size(), 2u);
  EXPECT_NE(plan.left_out[0].find("shard-1.ndjson: shard 1 is incomplete (stopped by signal"),
            std::string::npos)
      << plan.left_out[0];
  EXPECT_NE(plan.left_out[1].find("shard 2 of 3 is missing"), std::string::npos);

  ScanRunInfo info = MergedRunInfo(plan);
  EXPECT_FALSE(info.completed);
  ASSERT_TRUE(info.missing_shards.has_value());
  EXPECT_EQ(*info.missing_shards, (std::vector<uint32_t>{1, 2}));
  // Shard 0 has 4 of the 10 targets: the other 6 are the left-out shards'.
  EXPECT_EQ(info.input.targets, 10u);
  EXPECT_EQ(info.input.other_shards, 6u);
}

TEST(MergeTest, RefusesAnIncompleteOrRunningPart) {
  for (bool running : {false, true}) {
    std::vector<MergeInput> inputs = ThreeShards();
    inputs[2].metadata->completed = false;  // shard 1
    inputs[2].metadata->running = running;
    MergePlan plan = PlanMerge(inputs, false);
    ASSERT_EQ(plan.refusals.size(), 1u) << Refusals(plan);
    EXPECT_NE(plan.refusals[0].find("shard-1.ndjson: shard 1 is "), std::string::npos);
    EXPECT_NE(plan.refusals[0].find(running ? "still running, or killed" : "incomplete"),
              std::string::npos)
        << plan.refusals[0];
  }
}

TEST(MergeTest, RefusesADuplicatedShardEvenWithAllowPartial) {
  std::vector<MergeInput> inputs = ThreeShards();
  inputs.push_back(Input("copy/shard-0.ndjson", Part(0)));
  MergePlan plan = PlanMerge(inputs, true);
  ASSERT_EQ(plan.refusals.size(), 1u) << Refusals(plan);
  EXPECT_EQ(plan.refusals[0], "copy/shard-0.ndjson: shard 0 again (also shard-0.ndjson)");
}

TEST(MergeTest, RefusesForeignPartsNamingWhatDiffers) {
  struct Case {
    const char* name;
    void (*change)(PartMetadata*);
    const char* says;
  } cases[] = {
      {"seed", [](PartMetadata* m) { m->seed = 8; }, "seed 8 differs from shard-2.ndjson's 7"},
      {"shards", [](PartMetadata* m) { m->shards = 4; }, "shard count 4 differs"},
      {"digest", [](PartMetadata* m) { m->input_sha256.replace(0, 4, "0000"); },
       "input digest 0000"},
      {"flags", [](PartMetadata* m) { m->flags.emplace_back("starttls", "never"); },
       "flags --port=2525 --seed=7 --shards=3 --starttls=never differs"},
      {"accounting", [](PartMetadata* m) { m->input.duplicates = 1; }, "input accounting differs"},
  };
  for (const Case& c : cases) {
    std::vector<MergeInput> inputs = ThreeShards();
    c.change(&*inputs[1].metadata);  // shard 0
    MergePlan plan = PlanMerge(inputs, true);
    ASSERT_EQ(plan.refusals.size(), 1u) << c.name << "\n" << Refusals(plan);
    EXPECT_EQ(plan.refusals[0].rfind("shard-0.ndjson: not a part of the same scan: ", 0), 0u)
        << plan.refusals[0];
    EXPECT_NE(plan.refusals[0].find(c.says), std::string::npos) << plan.refusals[0];
  }
}

TEST(MergeTest, TheStrayPartIsNamedEvenWhenGivenFirst) {
  std::vector<MergeInput> inputs = ThreeShards();
  inputs[0].metadata->seed = 9;  // shard 2, given first
  MergePlan plan = PlanMerge(inputs, false);
  ASSERT_EQ(plan.refusals.size(), 1u) << Refusals(plan);  // not also "shard 2 is missing"
  EXPECT_EQ(plan.refusals[0],
            "shard-2.ndjson: not a part of the same scan: seed 9 differs from shard-0.ndjson's 7");
}

TEST(MergeTest, PerMachineFlagsMayDiffer) {
  FlagList a = {{"rate", "10"}, {"output-file", "a"},      {"resume", ""},       {"port", "25"},
                {"shard", "0"}, {"resolver", "127.0.0.1"}, {"starttls", "never"}};
  FlagList b = {{"starttls", "never"}, {"port", "25"}, {"shard", "1"}, {"log-file", "b.log"}};
  EXPECT_EQ(ScanDefiningFlags(a), ScanDefiningFlags(b));
  EXPECT_EQ(ScanDefiningFlags(a), (FlagList{{"port", "25"}, {"starttls", "never"}}));
}

// Missing shards are said once per run of them: a scan of 65,536 shards with one part at
// hand gets two lines, not 65,535. A named but unmerged shard breaks a run.
TEST(MergeTest, MissingShardsAreSaidOncePerRun) {
  std::vector<MergeInput> inputs;
  inputs.push_back(Input("shard-4.ndjson", Part(4, 65536)));
  MergePlan plan = PlanMerge(inputs, true);
  ASSERT_TRUE(plan.ok()) << Refusals(plan);
  EXPECT_EQ(plan.missing.size(), 65535u);
  EXPECT_EQ(plan.left_out,
            (std::vector<std::string>{"shards 0-3 of 65536 are missing: no part names them",
                                      "shards 5-65535 of 65536 are missing: no part names them"}));

  std::vector<MergeInput> ten;
  for (uint32_t shard : {0u, 2u, 3u}) {
    ten.push_back(Input("shard-" + std::to_string(shard) + ".ndjson", Part(shard, 10)));
  }
  ten[1].metadata->completed = false;  // shard 2: named, left out as incomplete
  ten[1].metadata->stop_reason = "stopped by signal";
  plan = PlanMerge(ten, false);
  EXPECT_EQ(plan.missing, (std::vector<uint32_t>{1, 2, 4, 5, 6, 7, 8, 9}));
  ASSERT_EQ(plan.refusals.size(), 3u) << Refusals(plan);
  EXPECT_NE(plan.refusals[0].find("shard 2 is incomplete"), std::string::npos) << Refusals(plan);
  EXPECT_EQ(plan.refusals[1], "shard 1 of 10 is missing: no part names it");
  EXPECT_EQ(plan.refusals[2], "shards 4-9 of 10 are missing: no part names them");
}

TEST(MergeTest, RefusesAPartWithoutMetadata) {
  std::vector<MergeInput> inputs = ThreeShards();
  inputs[0].metadata = absl::NotFoundError("No such file or directory");
  MergePlan plan = PlanMerge(inputs, false);
  ASSERT_EQ(plan.refusals.size(), 2u) << Refusals(plan);  // and so shard 2 is missing
  EXPECT_EQ(
      plan.refusals[0],
      "shard-2.ndjson: no usable metadata beside it (shard-2.json: No such file or directory)");
  EXPECT_NE(plan.refusals[1].find("shard 2 of 3 is missing"), std::string::npos);
}

class MergeFilesTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = ::testing::TempDir() + "/merge_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }
  std::string Read(const std::string& path) {
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    return text.str();
  }
  void TearDown() override {
    for (const std::string& path : paths_) std::remove(path.c_str());
  }
  std::vector<std::string> paths_;
};

TEST_F(MergeFilesTest, MetadataReadsBackAsTheScannerWritesIt) {
  ScanRunInfo run;
  run.version = "0.1.0";
  run.flags = {{"seed", "18446744073709551615"}, {"source-ip", "127.0.0.1"}, {"source-ip", "::1"}};
  run.seed = 18446744073709551615ULL;
  run.shards = 4;
  run.shard = 3;
  run.start_unix_ms = run.part_start_unix_ms = 1'700'000'000'000;
  run.end_unix_ms = 1'700'000'060'000;
  run.parts = 2;
  run.completed = true;
  run.input.lines = 9;
  run.input.targets = 8;
  run.input.other_shards = 6;
  run.input.skipped = 1;
  run.input_sha256 = kDigest;
  run.domain_work.queries = 12;
  TallySnapshot counts;
  counts.hosts_done = 3;
  counts.hosts_from_mx = 1;
  counts.domains = 1;
  std::string path = Write("part.json", RenderMetadata(run, counts));
  absl::StatusOr<PartMetadata> meta = ReadPartMetadata(path);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->seed, run.seed);
  EXPECT_EQ(meta->shards, 4u);
  EXPECT_EQ(meta->shard, 3u);
  EXPECT_EQ(meta->parts, 2u);
  EXPECT_TRUE(meta->completed);
  EXPECT_FALSE(meta->running);
  EXPECT_EQ(meta->input_sha256, kDigest);
  EXPECT_EQ(meta->input.targets, 8u);
  EXPECT_EQ(meta->input.other_shards, 6u);
  EXPECT_EQ(meta->domain_work.queries, 12u);
  EXPECT_EQ(meta->records, (PartRecordCounts{3, 1, 1, 0}));
  EXPECT_EQ(meta->flags, run.flags);
  EXPECT_EQ(meta->start_unix_ms, run.start_unix_ms);
  EXPECT_EQ(meta->end_unix_ms, run.end_unix_ms);

  // The file written at the start has no digest yet: the field is absent, not "".
  run.input_sha256.clear();
  run.running = true;
  std::string start = RenderMetadata(run, counts);
  EXPECT_EQ(start.find("sha256"), std::string::npos) << start;

  for (const char* bad :
       {"", "{\"type\":\"host\"}", "[1,2]", "{\"type\":\"metadata\",\"schema\":2}"}) {
    EXPECT_FALSE(ReadPartMetadata(Write("bad.json", bad)).ok()) << bad;
  }
  EXPECT_FALSE(ReadPartMetadata(path + ".absent").ok());
}

std::string Host(const std::string& ip, const std::string& source, const std::string& status,
                 const std::string& cls, const std::string& anomalies = "") {
  return R"({"type":"host","schema":1,"ip":")" + ip + R"(","port":25,"source":")" + source +
         R"(","status":")" + status + R"(","class":)" + (cls.empty() ? "null" : "\"" + cls + "\"") +
         R"(,"anomalies":[)" + anomalies + "]}\n";
}

TEST_F(MergeFilesTest, RecordsAreCopiedInOrderWithSharedEndpointsOnce) {
  // Shard 0 scanned 192.0.2.9 as the MX of one of its domains; shard 1 did too (before its
  // own input target 192.0.2.5, which shard 0 also met as an MX); 192.0.2.9 is nobody's target.
  std::string part0 = Host("192.0.2.1", "input", "success", "compliant") +
                      Host("192.0.2.9", "mx", "success", "no_starttls", R"("bare_lf")") +
                      Host("192.0.2.5", "mx", "success", "compliant") +
                      R"({"type":"domain","schema":1,"domain":"a.example"})"
                      "\n";
  std::string part1 = Host("192.0.2.9", "mx", "success", "no_starttls", R"("bare_lf")") +
                      Host("192.0.2.5", "input", "connection-refused", "") +
                      R"({"type":"error","schema":1,"line":4,"error":"x"})"
                      "\n";
  std::string path0 = Write("p0.ndjson", part0);
  std::string path1 = Write("p1.ndjson", part1);
  MergeRecords records;
  ASSERT_TRUE(records.CheckPart(path0, {3, 2, 1, 0}).ok());
  ASSERT_TRUE(records.CheckPart(path1, {2, 1, 0, 1}).ok());
  std::string out = ::testing::TempDir() + "/merge_out_" + std::to_string(getpid());
  paths_.push_back(out);
  OutputSink sink;
  ASSERT_EQ(sink.Open(out), "");
  ASSERT_TRUE(records.CopyPart(path0, &sink).ok());
  ASSERT_TRUE(records.CopyPart(path1, &sink).ok());
  ASSERT_EQ(sink.Close(), "");
  // Kept: every input target's record; the MX record of 192.0.2.9 once (the first); not the
  // MX record of 192.0.2.5, whose input record (shard 1) covers it.
  std::vector<std::string> lines0, lines1;
  for (std::string* text : {&part0, &part1}) {
    std::stringstream stream(*text);
    for (std::string line; std::getline(stream, line);)
      (text == &part0 ? lines0 : lines1).push_back(line);
  }
  EXPECT_EQ(Read(out), lines0[0] + "\n" + lines0[1] + "\n" + lines0[3] + "\n" + lines1[1] + "\n" +
                           lines1[2] + "\n");
  EXPECT_EQ(records.dropped_duplicates(), 2u);
  TallySnapshot written = records.written();
  EXPECT_EQ(written.hosts_done, 3u);
  EXPECT_EQ(written.hosts_from_mx, 1u);
  EXPECT_EQ(written.domains, 1u);
  EXPECT_EQ(written.input_errors, 1u);
  EXPECT_EQ(written.by_status[static_cast<size_t>(ScanStatus::kSuccess)], 2u);
  EXPECT_EQ(written.by_status[static_cast<size_t>(ScanStatus::kConnectionRefused)], 1u);
  EXPECT_EQ(written.by_class[static_cast<size_t>(EhloClass::kNoStarttls)], 1u);
  EXPECT_EQ(written.by_anomaly[static_cast<size_t>(Anomaly::kBareLf)], 1u);
}

TEST_F(MergeFilesTest, APartThatDisagreesWithItsMetadataIsNamed) {
  std::string path = Write("short.ndjson", Host("192.0.2.1", "input", "success", "compliant"));
  MergeRecords records;
  absl::Status status = records.CheckPart(path, {2, 0, 0, 0});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("holds 1 host (0 of MX hosts), 0 domain, 0 error records, "
                                  "its metadata says 2 host"),
            std::string::npos)
      << status;
  std::string torn = Write("torn.ndjson", Host("192.0.2.1", "input", "success", "compliant") +
                                              R"({"type":"host","ip":"192.0.2.2","por)");
  status = records.CheckPart(torn, {2, 0, 0, 0});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().rfind("line 2: ", 0), 0u) << status;
  std::string odd = Write("odd.ndjson", Host("192.0.2.1", "input", "melted", "compliant"));
  EXPECT_NE(records.CheckPart(odd, {1, 0, 0, 0}).message().find("unknown status"),
            std::string::npos);
}

TEST(MergeTest, MergedMetadataSumsThePartsFigures) {
  std::vector<MergeInput> inputs = ThreeShards();
  for (MergeInput& input : inputs) {
    input.metadata->domain_work.queries = 10 + input.metadata->shard;
    input.metadata->domain_work.ad_seen = 1;
    input.metadata->parts = input.metadata->shard == 1 ? 2 : 1;
  }
  MergePlan plan = PlanMerge(inputs, false);
  ASSERT_TRUE(plan.ok()) << Refusals(plan);
  ScanRunInfo info = MergedRunInfo(plan);
  EXPECT_EQ(info.domain_work.queries, 33u);
  EXPECT_EQ(info.domain_work.ad_seen, 3u);
  EXPECT_EQ(info.parts, 4u);
  EXPECT_EQ(info.input.other_shards, 0u);
  EXPECT_EQ(info.input.targets, 10u);
  EXPECT_EQ(info.start_unix_ms, 1'000'000);
  EXPECT_EQ(info.end_unix_ms, 2'000'000);
  EXPECT_FALSE(info.shard.has_value());
  EXPECT_FALSE(info.missing_shards.has_value());
  EXPECT_TRUE(info.completed);
  EXPECT_EQ(info.merged_from,
            (std::vector<std::string>{"shard-0.ndjson", "shard-1.ndjson", "shard-2.ndjson"}));
  EXPECT_EQ(info.flags, (FlagList{{"port", "2525"}, {"seed", "7"}, {"shards", "3"}}));
  std::string text = RenderMetadata(info, TallySnapshot());
  EXPECT_EQ(text.find("\"shard\":"), std::string::npos);
  EXPECT_NE(text.find(R"("merged_from":["shard-0.ndjson","shard-1.ndjson","shard-2.ndjson"])"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace starttls
