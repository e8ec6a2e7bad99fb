#include "scanner/classify/classify_command.h"

#include <iostream>
#include <string>
#include <vector>

#include "output/error_record.h"
#include "output/json_reader.h"
#include "output/json_writer.h"
#include "scanner/classify/raw_explanation.h"
#include "scanner/classify/transcript.h"
#include "scanner/classify/verdict_json.h"
#include "scanner/cli/flag_table.h"
#include "scanner/targets/line_reader.h"

namespace starttls {
namespace {

constexpr size_t kMaxLineBytes = 1 << 20;

void BeginRecord(std::string_view type, size_t line_number, JsonWriter* writer) {
  writer->BeginObject();
  writer->StringField("type", type);
  writer->IntField("schema", kRecordSchemaVersion);
  writer->UintField("line", line_number);
}

ClassifiedLine ErrorRecord(std::string_view line, size_t line_number, std::string_view error) {
  ClassifiedLine record{"", true};
  AppendInputErrorRecord(line_number, line,
                         "line " + std::to_string(line_number) + ": " + std::string(error),
                         &record.json);
  record.json.pop_back();  // the caller adds the newline
  return record;
}

constexpr std::string_view kHelp =
    "usage: starttls-scan classify [--raw] < input\n"
    "\n"
    "Judges SMTP transcripts without touching the network (docs/rules.md sections 3-4).\n"
    "\n"
    "Default: one JSON object per input line, {\"banner\": ..., \"ehlo\": ..., \"helo\": ...}\n"
    "(raw bytes, one character U+0000-U+00FF per byte; banner and helo optional; an \"id\"\n"
    "is copied to the output). Writes one JSON line per input line: status, class,\n"
    "anomalies, clients, greeting, keywords; a bad line gives an \"error\" record.\n"
    "\n"
    "--raw: stdin holds the raw bytes of ONE EHLO reply, as pasted from a terminal;\n"
    "prints a short explanation: verdict, greeting line, which clients use TLS, the fix.\n"
    "\n"
    "flags:\n";

}  // namespace

ClassifiedLine ClassifyTranscriptLine(std::string_view line, size_t line_number) {
  JsonParseLimits limits;
  limits.max_input_bytes = kMaxLineBytes;
  absl::StatusOr<JsonValue> parsed = ParseJson(line, limits);
  if (!parsed.ok()) return ErrorRecord(line, line_number, std::string(parsed.status().message()));
  absl::StatusOr<Conversation> conversation = ConversationFromTranscript(*parsed);
  if (!conversation.ok()) return ErrorRecord(line, line_number, std::string(conversation.status().message()));

  ConversationVerdict verdict = JudgeConversation(*conversation);
  std::string out;
  JsonWriter writer(&out);
  BeginRecord("classify", line_number, &writer);
  if (const JsonValue* id = parsed->Find("id"); id != nullptr && id->is_string()) {
    writer.StringField("id", id->string());
  }
  WriteVerdictFields(verdict, &writer);
  if (verdict.ehlo.has_value()) WriteEhloFields(*verdict.ehlo, &writer);
  if (!verdict.error.empty()) writer.StringField("error", verdict.error);
  writer.EndObject();
  return {std::move(out), false};
}

size_t ClassifyTranscriptLines(FILE* in, FILE* out) {
  LineReader reader(in, kMaxLineBytes);
  LineRecord line;
  size_t errors = 0;
  while (reader.Next(&line)) {
    std::string_view text = line.text;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    ClassifiedLine record;
    if (line.too_long) {
      record = ErrorRecord(text, line.line_number,
                           "line longer than " + std::to_string(kMaxLineBytes) + " bytes");
    } else if (text.find_first_not_of(" \t") == std::string_view::npos) {
      continue;  // blank line
    } else {
      record = ClassifyTranscriptLine(text, line.line_number);
    }
    errors += record.is_error ? 1 : 0;
    record.json.push_back('\n');
    std::fwrite(record.json.data(), 1, record.json.size(), out);
  }
  if (!reader.status().ok()) {
    std::fprintf(stderr, "starttls-scan classify: reading input: %s\n",
                 std::string(reader.status().message()).c_str());
    ++errors;
  }
  std::fflush(out);
  return errors;
}

int RunClassifyCommand(int argc, char** argv, int first) {
  bool raw = false;
  bool help = false;
  const FlagSpec flags[] = {
      {"raw", "", "read one raw EHLO reply and explain it for humans",
       [&](std::string_view) { raw = true; return std::string(); }},
      {"help", "", "show this help", [&](std::string_view) { help = true; return std::string(); }},
  };
  auto positional = ParseFlags(flags, argc, argv, first);
  if (!positional.ok()) {
    std::cerr << "starttls-scan classify: " << positional.status().message() << "\n";
    return 2;
  }
  if (help) {
    std::cout << kHelp << FlagHelp(flags);
    return 0;
  }
  if (!positional->empty()) {
    std::cerr << "starttls-scan classify: unexpected argument '" << positional->front()
              << "' (input is read from stdin)\n";
    return 2;
  }
  if (raw) return ExplainRawEhlo(stdin, stdout);
  ClassifyTranscriptLines(stdin, stdout);
  return 0;
}

}  // namespace starttls
