// Acceptance: every vector of tests/vectors/ehlo.jsonl (the public vector file), and every case of our own
// extra_vectors.jsonl (same format), classified exactly: status, class, the full sorted
// anomaly list and every client view — through the same path as `starttls-scan classify`.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "output/json_reader.h"
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
    auto parsed = ParseJson(line);
    EXPECT_TRUE(parsed.ok()) << path << ": " << parsed.status();
    if (!parsed.ok()) continue;
    const JsonValue* id = parsed->Find("id");
    vectors.push_back({id ? id->string() : "?", line});
  }
  return vectors;
}

void CheckVector(const Vector& vector) {
  SCOPED_TRACE(vector.id);
  JsonValue input = *ParseJson(vector.line);
  const JsonValue* expected = input.Find("expected");
  ASSERT_NE(expected, nullptr);
  ClassifiedLine classified = ClassifyTranscriptLine(vector.line, 1);
  ASSERT_FALSE(classified.is_error) << classified.json;
  auto actual = ParseJson(classified.json);
  ASSERT_TRUE(actual.ok()) << actual.status();

  EXPECT_EQ(actual->Find("status")->string(), expected->Find("status")->string());
  const JsonValue* expected_class = expected->Find("class");
  const JsonValue* actual_class = actual->Find("class");
  if (expected_class == nullptr || expected_class->is_null()) {
    EXPECT_TRUE(actual_class->is_null()) << classified.json;
  } else {
    EXPECT_EQ(actual_class->string(), expected_class->string());
  }
  EXPECT_EQ(*actual->Find("anomalies"), *expected->Find("anomalies")) << classified.json;
  const JsonValue* expected_clients = expected->Find("clients");
  const JsonValue* actual_clients = actual->Find("clients");
  if (expected_clients == nullptr || expected_clients->is_null()) {
    EXPECT_EQ(actual_clients, nullptr) << classified.json;
    return;
  }
  ASSERT_NE(actual_clients, nullptr) << classified.json;
  ASSERT_EQ(actual_clients->object().size(), expected_clients->object().size());
  for (const auto& [client, sees] : expected_clients->object()) {
    const JsonValue* got = actual_clients->Find(client);
    ASSERT_NE(got, nullptr) << client;
    EXPECT_EQ(got->bool_value(), sees.bool_value()) << client;
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
