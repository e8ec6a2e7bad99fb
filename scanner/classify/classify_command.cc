#include "scanner/classify/classify_command.h"

#include <iostream>
#include <string>
#include <vector>

#include "output/ndjson_reader.h"
#include "scanner/classify/classify_records.h"
#include "scanner/classify/raw_explanation.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/flags/flag_table.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kMaxLineBytes = 1 << 20;

constexpr std::string_view kHelp =
    "usage: starttls-scan classify [--input-format transcript|zgrab2] [FILE...] [< input]\n"
    "       starttls-scan classify --raw < reply\n"
    "\n"
    "Judges SMTP transcripts without touching the network (docs/rules.md sections 3-4).\n"
    "Input: the FILEs (plain, gzip or zstd; '-' is standard input), else standard input.\n"
    "\n"
    "transcript (default): one JSON object per input line, {\"banner\": ..., \"ehlo\": ...,\n"
    "\"helo\": ...} (raw bytes, one character U+0000-U+00FF per byte; banner and helo optional;\n"
    "an \"id\" is copied to the output). Writes one \"classify\" record per input line: status,\n"
    "class, anomalies, clients, greeting, keywords; a bad line gives an \"error\" record.\n"
    "\n"
    "zgrab2: lines of ZGrab2's SMTP module ({\"ip\": ..., \"data\": {\"smtp\": {\"status\": ...,\n"
    "\"result\": {\"banner\", \"ehlo\", \"helo\", \"starttls\"}}}}), re-judged by these rules: "
    "the\n"
    "record carries ip, domain, zgrab2_status, zgrab2_error and timestamp over; a line without\n"
    "an EHLO reply gets class null and an error saying so. ZGrab2 writes replies as text\n"
    "(invalid UTF-8 became U+FFFD), so their bytes are the text's UTF-8.\n"
    "\n"
    "--raw: stdin holds the raw bytes of ONE EHLO reply, as pasted from a terminal;\n"
    "prints a short explanation: verdict, greeting line, which clients use TLS, the fix.\n"
    "\n"
    "flags:\n";

ClassifiedLine FromRecord(ClassifyRecordResult record) {
  return {std::move(record.json), record.is_error};
}

ClassifiedLine ClassifyOneLine(std::string_view line, size_t line_number, ClassifyInput format) {
  ClassifyRecordResult result;
  std::string error = ParseOneJsonText(line, [&](od::document_reference doc) -> std::string {
    od::object object;
    if (doc.get_object().get(object)) return "not a JSON object";
    result = format == ClassifyInput::kZgrab2 ? ClassifyZgrab2Object(object, line_number, line)
                                              : ClassifyTranscriptObject(object, line_number, line);
    return "";
  });
  if (!error.empty()) {
    result = ClassifyErrorRecord(line_number, line,
                                 "line " + std::to_string(line_number) + ": " + error);
  }
  return FromRecord(std::move(result));
}

}  // namespace

ClassifiedLine ClassifyTranscriptLine(std::string_view line, size_t line_number) {
  return ClassifyOneLine(line, line_number, ClassifyInput::kTranscript);
}

ClassifiedLine ClassifyZgrab2Line(std::string_view line, size_t line_number) {
  return ClassifyOneLine(line, line_number, ClassifyInput::kZgrab2);
}

size_t ClassifyLines(std::unique_ptr<ByteSource> in, FILE* out, ClassifyInput format) {
  NdjsonOptions options;
  options.max_record_bytes = kMaxLineBytes;
  NdjsonReader reader(std::move(in), options);
  size_t errors = 0;
  std::string buffer;
  auto emit = [&](const ClassifyRecordResult& record) {
    errors += record.is_error ? 1 : 0;
    buffer.append(record.json);
    buffer.push_back('\n');
    if (buffer.size() >= (1 << 16)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  };
  absl::Status status = reader.Run(
      [&](NdjsonRecord& record) -> std::string {
        od::object object;
        if (record.doc.get_object().get(object)) {
          emit(ClassifyErrorRecord(record.line, record.text,
                                   "line " + std::to_string(record.line) + ": not a JSON object"));
          return "";
        }
        emit(format == ClassifyInput::kZgrab2
                 ? ClassifyZgrab2Object(object, record.line, record.text)
                 : ClassifyTranscriptObject(object, record.line, record.text));
        return "";
      },
      [&](const NdjsonBadLine& bad) { emit(ClassifyErrorRecord(bad.line, bad.text, bad.error)); });
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  std::fflush(out);
  if (!status.ok()) {
    std::fprintf(stderr, "starttls-scan classify: reading input: %s\n",
                 std::string(status.message()).c_str());
    ++errors;
  }
  return errors;
}

std::vector<FlagSpec> ClassifyFlagTable(ClassifyOptions* o) {
  return {
      {"raw", "", "read one raw EHLO reply and explain it for humans",
       [o](std::string_view) {
         o->raw = true;
         return std::string();
       }},
      {"input-format", "FORMAT", "transcript (default) or zgrab2",
       [o](std::string_view v) {
         return ParseChoice(v, {"transcript", "zgrab2"}, &o->input_format);
       }},
      {"help", "", "show this help",
       [o](std::string_view) {
         o->help = true;
         return std::string();
       }},
  };
}

std::string_view ClassifyHelpText() { return kHelp; }

int RunClassifyCommand(int argc, char** argv, int first) {
  ClassifyOptions options;
  const std::vector<FlagSpec> flags = ClassifyFlagTable(&options);
  int exit_code = kExitOk;
  auto positional =
      ParseCommandLine("classify", kHelp, flags, options.help, argc, argv, first, &exit_code);
  if (!positional) return exit_code;
  if (options.raw) {
    if (!positional->empty()) {
      std::cerr << "starttls-scan classify: --raw reads standard input, not '"
                << positional->front() << "'\n";
      return kExitUsage;
    }
    return ExplainRawEhlo(stdin, stdout);
  }
  const ClassifyInput format =
      options.input_format == "zgrab2" ? ClassifyInput::kZgrab2 : ClassifyInput::kTranscript;
  std::vector<std::string> paths = *positional;
  if (paths.empty()) paths.push_back("-");
  for (const std::string& path : paths) {
    auto source = OpenByteSource(path);
    if (!source.ok()) {
      std::cerr << "starttls-scan classify: " << source.status().message() << "\n";
      return kExitUsage;
    }
    ClassifyLines(std::move(*source), stdout, format);
  }
  return kExitOk;
}

}  // namespace starttls
