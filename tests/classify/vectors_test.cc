// Acceptance: every vector of tests/vectors/ehlo.jsonl (the public vector file), and every case of
// our own extra_vectors.jsonl (same format), classified exactly: status, class, the full sorted
// anomaly list and every client view — through the same path as `starttls-scan classify`.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <simdjson.h>

#include "scanner/classify/classify_command.h"

namespace starttls {
namespace {

struct Vector {
  std::string id;
  std::string line;
};

std::vector<Vector> LoadVectors(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::vector<Vector> vectors;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    simdjson::dom::parser parser;
    simdjson::dom::element parsed;
    auto error = parser.parse(line).get(parsed);
    EXPECT_EQ(error, simdjson::SUCCESS) << path << ": " << simdjson::error_message(error);
    if (error) continue;
    std::string_view id;
    if (parsed["id"].get(id)) id = "?";
    vectors.push_back({std::string(id), line});
  }
  return vectors;
}

void CheckVector(const Vector& vector) {
  SCOPED_TRACE(vector.id);
  simdjson::dom::parser input_parser;
  simdjson::dom::parser output_parser;
  simdjson::dom::element expected;
  ASSERT_EQ(input_parser.parse(vector.line)["expected"].get(expected), simdjson::SUCCESS);
  ClassifiedLine classified = ClassifyTranscriptLine(vector.line, 1);
  ASSERT_FALSE(classified.is_error) << classified.json;
  simdjson::dom::element actual;
  auto error = output_parser.parse(classified.json).get(actual);
  ASSERT_EQ(error, simdjson::SUCCESS) << simdjson::error_message(error);

  EXPECT_EQ(std::string_view(actual["status"]), std::string_view(expected["status"]));
  simdjson::dom::element expected_class;
  if (expected["class"].get(expected_class) || expected_class.is_null()) {
    EXPECT_TRUE(actual["class"].is_null()) << classified.json;
  } else {
    EXPECT_EQ(std::string_view(actual["class"]), std::string_view(expected_class));
  }
  EXPECT_EQ(simdjson::minify(actual["anomalies"]), simdjson::minify(expected["anomalies"]))
      << classified.json;
  simdjson::dom::element expected_clients;
  simdjson::dom::element actual_clients_value;
  bool has_actual = !actual["clients"].get(actual_clients_value);
  if (expected["clients"].get(expected_clients) || expected_clients.is_null()) {
    EXPECT_FALSE(has_actual) << classified.json;
    return;
  }
  ASSERT_TRUE(has_actual) << classified.json;
  simdjson::dom::object actual_clients;
  ASSERT_EQ(actual_clients_value.get(actual_clients), simdjson::SUCCESS) << classified.json;
  simdjson::dom::object expected_object = expected_clients;
  ASSERT_EQ(actual_clients.size(), expected_object.size());
  for (auto [client, sees] : expected_object) {
    bool got = false;
    ASSERT_EQ(actual_clients[client].get(got), simdjson::SUCCESS) << client;
    EXPECT_EQ(got, bool(sees)) << client;
  }
}

TEST(Vectors, SharedVectorsAllPass) {
  std::vector<Vector> vectors = LoadVectors(STARTTLS_VECTORS_DIR "/ehlo.jsonl");
  ASSERT_GE(vectors.size(), 13u);
  for (const Vector& vector : vectors) CheckVector(vector);
}

TEST(Vectors, ProjectVectorsAllPass) {
  std::vector<Vector> vectors = LoadVectors(STARTTLS_TESTS_DIR "/classify/extra_vectors.jsonl");
  ASSERT_GE(vectors.size(), 10u);
  for (const Vector& vector : vectors) CheckVector(vector);
}

}  // namespace
}  // namespace starttls
