#include "output/json_writer.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "output/utf8.h"

namespace starttls {
namespace {

// What docs/rules.md §6 says one raw byte must become inside the quotes, spelled out per byte
// independently of the writer's tables.
std::string ExpectedRawEscape(int b) {
  switch (b) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      break;
  }
  if (b < 0x20 || b == 0x7F) {
    static const char kHex[] = "0123456789abcdef";
    return std::string("\\u00") + kHex[b >> 4] + kHex[b & 0xF];
  }
  if (b < 0x80) return std::string(1, static_cast<char>(b));
  // U+0080..U+00FF as UTF-8.
  return std::string{static_cast<char>(0xC0 | (b >> 6)), static_cast<char>(0x80 | (b & 0x3F))};
}

TEST(JsonWriterTest, WritesNestedRecordWithCommasAndNewline) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.StringField("type", "host");
  w.IntField("schema", 1);
  w.Key("names");
  w.BeginArray();
  w.String("mx1.example");
  w.String("mx2.example");
  w.EndArray();
  w.Key("empty");
  w.BeginObject();
  w.EndObject();
  w.Key("list");
  w.BeginArray();
  w.BeginArray();
  w.EndArray();
  w.Null();
  w.Bool(true);
  w.Bool(false);
  w.EndArray();
  w.RawBytesField("raw", "250 ok\r\n");
  w.EndObject();
  w.EndLine();
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(
      out,
      "{\"type\":\"host\",\"schema\":1,\"names\":[\"mx1.example\",\"mx2.example\"],\"empty\":{},"
      "\"list\":[[],null,true,false],\"raw\":\"250 ok\\r\\n\"}\n");

  // The writer is ready for the next record, appending to the same buffer.
  w.BeginObject();
  w.UintField("n", 2);
  w.EndObject();
  w.EndLine();
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(out.substr(out.size() - 8), "{\"n\":2}\n");
}

TEST(JsonWriterTest, RawBytesEscapesEveryByteAsSpecified) {
  for (int b = 0; b < 256; ++b) {
    std::string out;
    JsonWriter::AppendQuotedRawBytes(std::string(1, static_cast<char>(b)), &out);
    std::string expected = "\"";  // built by append: GCC 12's -Wrestrict misfires on "x" + string
    expected.append(ExpectedRawEscape(b)).append("\"");
    EXPECT_EQ(out, expected) << "byte " << b;
  }
  // All 256 in one string: the concatenation of the per-byte forms (runs are handled).
  std::string all;
  std::string expected = "\"";
  for (int b = 0; b < 256; ++b) {
    all.push_back(static_cast<char>(b));
    expected += ExpectedRawEscape(b);
  }
  expected += "\"";
  std::string out;
  JsonWriter::AppendQuotedRawBytes(all, &out);
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(IsValidUtf8(out));
}

TEST(JsonWriterTest, TextModeKeepsValidUtf8AndReplacesInvalidBytes) {
  auto quoted = [](std::string_view s) {
    std::string out;
    JsonWriter::AppendQuotedText(s, &out);
    return out;
  };
  EXPECT_EQ(quoted("plain"), "\"plain\"");
  EXPECT_EQ(quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  EXPECT_EQ(quoted("a\"b\\c\nd\x01\x7F"), "\"a\\\"b\\\\c\\nd\\u0001\\u007f\"");
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(quoted("a\xFF"
                   "b"),
            "\"a" + kFffd + "b\"");
  EXPECT_EQ(quoted("\xC0\x80"), "\"" + kFffd + kFffd + "\"");              // overlong NUL
  EXPECT_EQ(quoted("\xED\xA0\x80"), "\"" + kFffd + kFffd + kFffd + "\"");  // UTF-8 surrogate
  EXPECT_EQ(quoted("\xF4\x90\x80\x80"), "\"" + kFffd + kFffd + kFffd + kFffd + "\"");  // > U+10FFFF
  EXPECT_EQ(quoted("\xE2\x82"), "\"" + kFffd + kFffd + "\"");  // truncated sequence
  // Whatever goes in, valid UTF-8 comes out.
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_TRUE(IsValidUtf8(quoted(all)));
}

TEST(JsonWriterTest, WritesNumbersExactly) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  w.Int(std::numeric_limits<int64_t>::min());
  w.Uint(std::numeric_limits<uint64_t>::max());
  w.Int(0);
  w.Double(0.1);
  w.Double(-2.5);
  w.Double(1e300);
  w.Double(12.0);
  w.Double(std::nan(""));
  w.Double(std::numeric_limits<double>::infinity());
  w.EndArray();
  w.EndLine();
  EXPECT_TRUE(w.ok());
  EXPECT_EQ(out, "[-9223372036854775808,18446744073709551615,0,0.1,-2.5,1e+300,12,null,null]\n");
}

TEST(JsonWriterTest, ReportsMisuse) {
  {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Int(1);  // member without a key
    w.EndObject();
    EXPECT_FALSE(w.ok());
  }
  {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.EndArray();  // wrong closer
    EXPECT_FALSE(w.ok());
  }
  {
    std::string out;
    JsonWriter w(&out);
    w.BeginArray();
    w.EndLine();  // container still open
    EXPECT_FALSE(w.ok());
  }
  {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject();
    w.Key("a");
    w.EndObject();  // key without value
    EXPECT_FALSE(w.ok());
  }
  {
    std::string out;
    JsonWriter w(&out);
    w.Int(1);
    w.Int(2);  // two top-level values on one line
    EXPECT_FALSE(w.ok());
  }
  {
    std::string out;
    JsonWriter w(&out);
    w.BeginArray();
    w.Key("k");  // key inside an array
    EXPECT_FALSE(w.ok());
  }
}

TEST(JsonWriterTest, AppendsAfterExistingContent) {
  std::string out = "previous\n";
  JsonWriter w(&out);
  w.BeginObject();
  w.BoolField("x", true);
  w.EndObject();
  w.EndLine();
  EXPECT_EQ(out, "previous\n{\"x\":true}\n");
  EXPECT_EQ(w.depth(), 0);
}

}  // namespace
}  // namespace starttls
