#include "scanner/scan/domain_record.h"

#include "output/error_record.h"
#include "output/json_writer.h"
#include "output/rfc3339.h"

namespace starttls {

void AppendUnresolvedDomainRecord(std::string_view domain, uint64_t line_number,
                                  std::string_view why, int64_t now_unix_ms, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  w.StringField("type", "domain");
  w.IntField("schema", kRecordSchemaVersion);
  w.StringField("domain", domain);
  w.UintField("line", line_number);
  w.StringField("verdict", "dns_error");
  w.StringField("error", "not resolved: " + std::string(why));
  w.StringField("timestamp", FormatRfc3339UnixMillis(now_unix_ms));
  w.EndObject();
  w.EndLine();
}

}  // namespace starttls
