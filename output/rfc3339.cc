#include "output/rfc3339.h"

namespace starttls {
namespace {

// Milliseconds of 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z since the epoch.
constexpr int64_t kMinUnixMs = -62167219200000;
constexpr int64_t kMaxUnixMs = 253402300799999;
constexpr int64_t kMsPerDay = 86400000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Proleptic Gregorian date of a day count since 1970-01-01. Works in 400-year eras
// (146097 days each) counted from 0000-03-01, so the leap day falls at the era's end.
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  days += 719468;  // days from 0000-03-01 to 1970-01-01
  const int64_t era = FloorDiv(days, 146097);
  const int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) /
      365;  // [0, 399]
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // [0, 11], 0 = March
  *day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  *month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

// Day count since 1970-01-01 of a proleptic Gregorian date: the inverse of CivilFromDays.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = FloorDiv(year, 400);
  const int64_t year_of_era = year - era * 400;                            // [0, 399]
  const int64_t month_from_march = (month + 9) % 12;                       // [0, 11], 0 = March
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void PutDigits(char* at, int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

void AppendRfc3339UnixMillis(int64_t unix_ms, std::string* out) {
  if (unix_ms < kMinUnixMs) unix_ms = kMinUnixMs;
  if (unix_ms > kMaxUnixMs) unix_ms = kMaxUnixMs;
  const int64_t days = FloorDiv(unix_ms, kMsPerDay);
  int64_t ms_of_day = unix_ms - days * kMsPerDay;
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[24] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0',
                  '0', ':', '0', '0', ':', '0', '0', '.', '0', '0', '0', 'Z'};
  PutDigits(buf + 0, year, 4);
  PutDigits(buf + 5, month, 2);
  PutDigits(buf + 8, day, 2);
  PutDigits(buf + 11, ms_of_day / 3600000, 2);
  ms_of_day %= 3600000;
  PutDigits(buf + 14, ms_of_day / 60000, 2);
  ms_of_day %= 60000;
  PutDigits(buf + 17, ms_of_day / 1000, 2);
  PutDigits(buf + 20, ms_of_day % 1000, 3);
  out->append(buf, sizeof(buf));
}

std::string FormatRfc3339UnixMillis(int64_t unix_ms) {
  std::string out;
  AppendRfc3339UnixMillis(unix_ms, &out);
  return out;
}

std::optional<int64_t> ParseRfc3339UnixMillis(std::string_view t) {
  auto number = [&](size_t from, size_t n) -> std::optional<int64_t> {
    if (from + n > t.size()) return std::nullopt;
    int64_t value = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      value = value * 10 + (t[i] - '0');
    }
    return value;
  };
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 ||
      *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  int64_t ms =
      (DaysFromCivil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second) * 1000;
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    int64_t scale = 100;
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 == t.size() && (t[i] == 'Z' || t[i] == 'z')) return ms;
  if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':') {
    auto offset_hours = number(i + 1, 2), offset_minutes = number(i + 4, 2);
    if (!offset_hours || !offset_minutes) return std::nullopt;
    const int64_t offset_ms = (*offset_hours * 60 + *offset_minutes) * 60000;
    return t[i] == '+' ? ms - offset_ms : ms + offset_ms;
  }
  return std::nullopt;
}

}  // namespace starttls
