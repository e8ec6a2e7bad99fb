// Classification throughput on the test vectors (issue 2, acceptance 4).
//   build/bin/classify-bench [--benchmark_min_time=2]
// BM_FrameAndJudge: framing + classification of banner/EHLO/HELO bytes, per transcript.
// BM_ClassifyJsonLine: the whole `classify` path, JSON line in, JSON record out.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <simdjson.h>

#include "output/raw_bytes.h"
#include "scanner/classify/classify_command.h"
#include "scanner/classify/transcript.h"

namespace starttls {
namespace {

struct RawTranscript {
  std::string banner, ehlo, helo;
  bool has_helo = false;
};

struct Corpus {
  std::vector<std::string> lines;
  std::vector<RawTranscript> transcripts;
};

// One vector line's transcript bytes (raw fields, decoded back to bytes).
RawTranscript ReadTranscript(simdjson::dom::element transcript) {
  RawTranscript bytes;
  auto field = [&](const char* key, std::string* out) {
    std::string_view text;
    if (transcript[key].get(text)) return false;
    *out = *DecodeRawBytes(text);
    return true;
  };
  field("banner", &bytes.banner);
  field("ehlo", &bytes.ehlo);
  bytes.has_helo = field("helo", &bytes.helo);
  return bytes;
}

const Corpus& LoadCorpus() {
  static const Corpus corpus = [] {
    Corpus loaded;
    simdjson::dom::parser parser;
    for (const char* path :
         {STARTTLS_VECTORS_DIR "/ehlo.jsonl", STARTTLS_TESTS_DIR "/classify/extra_vectors.jsonl"}) {
      std::ifstream in(path);
      if (!in) std::fprintf(stderr, "classify-bench: cannot read %s\n", path);
      std::string line;
      while (std::getline(in, line)) {
        simdjson::dom::element parsed;
        if (parser.parse(line).get(parsed)) continue;
        loaded.lines.push_back(line);
        loaded.transcripts.push_back(ReadTranscript(parsed));
      }
    }
    return loaded;
  }();
  return corpus;
}

void BM_FrameAndJudge(benchmark::State& state) {
  const std::vector<RawTranscript>& raw = LoadCorpus().transcripts;
  size_t replies = 0;
  for (auto _ : state) {
    for (const RawTranscript& bytes : raw) {
      Conversation conversation;
      if (!bytes.banner.empty()) conversation.banner = CaptureReply(bytes.banner);
      conversation.ehlo = CaptureReply(bytes.ehlo);
      if (bytes.has_helo) conversation.helo = CaptureReply(bytes.helo);
      ConversationVerdict verdict = JudgeConversation(conversation);
      benchmark::DoNotOptimize(verdict);
    }
    replies += raw.size();
  }
  state.counters["replies/s"] =
      benchmark::Counter(static_cast<double>(replies), benchmark::Counter::kIsRate);
  // Seconds per transcript (printed with an SI prefix: "1.5u" is 1.5 microseconds).
  state.counters["time/reply"] = benchmark::Counter(
      static_cast<double>(replies), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_FrameAndJudge);

void BM_ClassifyJsonLine(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  size_t lines = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < corpus.lines.size(); ++i) {
      ClassifiedLine record = ClassifyTranscriptLine(corpus.lines[i], i + 1);
      benchmark::DoNotOptimize(record);
    }
    lines += corpus.lines.size();
  }
  state.counters["lines/s"] =
      benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ClassifyJsonLine);

}  // namespace
}  // namespace starttls

BENCHMARK_MAIN();
