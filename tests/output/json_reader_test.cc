#include "output/json_reader.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "output/json_writer.h"

namespace starttls {
namespace {

TEST(JsonReaderTest, ParsesEveryKindKeepingMemberOrder) {
  auto v = ParseJson(R"( {"z":null,"b":true,"a":[1,-2.5e3,"s",{}],"f":false,"o":{"k":[]}} )");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->is_object());
  const auto& members = v->object();
  ASSERT_EQ(members.size(), 5u);
  EXPECT_EQ(members[0].first, "z");
  EXPECT_EQ(members[1].first, "b");
  EXPECT_EQ(members[2].first, "a");
  EXPECT_TRUE(members[0].second.is_null());
  EXPECT_TRUE(v->Find("b")->bool_value());
  EXPECT_FALSE(v->Find("f")->bool_value());
  EXPECT_TRUE(v->Find("f")->is_bool());
  const auto& a = v->Find("a")->array();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0].number(), 1.0);
  EXPECT_EQ(a[1].number(), -2500.0);
  EXPECT_EQ(a[1].number_text(), "-2.5e3");
  EXPECT_EQ(a[2].string(), "s");
  EXPECT_TRUE(a[3].is_object());
  EXPECT_TRUE(v->Find("o")->Find("k")->is_array());
  EXPECT_EQ(v->Find("missing"), nullptr);
}

TEST(JsonReaderTest, NumbersKeepTheirTextForExactIntegers) {
  auto v = ParseJson("[9007199254740993,-9223372036854775808,18446744073709551615,1.5,1e2,-0]");
  ASSERT_TRUE(v.ok()) << v.status();
  const auto& a = v->array();
  EXPECT_EQ(a[0].AsUint64(), 9007199254740993u);  // not representable as a double
  EXPECT_EQ(a[0].AsInt64(), 9007199254740993);
  EXPECT_EQ(a[1].AsInt64(), INT64_MIN);
  EXPECT_EQ(a[1].AsUint64(), std::nullopt);
  EXPECT_EQ(a[2].AsUint64(), UINT64_MAX);
  EXPECT_EQ(a[2].AsInt64(), std::nullopt);
  EXPECT_EQ(a[3].AsInt64(), std::nullopt);
  EXPECT_EQ(a[4].AsInt64(), std::nullopt);  // exponent form is not an integer text
  EXPECT_EQ(a[4].number(), 100.0);
  EXPECT_EQ(a[5].AsInt64(), 0);
}

TEST(JsonReaderTest, DecodesEscapesAndSurrogatePairs) {
  auto v = ParseJson(R"("a\"b\\c\/d\b\f\n\r\t\u0000\u00e9\u20AC\ud83d\ude00")");
  ASSERT_TRUE(v.ok()) << v.status();
  static constexpr char kExpected[] = "a\"b\\c/d\b\f\n\r\t\0\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  EXPECT_EQ(v->string(), std::string(kExpected, sizeof(kExpected) - 1));
  // Raw (unescaped) UTF-8 passes through.
  auto raw = ParseJson("\"caf\xC3\xA9\"");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->string(), "caf\xC3\xA9");
}

struct BadInput {
  std::string text;
  std::string expected_message;  // a substring of the status message
};

TEST(JsonReaderTest, RejectsMalformedInputNamingOffsetAndExpectation) {
  const std::vector<BadInput> cases = {
      {"", "JSON offset 0: expected a value, found end of input"},
      {"   ", "JSON offset 3: expected a value, found end of input"},
      {R"({"a":1)", "JSON offset 6: expected ',' or '}' in object, found end of input"},
      {"[1,2", "JSON offset 4: expected ',' or ']' in array, found end of input"},
      {"[1 2]", "JSON offset 3: expected ',' or ']' in array, found '2'"},
      {"[1,]", "JSON offset 3: expected a value (object, array, string, number, true, false or null), found ']'"},
      {R"({"a" 1})", "JSON offset 5: expected ':' after object key, found '1'"},
      {R"({"a":1,})", "JSON offset 7: expected '\"' starting an object key, found '}'"},
      {"{1:2}", "JSON offset 1: expected '\"' starting an object key, found '1'"},
      {"\"abc", "JSON offset 4: unterminated string (opened at offset 0)"},
      {R"("\x")", "JSON offset 1: invalid escape: backslash followed by 'x'"},
      {R"("\u12")", "JSON offset 3: expected four hex digits after \\u"},
      {R"("\u12G4")", "JSON offset 3: expected four hex digits after \\u"},
      {R"("\ud800")", "JSON offset 1: lone high surrogate \\uD800"},
      {R"("\ud800x")", "JSON offset 1: lone high surrogate \\uD800"},
      {R"("\udc00")", "JSON offset 1: lone low surrogate \\uDC00"},
      {R"("\ud800\u0041")", "JSON offset 1: high surrogate \\uD800 followed by \\u0041, not a low surrogate"},
      {"\"a\x01\"", "JSON offset 2: raw control character byte 0x01 in string"},
      {"\"\xFF\"", "JSON offset 1: invalid UTF-8 in string"},
      {"\"\xC0\x80\"", "JSON offset 1: invalid UTF-8 in string"},
      {"\"\xED\xA0\x80\"", "JSON offset 1: invalid UTF-8 in string"},
      {R"({"a":1} x)", "JSON offset 8: unexpected 'x' after the JSON value"},
      {"[1]]", "JSON offset 3: unexpected ']' after the JSON value"},
      {"1 2", "JSON offset 2: unexpected '2' after the JSON value"},
      {"01", "JSON offset 1: leading zeros are not allowed in a number"},
      {"-", "JSON offset 1: expected a digit in number, found end of input"},
      {"-a", "JSON offset 1: expected a digit in number, found 'a'"},
      {"1.", "JSON offset 2: expected a digit after '.' in number, found end of input"},
      {"1e", "JSON offset 2: expected a digit in number exponent, found end of input"},
      {"+1", "JSON offset 0: expected a value (object, array, string, number, true, false or null), found '+'"},
      {"1e400", "JSON offset 0: number is outside the range of a double"},
      {"tru", "JSON offset 0: expected 'true'"},
      {"nul", "JSON offset 0: expected 'null'"},
      {"NaN", "found 'N'"},
      {"[1,\xFF]", "JSON offset 3: expected a value (object, array, string, number, true, false or null), found byte 0xFF"},
      {R"({"a":1,"a":2})", "JSON offset 7: duplicate object key \"a\""},
  };
  for (const BadInput& c : cases) {
    auto v = ParseJson(c.text);
    ASSERT_FALSE(v.ok()) << "accepted: " << c.text;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(std::string(v.status().message()).find(c.expected_message), std::string::npos)
        << "input: " << c.text << "\nmessage: " << v.status().message() << "\nwanted: " << c.expected_message;
  }
}

