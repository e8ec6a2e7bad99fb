#include "scanner/classify/classify_command.h"

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simdjson.h>

#include "output/raw_bytes.h"
#include "scanner/classify/raw_explanation.h"

namespace starttls {
namespace {

using Record = simdjson::dom::document;

// The records `classify` writes for `input`, each line parsed with simdjson (as the tools
// read them back).
std::vector<Record> RunOn(const std::string& input, size_t* errors) {
  FILE* in = fmemopen(const_cast<char*>(input.data()), input.size(), "r");
  char* buffer = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buffer, &size);
  *errors =
      ClassifyLines(ByteSourceFromFile(in, "standard input"), out, ClassifyInput::kTranscript);
  std::fclose(in);
  std::fclose(out);
  std::string text(buffer, size);
  free(buffer);
  std::vector<Record> records;
  simdjson::dom::parser parser;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    simdjson::padded_string line(std::string_view(text).substr(start, end - start));
    Record record;
    simdjson::dom::element root;
    auto error = parser.parse_into_document(record, line.data(), line.size()).get(root);
    EXPECT_EQ(error, simdjson::SUCCESS) << simdjson::error_message(error);
    if (!error) records.push_back(std::move(record));
    start = end + 1;
  }
  return records;
}

TEST(ClassifyCommand, OneRecordPerLineAndErrorsNameTheLine) {
  std::string input = R"({"banner":"220 mx ESMTP\r\n","ehlo":"250-mx\r\n250 STARTTLS\r\n"})"
                      "\n"
                      "not json at all\n"
                      "\n"
                      R"({"banner":"220 mx ESMTP\r\n"})"
                      "\n"
                      R"({"ehlo":"250 \u0100"})"
                      "\n"
                      R"([1,2])"
                      "\n"
                      R"({"ehlo":"250-STARTTLS\r\n250 mx\r\n"})";  // no final newline
  size_t errors = 0;
  std::vector<Record> records = RunOn(input, &errors);
  ASSERT_EQ(records.size(), 6u) << "the blank line yields nothing, every other line one record";
  EXPECT_EQ(errors, 4u);
  EXPECT_EQ(std::string_view(records[0].root()["type"]), "classify");
  EXPECT_EQ(std::string_view(records[0].root()["class"]), "compliant");
  EXPECT_EQ(int64_t(records[0].root()["line"]), 1);
  EXPECT_EQ(std::string_view(records[1].root()["type"]), "error");
  EXPECT_EQ(int64_t(records[1].root()["line"]), 2);
  EXPECT_TRUE(std::string_view(records[1].root()["error"]).starts_with("line 2: "));
  EXPECT_EQ(std::string_view(records[1].root()["input"]), "not json at all");
  EXPECT_NE(std::string_view(records[2].root()["error"]).find("ehlo"), std::string::npos);
  EXPECT_EQ(int64_t(records[2].root()["line"]), 4);
  EXPECT_NE(std::string_view(records[3].root()["error"]).find("U+00FF"), std::string::npos)
      << std::string_view(records[3].root()["error"]);
  EXPECT_EQ(std::string_view(records[4].root()["type"]), "error");
  EXPECT_EQ(std::string_view(records[5].root()["class"]), "starttls_misordered");
  EXPECT_EQ(int64_t(records[5].root()["line"]), 7);
  for (const Record& record : records) EXPECT_EQ(int64_t(record.root()["schema"]), 1);
}

TEST(ClassifyCommand, OverlongLineIsAnErrorAndTheRunGoesOn) {
  std::string input =
      std::string(3 << 20, 'x') + "\n" + R"({"ehlo":"250-mx\r\n250 STARTTLS\r\n"})" + "\n";
  size_t errors = 0;
  std::vector<Record> records = RunOn(input, &errors);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(errors, 1u);
  EXPECT_EQ(std::string_view(records[0].root()["type"]), "error");
  EXPECT_EQ(std::string_view(records[1].root()["class"]), "compliant");
  EXPECT_EQ(int64_t(records[1].root()["line"]), 2);
}

TEST(ClassifyCommand, RawBytesSurviveInGreetingAndKeywords) {
  size_t errors = 0;
  std::vector<Record> records = RunOn(R"({"ehlo":"250-m\u00e9x\u0001\r\n250 AUTH=PLAIN LOGIN\r\n"})"
                                      "\n",
                                      &errors);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(*DecodeRawBytes(std::string_view(records[0].root()["greeting"])), "m\xe9x\x01");
  simdjson::dom::element keyword = records[0].root()["keywords"].at(0);
  EXPECT_EQ(std::string_view(keyword["keyword"]), "AUTH");
  EXPECT_EQ(std::string_view(keyword["params"]), "PLAIN LOGIN");
}

TEST(ClassifyRaw, ExplainsTheMisorderedSeed) {
  std::string text = ExplainEhloReply(
      "250-STARTTLS\n250-mail.domain1.com\n250-8BITMIME\n250-PIPELINING\n250 SIZE 30000000");
  EXPECT_NE(text.find("Verdict: starttls_misordered"), std::string::npos) << text;
  EXPECT_NE(text.find("Line 1 is the greeting"), std::string::npos);
  EXPECT_NE(text.find("250-STARTTLS"), std::string::npos);
  // Postfix is listed among those that will not see it, curl among those that will.
  size_t will_not = text.find("will NOT see");
  ASSERT_NE(will_not, std::string::npos);
  EXPECT_GT(text.find("    postfix"), will_not);
  EXPECT_LT(text.find("    curl"), will_not);
  // The fix puts the host name first and STARTTLS second.
  EXPECT_NE(text.find("    250-mail.domain1.com\n    250-STARTTLS\n"), std::string::npos) << text;
}

TEST(ClassifyRaw, ExplainsCompliantAndBrokenReplies) {
  EXPECT_NE(ExplainEhloReply("250-mx\r\n250 STARTTLS\r\n").find("Verdict: compliant"),
            std::string::npos);
  std::string broken = ExplainEhloReply("HTTP/1.1 400 Bad Request\r\n");
  EXPECT_NE(broken.find("protocol-error"), std::string::npos) << broken;
  std::string masked = ExplainEhloReply("250-mx\r\n250 XXXXXXXA\r\n");
  EXPECT_NE(masked.find("inspect esmtp"), std::string::npos) << masked;
}

}  // namespace
}  // namespace starttls
