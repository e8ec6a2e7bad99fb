#include "output/classify_record.h"

#include "output/error_record.h"
#include "output/json_writer.h"
#include "output/verdict_fields.h"

namespace starttls {

void AppendClassifyRecord(const ClassifyRecord& record, std::string* out) {
  JsonWriter writer(out);
  writer.BeginObject();
  writer.StringField("type", "classify");
  writer.IntField("schema", kRecordSchemaVersion);
  writer.UintField("line", record.line);
  if (record.id.has_value()) writer.StringField("id", *record.id);
  if (record.zgrab2.has_value()) {
    const Zgrab2Fields& z = *record.zgrab2;
    if (!z.ip.empty()) writer.StringField("ip", z.ip);
    if (!z.domain.empty()) writer.StringField("domain", z.domain);
    writer.StringField("zgrab2_status", z.status);
    if (!z.error.empty()) writer.StringField("zgrab2_error", z.error);
    if (!z.timestamp.empty()) writer.StringField("timestamp", z.timestamp);
  }
  if (record.verdict != nullptr) {
    const ConversationVerdict& verdict = *record.verdict;
    WriteVerdictFields(verdict, &writer);
    if (verdict.ehlo.has_value()) WriteEhloFields(*verdict.ehlo, &writer);
    if (!verdict.error.empty()) writer.StringField("error", verdict.error);
  } else {
    if (!record.unjudged_status.empty()) writer.StringField("status", record.unjudged_status);
    writer.NullField("class");
    writer.Key("anomalies");
    writer.BeginArray();
    writer.EndArray();
    writer.StringField("error", record.unjudged_error);
  }
  writer.EndObject();
}

}  // namespace starttls