TEST(JsonReaderTest, RejectsDepthBombWithoutRecursingFurther) {
  const std::string bomb(200000, '[');
  auto v = ParseJson(bomb);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(v.status().message()).find("JSON offset 64: nesting deeper than 64 levels"), std::string::npos)
      << v.status();

  // Exactly at the cap is fine; one more is not.
  const std::string at_cap = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(ParseJson(at_cap).ok());
  const std::string over_cap = std::string(65, '[') + std::string(65, ']');
  EXPECT_FALSE(ParseJson(over_cap).ok());
  std::string objects;
  for (int i = 0; i < 65; ++i) objects += "{\"a\":";
  objects += '1';
  objects.append(65, '}');
  EXPECT_EQ(ParseJson(objects).status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(JsonReaderTest, EnforcesInputSizeAndElementCaps) {
  JsonParseLimits limits;
  limits.max_input_bytes = 6;
  auto too_big = ParseJson("[1,2,3]", limits);
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(too_big.status().message()).find("7 bytes exceeds the cap of 6"), std::string::npos);

  limits = JsonParseLimits();
  limits.max_elements = 10;
  EXPECT_TRUE(ParseJson("[1,2,3,4,5,6,7,8,9]", limits).ok());  // 10 values with the array
  auto too_many = ParseJson("[1,2,3,4,5,6,7,8,9,10]", limits);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(too_many.status().message()).find("more than 10 JSON values"), std::string::npos);
}

TEST(JsonReaderTest, DuplicateKeysInLargeObjectsAreFound) {
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const size_t duplicate_offset = text.size();
  text += "\"k42\":0}";
  auto v = ParseJson(text);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("JSON offset " + std::to_string(duplicate_offset) + ": duplicate"),
            std::string::npos)
      << v.status();

  JsonParseLimits limits;
  limits.allow_duplicate_keys = true;
  auto allowed = ParseJson(text, limits);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->Find("k42")->number(), 42.0);  // Find returns the first
  EXPECT_EQ(allowed->object().size(), 101u);
}

TEST(JsonReaderTest, WriteJsonValueRoundTrips) {
  const std::string text =
      R"({"type":"host","n":[1,-2,0.5,1e+300,18446744073709551615,-9223372036854775808],)"
      R"("s":"\u0000\u001f\"\\\u00ff\u20ac\ud83d\ude00","b":[true,false,null],"o":{"":{}}})";
  auto first = ParseJson(text);
  ASSERT_TRUE(first.ok()) << first.status();
  std::string written;
  JsonWriter w(&written);
  WriteJsonValue(*first, &w);
  w.EndLine();
  ASSERT_TRUE(w.ok());
  auto second = ParseJson(written);
  ASSERT_TRUE(second.ok()) << second.status() << "\n" << written;
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(second->Find("n")->array()[4].AsUint64(), UINT64_MAX);
}

TEST(DecodeRawBytesTest, MapsLatin1CodePointsToBytes) {
  auto bytes = DecodeRawBytes("a\xC2\x80\xC3\xBF");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, "a\x80\xFF");
  EXPECT_EQ(*DecodeRawBytes(std::string("\0x", 2)), std::string("\0x", 2));
  EXPECT_EQ(*DecodeRawBytes(""), "");
}

TEST(DecodeRawBytesTest, RejectsCodePointsAboveU00FF) {
  auto bytes = DecodeRawBytes("ab\xC4\x80");  // U+0100 at offset 2
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(bytes.status().message()).find("offset 2: code point U+0100 is above U+00FF"),
            std::string::npos)
      << bytes.status();
  auto emoji = DecodeRawBytes("\xF0\x9F\x98\x80");
  EXPECT_NE(std::string(emoji.status().message()).find("U+1F600"), std::string::npos) << emoji.status();
}

TEST(DecodeRawBytesTest, RejectsInvalidUtf8) {
  auto bytes = DecodeRawBytes("ok\xFF");
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(std::string(bytes.status().message()).find("offset 2: invalid UTF-8"), std::string::npos)
      << bytes.status();
}

}  // namespace
}  // namespace starttls
