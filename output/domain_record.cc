#include "output/domain_record.h"

#include <netinet/in.h>

#include <charconv>
#include <string_view>

#include "output/error_record.h"
#include "output/json_writer.h"
#include "output/policy_fields.h"
#include "output/rfc3339.h"

namespace starttls {
namespace {

// Records come in bursts within one millisecond: format each millisecond once.
std::string_view TimestampText(int64_t unix_ms) {
  thread_local int64_t cached_ms = 0;
  thread_local std::string cached_text;
  if (cached_text.empty() || cached_ms != unix_ms) {
    cached_text.clear();
    AppendRfc3339UnixMillis(unix_ms, &cached_text);
    cached_ms = unix_ms;
  }
  return cached_text;
}

void AppendNumber(uint64_t value, std::string* out) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, static_cast<size_t>(result.ptr - buf));
}

// Text that never needs escaping (an address, a timestamp), quoted.
void AppendPlain(std::string_view text, std::string* out) {
  out->push_back('"');
  out->append(text);
  out->push_back('"');
}

void AppendIp(const IpAddress& ip, std::string* out) {
  char text[INET6_ADDRSTRLEN];
  AppendPlain(std::string_view(text, ip.FormatTo(text, sizeof(text))), out);
}

void AppendBool(bool value, std::string* out) { out->append(value ? "true" : "false"); }

// The name this domain reaches `ip` by: the first exchange, in preference order, that has it.
std::string_view MxNameOf(const DomainResolution& r, const IpAddress& ip) {
  for (const Exchange& exchange : r.exchanges) {
    for (const IpAddress& address : exchange.addresses) {
      if (address == ip) return exchange.name;
    }
  }
  return {};
}

// The endpoint's TLS facts, the certificate judged against THIS domain's MX name (a session
// could send only one name as SNI; several domains may reach the endpoint by other names).
void AppendEndpointTls(const EndpointTls& tls, std::string_view mx, std::string* out) {
  out->append("{\"handshake\":");
  AppendBool(tls.handshake_ok, out);
  out->append(",\"trusted\":");
  AppendBool(tls.trusted, out);
  out->append(",\"expired\":");
  AppendBool(tls.expired, out);
  out->append(",\"hostname_match\":");
  if (tls.handshake_ok && !mx.empty()) {
    AppendBool(MatchesHostname(tls.leaf_names, mx), out);
  } else {
    out->append("null");
  }
  out->push_back('}');
}

void AppendErrorValue(const std::string& error, std::string* out) {
  if (error.empty()) {
    out->append("null");
  } else {
    JsonWriter::AppendQuotedText(error, out);
  }
}

}  // namespace

// Written straight into the line with the keys as literals (one record per domain: the
// general JsonWriter quoted every key and checked every step); the same bytes JsonWriter
// gives, values through its escapers. Member order is the schema's documented order.
void AppendDomainRecord(const DomainVerdict& verdict, const DomainPolicyView* policy,
                        uint64_t line_number, int64_t now_unix_ms, std::string* out) {
  const DomainResolution& r = verdict.resolution;
  out->append("{\"type\":\"domain\",\"schema\":");
  AppendNumber(static_cast<uint64_t>(kRecordSchemaVersion), out);
  out->append(",\"domain\":");
  JsonWriter::AppendQuotedText(r.domain, out);
  if (line_number != 0) {
    out->append(",\"line\":");
    AppendNumber(line_number, out);
  }
  out->append(",\"dns\":");
  JsonWriter::AppendQuotedText(
      r.rcode.empty() ? std::string_view("ERROR") : std::string_view(r.rcode), out);
  out->append(",\"mx_kind\":");
  JsonWriter::AppendQuotedText(MxKindName(r.kind), out);
  out->append(",\"exchanges\":[");
  bool first = true;
  for (const Exchange& exchange : r.exchanges) {
    if (!first) out->push_back(',');
    first = false;
    out->append("{\"name\":");
    JsonWriter::AppendQuotedRawBytes(exchange.name, out);
    out->append(",\"preference\":");
    AppendNumber(exchange.preference, out);
    out->append(",\"addresses\":[");
    for (size_t i = 0; i < exchange.addresses.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendIp(exchange.addresses[i], out);
    }
    out->append("],\"error\":");
    AppendErrorValue(exchange.error, out);
    out->push_back('}');
  }
  out->append("],\"endpoints\":[");
  first = true;
  for (const JoinedEndpoint& e : verdict.endpoints) {
    if (!first) out->push_back(',');
    first = false;
    std::string_view mx = MxNameOf(r, e.endpoint.ip);
    out->append("{\"ip\":");
    AppendIp(e.endpoint.ip, out);
    out->append(",\"port\":");
    AppendNumber(e.endpoint.port, out);
    out->append(",\"mx\":");
    JsonWriter::AppendQuotedRawBytes(mx, out);
    out->append(",\"status\":");
    JsonWriter::AppendQuotedText(ScanStatusName(e.status), out);
    out->append(",\"class\":");
    if (e.cls) {
      JsonWriter::AppendQuotedText(EhloClassName(*e.cls), out);
    } else {
      out->append("null");
    }
    out->append(",\"tls\":");
    if (e.tls != nullptr) {
      AppendEndpointTls(*e.tls, mx, out);
    } else {
      out->append("null");
    }
    out->push_back('}');
  }
  out->append("],\"verdict\":");
  JsonWriter::AppendQuotedText(verdict.verdict, out);
  out->append(",\"error\":");
  AppendErrorValue(r.error, out);
  if (policy != nullptr) AppendPolicyFields(*policy, out);
  out->append(",\"timestamp\":");
  AppendPlain(TimestampText(now_unix_ms), out);
  out->append("}\n");
}

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
