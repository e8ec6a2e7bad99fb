#include "scanner/schedule/window_shuffler.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

std::vector<int> Shuffle(const std::vector<int>& input, uint64_t seed, size_t capacity,
                         size_t* max_size = nullptr) {
  WindowShuffler<int> shuffler(seed, capacity);
  std::vector<int> out;
  for (int v : input) {
    if (std::optional<int> e = shuffler.Push(v)) out.push_back(*e);
    if (max_size) *max_size = std::max(*max_size, shuffler.size());
  }
  while (std::optional<int> e = shuffler.Pop()) out.push_back(*e);
  return out;
}

std::vector<int> Range(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(WindowShufflerTest, EmitsEveryItemExactlyOnceInBoundedMemory) {
  std::vector<int> input = Range(100000);
  size_t max_size = 0;
  std::vector<int> out = Shuffle(input, 1, 4096, &max_size);
  EXPECT_LE(max_size, 4096u);
  ASSERT_EQ(out.size(), input.size());
  EXPECT_NE(out, input);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, input);
}

TEST(WindowShufflerTest, SeedDeterminesOrder) {
  std::vector<int> input = Range(10000);
  EXPECT_EQ(Shuffle(input, 3, 512), Shuffle(input, 3, 512));
  EXPECT_NE(Shuffle(input, 3, 512), Shuffle(input, 4, 512));
}

TEST(WindowShufflerTest, SpreadsConsecutiveInputApart) {
  // Sorted input (one network's addresses in a row) comes out with neighbours far apart:
  // the mean distance, in input positions, between consecutive outputs is of the order of
  // the window size, not 1.
  const size_t window = 1024;
  std::vector<int> out = Shuffle(Range(50000), 9, window);
  double total = 0;
  for (size_t i = 1; i < out.size(); ++i) total += std::abs(out[i] - out[i - 1]);
  EXPECT_GT(total / (out.size() - 1), window / 4.0);
}

TEST(WindowShufflerTest, CapacityOnePassesThroughInOrder) {
  std::vector<int> input = Range(100);
  EXPECT_EQ(Shuffle(input, 1, 1), input);
  EXPECT_EQ(Shuffle(input, 1, 0), input);  // 0 is treated as 1
}

TEST(WindowShufflerTest, InputSmallerThanWindowIsStillShuffled) {
  std::vector<int> input = Range(100);
  std::vector<int> out = Shuffle(input, 11, 65536);
  EXPECT_NE(out, input);
  std::sort(out.begin(), out.end());
  EXPECT_EQ(out, input);
}

TEST(WindowShufflerTest, MoveOnlyAndStringItems) {
  WindowShuffler<std::string> shuffler(1, 2);
  EXPECT_FALSE(shuffler.Push("a").has_value());
  EXPECT_FALSE(shuffler.Push("b").has_value());
  EXPECT_TRUE(shuffler.full());
  std::optional<std::string> out = shuffler.Push("c");
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(*out == "a" || *out == "b");
  EXPECT_EQ(shuffler.size(), 2u);
}

}  // namespace
}  // namespace starttls
