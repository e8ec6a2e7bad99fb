#include "output/rfc3339.h"

#include <cstdint>
#include <random>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace starttls {
namespace {

TEST(Rfc3339Test, FormatsKnownInstants) {
  EXPECT_EQ(FormatRfc3339UnixMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339UnixMillis(1795802954123), "2026-11-27T18:09:14.123Z");
  EXPECT_EQ(FormatRfc3339UnixMillis(951868799999), "2000-02-29T23:59:59.999Z");  // leap day
  EXPECT_EQ(FormatRfc3339UnixMillis(951868800000), "2000-03-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339UnixMillis(-1), "1969-12-31T23:59:59.999Z");  // rounds toward the past
  EXPECT_EQ(FormatRfc3339UnixMillis(-2203891200000), "1900-03-01T00:00:00.000Z");
}

TEST(Rfc3339Test, ClampsToFourDigitYears) {
  EXPECT_EQ(FormatRfc3339UnixMillis(INT64_MIN), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339UnixMillis(INT64_MAX), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(absl::InfiniteFuture()), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(absl::InfinitePast()), "0000-01-01T00:00:00.000Z");
}

TEST(Rfc3339Test, AbslTimeTruncatesToMillisecondsTowardThePast) {
  const absl::Time t = absl::FromUnixMillis(1795802954123) + absl::Microseconds(999);
  EXPECT_EQ(FormatRfc3339(t), "2026-11-27T18:09:14.123Z");
  EXPECT_EQ(FormatRfc3339(absl::UnixEpoch() - absl::Microseconds(1)), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339Test, AgreesWithAbslFormatTimeAcrossCenturies) {
  std::mt19937_64 rng(42);
  // 1600-01-01 .. 2400-01-01 in milliseconds: spans 400-year eras and century rules.
  std::uniform_int_distribution<int64_t> ms(-11676096000000, 13569465600000);
  for (int i = 0; i < 20000; ++i) {
    const int64_t when = ms(rng);
    const std::string expected =
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(when), absl::UTCTimeZone());
    ASSERT_EQ(FormatRfc3339UnixMillis(when), expected) << when;
  }
}

TEST(Rfc3339Test, AppendDoesNotDisturbExistingContent) {
  std::string out = "t=";
  AppendRfc3339UnixMillis(0, &out);
  EXPECT_EQ(out, "t=1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace starttls
