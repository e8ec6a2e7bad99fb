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

namespace starttls {
namespace {

TEST(ParseRfc3339, ReadsOurFormAndOtherTools) {
  EXPECT_EQ(ParseRfc3339UnixMillis("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(ParseRfc3339UnixMillis("2026-11-27T18:09:14.123Z"), 1795802954123);
  for (int64_t ms : {int64_t{0}, int64_t{951782400000}, int64_t{1795802954123}, int64_t{-86400001},
                     int64_t{4102444800999}}) {
    EXPECT_EQ(ParseRfc3339UnixMillis(FormatRfc3339UnixMillis(ms)), ms)
        << ms;  // leap days, before 1970
  }
  EXPECT_EQ(ParseRfc3339UnixMillis("2019-06-01T12:00:00-04:00"),
            ParseRfc3339UnixMillis("2019-06-01T16:00:00Z"));
  EXPECT_EQ(ParseRfc3339UnixMillis("2024-06-01T12:00:00.123456789Z"),
            ParseRfc3339UnixMillis("2024-06-01T12:00:00.123Z"));
  EXPECT_EQ(ParseRfc3339UnixMillis("2024-06-01T12:00:00+05:30"),
            ParseRfc3339UnixMillis("2024-06-01T06:30:00Z"));
  for (const char* bad :
       {"", "2024-06-01", "2024-06-01T12:00:00", "2024-13-01T00:00:00Z", "2024-06-01T12:00:00Zjunk",
        "2024-06-01 12:00:00Z", "20x4-06-01T12:00:00Z"}) {
    EXPECT_EQ(ParseRfc3339UnixMillis(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace starttls
