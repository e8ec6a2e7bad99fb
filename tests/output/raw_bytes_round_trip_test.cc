// Server bytes written in raw mode come back byte for byte through the records' reader
// (simdjson, output/ndjson_reader.h) and DecodeRawBytes (docs/rules.md §6: "a consumer recovers the
// exact bytes").
#include <cstdint>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "output/json_writer.h"
#include "output/ndjson_reader.h"
#include "output/raw_bytes.h"
#include "output/utf8.h"

namespace starttls {
namespace {

// Writes `bytes` as a raw field of a record, parses the line back, decodes the field.
std::string RoundTrip(const std::string& bytes) {
  std::string line;
  JsonWriter w(&line);
  w.BeginObject();
  w.RawBytesField("raw", bytes);
  w.EndObject();
  w.EndLine();
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE(IsValidUtf8(line));
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a record must be exactly one line";
  std::string result = "<missing>";
  std::string error = ParseOneJsonText(line, [&](simdjson::ondemand::document_reference doc) {
    std::string_view raw;
    if (doc["raw"].get_string().get(raw)) return std::string("no string \"raw\"");
    auto decoded = DecodeRawBytes(raw);
    if (!decoded.ok()) return std::string(decoded.status().message());
    result = *decoded;
    return std::string();
  });
  EXPECT_EQ(error, "");
  return error.empty() ? result : "<" + error + ">";
}

TEST(RawBytesRoundTripTest, EverySingleByte) {
  for (int b = 0; b < 256; ++b) {
    const std::string bytes(1, static_cast<char>(b));
    EXPECT_EQ(RoundTrip(bytes), bytes) << "byte " << b;
  }
}

TEST(RawBytesRoundTripTest, All256BytesInOneString) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(RoundTrip(all), all);
  std::string reversed(all.rbegin(), all.rend());
  EXPECT_EQ(RoundTrip(reversed), reversed);
}

TEST(RawBytesRoundTripTest, RandomByteStrings) {
  std::mt19937 rng(20261127);  // fixed seed: failures reproduce
  std::uniform_int_distribution<int> length(0, 600);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> pick(0, 3);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes;
    const int n = length(rng);
    for (int j = 0; j < n; ++j) {
      // Bias toward the interesting bytes: controls, quote/backslash, high bytes.
      switch (pick(rng)) {
        case 0:
          bytes.push_back(static_cast<char>(byte(rng) & 0x1F));
          break;
        case 1:
          bytes.push_back(static_cast<char>(0x80 | byte(rng)));
          break;
        case 2:
          bytes.push_back("\"\\\r\n\x7F"[byte(rng) % 5]);
          break;
        default:
          bytes.push_back(static_cast<char>(byte(rng)));
      }
    }
    ASSERT_EQ(RoundTrip(bytes), bytes) << "iteration " << i;
  }
}

TEST(RawBytesRoundTripTest, LikelyServerReplies) {
  const std::string replies[] = {
      "220 mail.example.com ESMTP Postfix\r\n",
      "250-STARTTLS\r\n250-mail.example.com\r\n250 8BITMIME\r\n",
      "220 ************************\r\n",
      "250-mail.example.com Hello\n250-XXXXXXXA\r\n250 \xE9t\xE9 SIZE\r\n",
      std::string("220 nul\0here\r\n", 14),
  };
  for (const std::string& reply : replies) EXPECT_EQ(RoundTrip(reply), reply);
}

}  // namespace
}  // namespace starttls
