#include "scanner/classify/classify_records.h"

#include "output/classify_record.h"
#include "output/error_record.h"
#include "scanner/classify/transcript.h"
#include "scanner/classify/zgrab2_line.h"

namespace starttls {
namespace {

std::string LinePrefix(uint64_t line) { return "line " + std::to_string(line) + ": "; }

// A ZGrab2 status that names one of ours is carried into `status` for a line we cannot
// judge (no EHLO reply); ZGrab2's own words stay in zgrab2_status.
std::string_view OurStatusFor(std::string_view zgrab2_status) {
  for (std::string_view ours : kScanStatusNames) {
    if (ours == zgrab2_status && ours != "success") return ours;
  }
  return "";
}

// RFC 3339 as the schema's pattern has it (ZGrab2 writes Go's time.RFC3339 or RFC3339Nano).
bool IsRfc3339(std::string_view t) {
  auto digits = [&](size_t from, size_t n) {
    if (from + n > t.size()) return false;
    for (size_t i = from; i < from + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
    }
    return true;
  };
  if (!digits(0, 4) || t.size() < 20 || t[4] != '-' || !digits(5, 2) || t[7] != '-' ||
      !digits(8, 2) || t[10] != 'T' || !digits(11, 2) || t[13] != ':' || !digits(14, 2) ||
      t[16] != ':' || !digits(17, 2)) {
    return false;
  }
  size_t i = 19;
  if (i < t.size() && t[i] == '.') {
    size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start || i - start > 9) return false;
  }
  if (i < t.size() && t[i] == 'Z') return i + 1 == t.size();
  return i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && digits(i + 1, 2) && t[i + 3] == ':' &&
         digits(i + 4, 2);
}

}  // namespace

ClassifyRecordResult ClassifyErrorRecord(uint64_t line, std::string_view text,
                                         std::string_view error) {
  ClassifyRecordResult record{"", true};
  AppendInputErrorRecord(line, text, error, &record.json);
  record.json.pop_back();  // the caller adds the newline
  return record;
}

ClassifyRecordResult ClassifyTranscriptObject(simdjson::ondemand::object object, uint64_t line,
                                              std::string_view text) {
  absl::StatusOr<Transcript> transcript = ReadTranscript(object);
  if (!transcript.ok()) {
    return ClassifyErrorRecord(line, text,
                               LinePrefix(line) + std::string(transcript.status().message()));
  }
  absl::StatusOr<Conversation> conversation = ConversationFromTranscript(*transcript);
  if (!conversation.ok()) {
    return ClassifyErrorRecord(line, text,
                               LinePrefix(line) + std::string(conversation.status().message()));
  }
  ConversationVerdict verdict = JudgeConversation(*conversation);
  ClassifyRecord fields;
  fields.line = line;
  if (transcript->id.has_value()) fields.id = *transcript->id;
  fields.verdict = &verdict;
  ClassifyRecordResult record;
  AppendClassifyRecord(fields, &record.json);
  return record;
}

ClassifyRecordResult ClassifyZgrab2Object(simdjson::ondemand::object object, uint64_t line,
                                          std::string_view text) {
  absl::StatusOr<Zgrab2Line> zgrab2 = ReadZgrab2Line(object);
  if (!zgrab2.ok()) {
    return ClassifyErrorRecord(line, text,
                               LinePrefix(line) + std::string(zgrab2.status().message()));
  }
  ClassifyRecord fields;
  fields.line = line;
  fields.zgrab2 = Zgrab2Fields{
      zgrab2->ip, zgrab2->domain, zgrab2->status, zgrab2->error,
      IsRfc3339(zgrab2->timestamp) ? std::string_view(zgrab2->timestamp) : std::string_view()};
  ClassifyRecordResult record;
  if (!zgrab2->ehlo.has_value()) {
    // Nothing to judge: say so, with ZGrab2's outcome where it names one of ours.
    std::string error = zgrab2->helo.has_value()
                            ? "no EHLO reply to judge (ZGrab2 sent HELO)"
                            : "no EHLO reply to judge (ZGrab2 status " + zgrab2->status + ")";
    fields.unjudged_status = OurStatusFor(zgrab2->status);
    fields.unjudged_error = error;
    AppendClassifyRecord(fields, &record.json);
    return record;
  }
  Conversation conversation;
  if (zgrab2->banner.has_value() && !zgrab2->banner->empty())
    conversation.banner = CaptureReply(*zgrab2->banner);
  conversation.ehlo = CaptureReply(*zgrab2->ehlo);
  if (zgrab2->helo.has_value()) conversation.helo = CaptureReply(*zgrab2->helo);
  ConversationVerdict verdict = JudgeConversation(conversation);
  fields.verdict = &verdict;
  AppendClassifyRecord(fields, &record.json);
  return record;
}

}  // namespace starttls
