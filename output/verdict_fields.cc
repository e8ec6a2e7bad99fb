#include "output/verdict_fields.h"

namespace starttls {

void WriteAnomalyArray(AnomalySet anomalies, JsonWriter* writer) {
  writer->BeginArray();
  anomalies.ForEach([writer](Anomaly anomaly) { writer->String(AnomalyName(anomaly)); });
  writer->EndArray();
}

void WriteClientsObject(ClientViews views, JsonWriter* writer) {
  writer->BeginObject();
  for (const ClientRule& rule : ClientRules())
    writer->BoolField(rule.name, views.Sees(rule.client));
  writer->EndObject();
}

void WriteEhloFields(const EhloAnalysis& analysis, JsonWriter* writer) {
  writer->RawBytesField("greeting", analysis.greeting);
  writer->Key("keywords");
  writer->BeginArray();
  for (const EhloKeyword& keyword : analysis.keywords) {
    writer->BeginObject();
    writer->RawBytesField("keyword", keyword.keyword);
    writer->RawBytesField("params", keyword.params);
    writer->EndObject();
  }
  writer->EndArray();
}

void WriteVerdictFields(const ConversationVerdict& verdict, JsonWriter* writer) {
  writer->StringField("status", ScanStatusName(verdict.status));
  if (verdict.cls.has_value()) {
    writer->StringField("class", EhloClassName(*verdict.cls));
  } else {
    writer->NullField("class");
  }
  writer->Key("anomalies");
  WriteAnomalyArray(verdict.anomalies, writer);
  if (verdict.ehlo.has_value()) {
    writer->Key("clients");
    WriteClientsObject(verdict.ehlo->clients, writer);
  }
}

}  // namespace starttls
