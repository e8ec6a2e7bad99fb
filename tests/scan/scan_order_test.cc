// ScanOrder: the same input and seed give the same order (what --dryrun prints is what the
// scan does); every target comes out once; a paused pipe is scanned before it ends.
#include "scanner/scan/scan_order.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/scan/input_test_util.h"

namespace starttls {
namespace {

std::vector<std::string> OrderOf(const std::string& text, uint64_t seed, size_t window) {
  auto reader = testing::ReaderOf(text);
  InputTargets input(reader.get(), {});
  ScanOrder order(&input, seed, window, {});
  std::vector<std::string> out;
  InputTarget t;
  while (order.Next(0, &t) == ScanOrder::Step::kTarget) {
    out.push_back(t.is_domain() ? t.domain : t.endpoint.ToString());
  }
  return out;
}

TEST(ScanOrderTest, SameSeedSameOrderEveryTargetOnce) {
  std::string text = "198.51.100.0/24\n";
  for (int i = 0; i < 50; ++i) text += "d" + std::to_string(i) + ".example\n";
  std::vector<std::string> a = OrderOf(text, 42, 64);
  EXPECT_EQ(a, OrderOf(text, 42, 64));
  EXPECT_NE(a, OrderOf(text, 43, 64));
  EXPECT_EQ(a.size(), 306u);
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), 306u);
  // Shuffled: the first targets are not the input's first.
  EXPECT_NE(std::vector<std::string>(a.begin(), a.begin() + 5),
            (std::vector<std::string>{"198.51.100.0:25", "198.51.100.1:25", "198.51.100.2:25",
                                      "198.51.100.3:25", "198.51.100.4:25"}));
}

TEST(ScanOrderTest, HooksSeeEveryTargetAsItEnters) {
  auto reader = testing::ReaderOf("192.0.2.1,a.example\n192.0.2.1,b.example\nbad!\nx.example\n");
  InputTargets input(reader.get(), {});
  int entered = 0, duplicates = 0, invalid = 0;
  ScanOrder order(&input, 1, 16,
                  {[&](const InputTarget&) { ++entered; },
                   [&](const InputTarget& t) { duplicates += t.name == "b.example"; },
                   [&](const TargetRecord&) { ++invalid; }});
  InputTarget t;
  int out = 0;
  while (order.Next(0, &t) == ScanOrder::Step::kTarget) ++out;
  EXPECT_EQ(entered, 2);
  EXPECT_EQ(out, 2);
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(invalid, 1);
}

TEST(ScanOrderTest, APausedInputIsScannedBeforeItEnds) {
  // A pipe that gives two lines, then nothing for a while: after the pause the window is
  // released although it is far from full; lines arriving later join it.
  auto pipe = std::make_unique<testing::PipeSource>();
  testing::PipeSource* writer = pipe.get();
  TargetReader reader(std::move(pipe));
  InputTargets input(&reader, {});
  ScanOrder order(&input, 1, 65536, {});
  InputTarget t;
  const int64_t t0 = 1'000'000'000;
  EXPECT_EQ(order.Next(t0, &t), ScanOrder::Step::kWait);  // nothing has arrived yet
  writer->Write("192.0.2.1\n192.0.2.2\n");
  EXPECT_EQ(order.Next(t0, &t), ScanOrder::Step::kWait);  // two lines wait in the window
  EXPECT_EQ(order.held(), 2u);
  EXPECT_EQ(order.Next(t0 + ScanOrder::kInputPauseNs / 2, &t), ScanOrder::Step::kWait);
  EXPECT_EQ(order.Next(t0 + ScanOrder::kInputPauseNs, &t), ScanOrder::Step::kTarget);
  EXPECT_EQ(order.held(), 1u);
  writer->Write("192.0.2.3\n");
  writer->Close();
  std::set<std::string> rest;
  ScanOrder::Step step;
  while ((step = order.Next(t0 + 2 * ScanOrder::kInputPauseNs, &t)) != ScanOrder::Step::kEnd) {
    if (step == ScanOrder::Step::kTarget) rest.insert(t.endpoint.ToString());
  }
  EXPECT_EQ(rest.size(), 2u);
}

TEST(ScanOrderTest, CloseReturnsWhatTheWindowHeld) {
  auto reader = testing::ReaderOf("192.0.2.1\n192.0.2.2\n192.0.2.3\n");
  InputTargets input(reader.get(), {});
  ScanOrder order(&input, 1, 16, {});
  InputTarget t;
  ASSERT_EQ(order.Next(0, &t), ScanOrder::Step::kTarget);  // input ended: draining
  EXPECT_EQ(order.Close().size(), 2u);
  EXPECT_EQ(order.Next(0, &t), ScanOrder::Step::kEnd);
}

}  // namespace
}  // namespace starttls
