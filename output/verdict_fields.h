// The verdict fields shared by `classify` records and `host` records (docs/rules.md §6): status,
// class, anomalies, clients, greeting and keywords, written once for both from the classifier's
// ConversationVerdict and EhloAnalysis.
#pragma once

#include "output/json_writer.h"
#include "scanner/smtp/conversation.h"

namespace starttls {

// Writes "status", "class", "anomalies" and, for a 2xx EHLO, "clients", into the open
// object of `writer`.
void WriteVerdictFields(const ConversationVerdict& verdict, JsonWriter* writer);

// "greeting" and "keywords" ([{keyword, params}]) of a 2xx EHLO analysis.
void WriteEhloFields(const EhloAnalysis& analysis, JsonWriter* writer);

void WriteAnomalyArray(AnomalySet anomalies, JsonWriter* writer);
void WriteClientsObject(ClientViews views, JsonWriter* writer);

}  // namespace starttls
