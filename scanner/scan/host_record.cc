#include "scanner/scan/host_record.h"

#include "output/json_writer.h"
#include "output/rfc3339.h"
#include "scanner/classify/verdict_json.h"

namespace starttls {
namespace {

void BeginHost(const Endpoint& endpoint, std::span<const std::string> names, JsonWriter* w) {
  w->BeginObject();
  w->StringField("type", "host");
  w->IntField("schema", kRecordSchemaVersion);
  char ip[64];
  endpoint.ip.FormatTo(ip, sizeof(ip));
  w->StringField("ip", ip);
  w->UintField("port", endpoint.port);
  w->Key("names");
  w->BeginArray();
  for (const std::string& name : names) w->String(name);
  w->EndArray();
}

// {"raw", "code", "trailing"} of one captured reply; code is null until a line was framed.
void WriteReply(const CapturedReply& captured, JsonWriter* w) {
  w->RawBytesField("raw", captured.reply.raw);
  if (captured.reply.lines.empty()) {
    w->NullField("code");
  } else {
    w->IntField("code", captured.reply.code());
  }
  if (!captured.trailing.empty()) w->RawBytesField("trailing", captured.trailing);
}

void WriteTimings(const PhaseTimings& timing, JsonWriter* w) {
  w->Key("timing_ms");
  w->BeginObject();
  auto field = [w](std::string_view name, const std::optional<double>& ms) {
    if (ms.has_value()) w->DoubleField(name, *ms);
  };
  field("connect", timing.connect_ms);
  field("banner", timing.banner_ms);
  field("ehlo", timing.ehlo_ms);
  field("helo", timing.helo_ms);
  w->DoubleField("total", timing.total_ms);
  w->EndObject();
}

void EndRecord(int64_t unix_ms, std::string_view error, JsonWriter* w) {
  std::string timestamp;
  AppendRfc3339UnixMillis(unix_ms, &timestamp);
  w->StringField("timestamp", timestamp);
  if (!error.empty()) w->StringField("error", error);
  w->EndObject();
  w->EndLine();
}

}  // namespace

void AppendHostRecord(const Endpoint& endpoint, std::span<const std::string> names,
                      const SessionResult& result, int64_t started_unix_ms, std::string* out) {
  JsonWriter w(out);
  BeginHost(endpoint, names, &w);
  WriteVerdictFields(result.verdict, &w);
  const Conversation& conversation = result.conversation;
  if (conversation.banner.has_value()) {
    w.Key("banner");
    w.BeginObject();
    WriteReply(*conversation.banner, &w);
    w.EndObject();
  }
  if (conversation.ehlo.has_value()) {
    w.Key("ehlo");
    w.BeginObject();
    WriteReply(*conversation.ehlo, &w);
    if (result.verdict.ehlo.has_value()) WriteEhloFields(*result.verdict.ehlo, &w);
    w.EndObject();
  }
  if (conversation.helo.has_value()) {
    w.Key("helo");
    w.BeginObject();
    WriteReply(*conversation.helo, &w);
    w.EndObject();
  }
  WriteTimings(result.timing, &w);
  EndRecord(started_unix_ms, result.error, &w);
}

void AppendUnscannedHostRecord(const Endpoint& endpoint, std::span<const std::string> names,
                               ScanStatus status, std::string_view error, int64_t now_unix_ms,
                               std::string* out) {
  JsonWriter w(out);
  BeginHost(endpoint, names, &w);
  w.StringField("status", ScanStatusName(status));
  w.NullField("class");
  w.Key("anomalies");
  w.BeginArray();
  w.EndArray();
  EndRecord(now_unix_ms, error, &w);
}

}  // namespace starttls
