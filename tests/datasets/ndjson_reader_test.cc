// The streaming NDJSON reader (output/ndjson_reader.h): every record once with its line
// number whatever the chunk and batch sizes, bad lines reported by number while the rest is
// read, overlong lines skipped without holding them, raw bytes exact, gzip and zstd input
// (also several members/frames, truncated and corrupt data).
#include "output/ndjson_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "output/json_writer.h"
#include "output/raw_bytes.h"

namespace starttls {
namespace {

struct Seen {
  std::vector<std::pair<uint64_t, std::string>> records;  // line, value of "v"
  std::vector<std::pair<uint64_t, std::string>> bad;      // line, error
  absl::Status status;
};

Seen ReadAll(const std::string& bytes, NdjsonOptions options = {}) {
  FILE* file = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
  if (bytes.empty()) file = fopen("/dev/null", "rb");
  Seen seen;
  NdjsonReader reader(ByteSourceFromFile(file, "test"), options);
  seen.status = reader.Run(
      [&](NdjsonRecord& record) -> std::string {
        simdjson::ondemand::object object;
        if (record.doc.get_object().get(object)) return "not an object";
        std::string_view value;
        if (object["v"].get_string().get(value)) return "no v";
        seen.records.emplace_back(record.line, std::string(value));
        return "";
      },
      [&](const NdjsonBadLine& bad) { seen.bad.emplace_back(bad.line, bad.error); });
  std::fclose(file);
  return seen;
}

std::string Record(const std::string& v) { return "{\"t\":1,\"v\":\"" + v + "\"}"; }

TEST(NdjsonReader, EveryRecordOnceWithItsLineAtAnyChunkSize) {
  std::string input;
  for (int i = 1; i <= 300; ++i)
    input += Record("r" + std::to_string(i)) + (i % 7 == 0 ? "\r\n" : "\n");
  for (size_t chunk : {64u, 100u, 1000u, 4096u, 1u << 20}) {
    for (size_t batch : {64u, 512u, 1u << 20}) {
      NdjsonOptions options;
      options.chunk_bytes = chunk;
      options.batch_bytes = batch;
      Seen seen = ReadAll(input, options);
      ASSERT_TRUE(seen.status.ok());
      ASSERT_EQ(seen.records.size(), 300u) << "chunk " << chunk << " batch " << batch;
      EXPECT_TRUE(seen.bad.empty()) << seen.bad.front().second;
      for (size_t i = 0; i < seen.records.size(); ++i) {
        EXPECT_EQ(seen.records[i].first, i + 1);
        EXPECT_EQ(seen.records[i].second, "r" + std::to_string(i + 1));
      }
    }
  }
}

TEST(NdjsonReader, BadLinesAreNamedAndTheRestIsRead) {
  const std::string input = Record("a") + "\n" +                      // 1
                            "not json at all\n" +                     // 2
                            "\n" +                                    // 3 blank
                            Record("b") + " " + Record("x") + "\n" +  // 4 two texts on one line
                            "{\"v\":\n\"split\"}\n" +                 // 5-6 one text over two lines
                            "{\"v\":\"\xff\"}\n" +                    // 7 invalid UTF-8
                            "[1,2]\n" +                               // 8 rejected by the caller
                            Record("c") + "\n" +                      // 9
                            "   \t\n" +                               // 10 blank
                            "{\"v\":\"trunc";                         // 11 cut, no line end
  for (size_t chunk : {16u, 64u, 1u << 20}) {
    NdjsonOptions options;
    options.chunk_bytes = chunk;
    options.batch_bytes = 64;
    Seen seen = ReadAll(input, options);
    ASSERT_TRUE(seen.status.ok());
    ASSERT_EQ(seen.records.size(), 2u) << "chunk " << chunk;
    EXPECT_EQ(seen.records[0], (std::pair<uint64_t, std::string>{1, "a"}));
    EXPECT_EQ(seen.records[1], (std::pair<uint64_t, std::string>{9, "c"}));
    std::vector<uint64_t> bad_lines;
    for (const auto& [line, error] : seen.bad) bad_lines.push_back(line);
    EXPECT_EQ(bad_lines, (std::vector<uint64_t>{2, 4, 5, 6, 7, 8, 11})) << "chunk " << chunk;
    EXPECT_NE(seen.bad[0].second.find("line 2: not JSON"), std::string::npos) << seen.bad[0].second;
  }
}

TEST(NdjsonReader, OverlongLinesAreSkippedAndCounted) {
  NdjsonOptions options;
  options.max_record_bytes = 100;
  options.chunk_bytes = 32;
  const std::string input = Record("a") + "\n" + "{\"v\":\"" + std::string(5000, 'x') + "\"}\n" +
                            Record("b") + "\n" + std::string(300, 'y');
  Seen seen = ReadAll(input, options);
  ASSERT_EQ(seen.records.size(), 2u);
  EXPECT_EQ(seen.records[1], (std::pair<uint64_t, std::string>{3, "b"}));
  ASSERT_EQ(seen.bad.size(), 2u);
  EXPECT_EQ(seen.bad[0].first, 2u);
  EXPECT_NE(seen.bad[0].second.find("longer than 100 bytes"), std::string::npos);
  EXPECT_EQ(seen.bad[1].first, 4u);
}

TEST(NdjsonReader, MixedGoodAndBadLinesMatchAModelAtRandomSizes) {
  std::mt19937 random(7);
  std::string input;
  std::vector<std::pair<uint64_t, std::string>> expected_good;
  std::vector<uint64_t> expected_bad;
  for (uint64_t line = 1; line <= 3000; ++line) {
    switch (random() % 10) {
      case 0:
        input += "{broken\n";
        expected_bad.push_back(line);
        break;
      case 1:
        input += "\n";
        break;
      case 2:
        input += Record("a") + " " + Record("b") + "\n";
        expected_bad.push_back(line);
        break;
      case 3:
        input += "{\"v\":\"\xc3\"}\n";
        expected_bad.push_back(line);
        break;
      case 4:  // one text over two lines: both are bad
        input += "{\"v\":\n\"x\"}\n";
        expected_bad.push_back(line);
        expected_bad.push_back(++line);
        break;
      default: {
        std::string v = "v" + std::to_string(line) + std::string(random() % 200, 'z');
        input += Record(v) + "\n";
        expected_good.emplace_back(line, v);
      }
    }
  }
  for (int round = 0; round < 12; ++round) {
    NdjsonOptions options;
    options.chunk_bytes = 50 + random() % 5000;
    options.batch_bytes = 300 + random() % 3000;
    Seen seen = ReadAll(input, options);
    EXPECT_EQ(seen.records, expected_good) << "chunk " << options.chunk_bytes;
    std::vector<uint64_t> bad;
    for (const auto& entry : seen.bad) bad.push_back(entry.first);
    EXPECT_EQ(bad, expected_bad);
  }
}

// A reader that walks into a malformed part of a record (On-Demand finds it only then)
// abandons that document; the records after it in the same stream still arrive.
TEST(NdjsonReader, AnErrorInsideARecordDoesNotStopTheStream) {
  std::string input;
  for (int i = 1; i <= 40; ++i) {
    input += i % 5 == 0 ? "{\"v\":\"bad\",\"w\":[1,2 3],\"x\":{\"y\":}}\n"
                        : Record("r" + std::to_string(i)) + "\n";
  }
  for (size_t batch : {128u, 1u << 20}) {
    NdjsonOptions options;
    options.batch_bytes = batch;
    options.chunk_bytes = 300;
    FILE* file = fmemopen(input.data(), input.size(), "rb");
    NdjsonReader reader(ByteSourceFromFile(file, "test"), options);
    std::vector<uint64_t> good, bad;
    ASSERT_TRUE(reader
                    .Run(
                        [&](NdjsonRecord& record) -> std::string {
                          simdjson::ondemand::object object;
                          if (record.doc.get_object().get(object)) return "not an object";
                          for (auto field : object) {  // read every member, arrays item by item
                            simdjson::ondemand::value value;
                            if (field.value().get(value)) return "bad member";
                            simdjson::ondemand::array array;
                            if (!value.get_array().get(array)) {
                              for (auto item : array) {
                                int64_t n;
                                if (item.get_int64().get(n)) return "bad item";
                              }
                            }
                          }
                          good.push_back(record.line);
                          return "";
                        },
                        [&](const NdjsonBadLine& line) { bad.push_back(line.line); })
                    .ok());
    std::fclose(file);
    EXPECT_EQ(bad, (std::vector<uint64_t>{5, 10, 15, 20, 25, 30, 35, 40})) << "batch " << batch;
    EXPECT_EQ(good.size(), 32u) << "batch " << batch;
  }
}

// Inputs the fuzzer found (fuzz/datasets/corpus/regression_*; first byte: chunk and batch
// sizes): every line once, in order, and no read outside the buffer.
TEST(NdjsonReader, FuzzerRegressions) {
  for (const char* name : {"regression_abandoned_document", "regression_source_out_of_bounds"}) {
    std::ifstream in(std::string(STARTTLS_FUZZ_DIR) + "/datasets/corpus/" + name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1u) << name;
    NdjsonOptions options;
    options.chunk_bytes = 16u << (bytes[0] & 7);
    options.batch_bytes = 64u << ((bytes[0] >> 3) & 7);
    options.max_record_bytes = 4096;
    std::string input = bytes.substr(1);
    FILE* file = fmemopen(input.data(), input.size(), "rb");
    NdjsonReader reader(ByteSourceFromFile(file, name), options);
    uint64_t last = 0;
    (void)reader.Run(
        [&](NdjsonRecord& record) -> std::string {
          EXPECT_GT(record.line, last) << name;
          last = record.line;
          simdjson::ondemand::object object;
          if (record.doc.get_object().get(object)) return "";
          for (auto field : object) {
            std::string_view key;
            if (field.unescaped_key().get(key)) break;
          }
          return "";
        },
        [&](const NdjsonBadLine& bad) {
          EXPECT_GT(bad.line, last) << name;
          last = bad.line;
        });
    std::fclose(file);
    EXPECT_GT(last, 0u) << name;
  }
}

TEST(NdjsonReader, RawBytesRoundTripExactly) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  std::string line;
  JsonWriter writer(&line);
  writer.BeginObject();
  writer.RawBytesField("v", all_bytes);
  writer.EndObject();
  writer.EndLine();
  Seen seen = ReadAll(line + line);
  ASSERT_EQ(seen.records.size(), 2u);
  auto bytes = DecodeRawBytes(seen.records[0].second);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, all_bytes);
}

