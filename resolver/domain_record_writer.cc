#include "resolver/domain_record_writer.h"

#include <netinet/in.h>

#include "output/error_record.h"
#include "output/json_writer.h"
#include "output/rfc3339.h"

namespace starttls {

void AppendDomainRecord(const DomainVerdict& verdict, uint64_t line_number, int64_t now_unix_ms,
                        std::string* out) {
  const DomainResolution& r = verdict.resolution;
  char ip[INET6_ADDRSTRLEN];
  JsonWriter w(out);
  w.BeginObject();
  w.StringField("type", "domain");
  w.IntField("schema", kRecordSchemaVersion);
  w.StringField("domain", r.domain);
  if (line_number != 0) w.UintField("line", line_number);
  w.StringField("dns", r.rcode.empty() ? std::string_view("ERROR") : std::string_view(r.rcode));
  w.StringField("mx_kind", MxKindName(r.kind));
  w.Key("exchanges");
  w.BeginArray();
  for (const Exchange& exchange : r.exchanges) {
    w.BeginObject();
    w.RawBytesField("name", exchange.name);
    w.UintField("preference", exchange.preference);
    w.Key("addresses");
    w.BeginArray();
    for (const IpAddress& address : exchange.addresses) {
      const size_t n = address.FormatTo(ip, sizeof(ip));
      w.String(std::string_view(ip, n));
    }
    w.EndArray();
    if (exchange.error.empty()) {
      w.NullField("error");
    } else {
      w.StringField("error", exchange.error);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("endpoints");
  w.BeginArray();
  for (const JoinedEndpoint& e : verdict.endpoints) {
    w.BeginObject();
    const size_t n = e.endpoint.ip.FormatTo(ip, sizeof(ip));
    w.StringField("ip", std::string_view(ip, n));
    w.UintField("port", e.endpoint.port);
    w.StringField("status", ScanStatusName(e.status));
    if (e.cls) {
      w.StringField("class", EhloClassName(*e.cls));
    } else {
      w.NullField("class");
    }
    w.EndObject();
  }
  w.EndArray();
  w.StringField("verdict", verdict.verdict);
  if (r.error.empty()) {
    w.NullField("error");
  } else {
    w.StringField("error", r.error);
  }
  w.StringField("timestamp", FormatRfc3339UnixMillis(now_unix_ms));
  w.EndObject();
  w.EndLine();
}

}  // namespace starttls