std::string Gzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST(NdjsonReader, GzipAndZstdByTheirFirstBytesAlsoConcatenated) {
  std::string first, second;
  for (int i = 1; i <= 500; ++i)
    (i <= 250 ? first : second) += Record("r" + std::to_string(i)) + "\n";
  for (const std::string& packed : {Gzip(first) + Gzip(second), Zstd(first) + Zstd(second)}) {
    NdjsonOptions options;
    options.chunk_bytes = 1000;
    Seen seen = ReadAll(packed, options);
    EXPECT_TRUE(seen.status.ok()) << seen.status;
    ASSERT_EQ(seen.records.size(), 500u);
    EXPECT_EQ(seen.records.back(), (std::pair<uint64_t, std::string>{500, "r500"}));
  }
  EXPECT_EQ(DetectCompression(Gzip("x")), Compression::kGzip);
  EXPECT_EQ(DetectCompression(Zstd("x")), Compression::kZstd);
  EXPECT_EQ(DetectCompression("{\"a\""), Compression::kNone);
}

TEST(NdjsonReader, TruncatedOrCorruptCompressedInputIsAnError) {
  std::string data;
  for (int i = 0; i < 2000; ++i) data += Record("r" + std::to_string(i)) + "\n";
  for (std::string packed : {Gzip(data), Zstd(data)}) {
    std::string cut = packed.substr(0, packed.size() / 2);
    Seen seen = ReadAll(cut);
    EXPECT_FALSE(seen.status.ok());
    EXPECT_NE(std::string(seen.status.message()).find("truncated"), std::string::npos)
        << seen.status;
    std::string corrupt = packed;
    for (size_t i = 20; i < corrupt.size() - 20; i += 97) corrupt[i] ^= 0x5a;
    EXPECT_FALSE(ReadAll(corrupt).status.ok());
  }
}

}  // namespace
}  // namespace starttls
