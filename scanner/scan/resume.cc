#include "scanner/scan/resume.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "output/json_reader.h"
#include "scanner/targets/line_reader.h"

namespace starttls {
namespace {

bool BoolAt(const JsonValue* object, std::string_view key) {
  const JsonValue* value = object != nullptr ? object->Find(key) : nullptr;
  return value != nullptr && value->bool_value();
}

// The subject's CNs from its RFC 2253 text ("CN=mx.example,O=Example"), for a leaf with no
// DNS names (the names a hostname is matched against then).
void SubjectCommonNames(std::string_view subject, CertificateNames* names) {
  while (!subject.empty()) {
    size_t end = 0;
    while (end < subject.size() && subject[end] != ',') end += subject[end] == '\\' ? 2 : 1;
    std::string_view part = subject.substr(0, std::min(end, subject.size()));
    if (part.starts_with("CN=")) names->names.emplace_back(part.substr(3));
    subject.remove_prefix(std::min(end + 1, subject.size()));
  }
  names->from_subject = true;
}

// The TLS facts a domain record needs, from a host record's "tls" object.
SharedEndpointTls TlsFacts(const JsonValue& tls) {
  auto facts = std::make_shared<EndpointTls>();
  const JsonValue* outcome = tls.Find("outcome");
  facts->handshake_ok = outcome != nullptr && outcome->string() == "ok" &&
                        tls.Find("version") != nullptr;
  const JsonValue* validation = tls.Find("validation");
  facts->trusted = BoolAt(validation, "trusted");
  facts->expired = BoolAt(validation, "expired");
  facts->self_signed = BoolAt(validation, "self_signed");
  const JsonValue* chain = tls.Find("chain");
  if (chain != nullptr && chain->is_array() && !chain->array().empty()) {
    const JsonValue& leaf = chain->array().front();
    const JsonValue* dns = leaf.Find("dns_names");
    if (dns != nullptr && dns->is_array() && !dns->array().empty()) {
      for (const JsonValue& name : dns->array()) {
        absl::StatusOr<std::string> bytes = DecodeRawBytes(name.string());
        if (bytes.ok()) facts->leaf_names.names.push_back(*bytes);
      }
    } else if (const JsonValue* subject = leaf.Find("subject"); subject != nullptr) {
      absl::StatusOr<std::string> bytes = DecodeRawBytes(subject->string());
      if (bytes.ok()) SubjectCommonNames(*bytes, &facts->leaf_names);
    }
  }
  return facts;
}

void RememberHost(const JsonValue& record, ResumeLoad* load) {
  const JsonValue* ip = record.Find("ip");
  const JsonValue* port = record.Find("port");
  std::optional<IpAddress> address = ip ? IpAddress::Parse(ip->string()) : std::nullopt;
  std::optional<uint64_t> number = port ? port->AsUint64() : std::nullopt;
  if (!address.has_value() || !number.has_value() || *number > 65535) return;
  RecordedHost host;
  const JsonValue* status = record.Find("status");
  const JsonValue* cls = record.Find("class");
  if (status != nullptr) {
    host.outcome.status = EnumFromName<ScanStatus>(kScanStatusNames, status->string())
                              .value_or(ScanStatus::kProtocolError);
  }
  if (cls != nullptr && cls->is_string()) {
    host.outcome.cls = EnumFromName<EhloClass>(kEhloClassNames, cls->string());
  }
  if (const JsonValue* tls = record.Find("tls"); tls != nullptr && tls->is_object()) {
    host.outcome.tls = TlsFacts(*tls);
  }
  const JsonValue* source = record.Find("source");
  host.from_input = source == nullptr || source->string() != "mx";
  Endpoint endpoint{*address, static_cast<uint16_t>(*number)};
  // A record written twice for one endpoint (an MX host's, then an input target's): the
  // input target's counts.
  auto [it, fresh] = load->state.recorded_endpoints.try_emplace(endpoint, host);
  if (!fresh && host.from_input) it->second = host;

  TallySnapshot& counts = load->counts;
  ++counts.hosts_done;
  if (!host.from_input) ++counts.hosts_from_mx;
  ++counts.by_status[static_cast<size_t>(host.outcome.status)];
  if (host.outcome.cls.has_value()) ++counts.by_class[static_cast<size_t>(*host.outcome.cls)];
  if (const JsonValue* anomalies = record.Find("anomalies");
      anomalies != nullptr && anomalies->is_array()) {
    for (const JsonValue& name : anomalies->array()) {
      if (std::optional<Anomaly> anomaly = AnomalyFromName(name.string())) {
        ++counts.by_anomaly[static_cast<size_t>(*anomaly)];
      }
    }
  }
}

void Remember(const JsonValue& record, ResumeLoad* load) {
  const JsonValue* type = record.Find("type");
  if (type == nullptr) return;
  if (type->string() == "host") {
    RememberHost(record, load);
  } else if (type->string() == "error") {
    const JsonValue* line = record.Find("line");
    if (line != nullptr && line->AsUint64()) {
      load->state.recorded_error_lines.insert(*line->AsUint64());
      ++load->counts.input_errors;
    }
  } else if (type->string() == "domain") {
    const JsonValue* domain = record.Find("domain");
    if (domain != nullptr) {
      load->state.recorded_domains.insert(domain->string());
      ++load->counts.domains;
    }
  }
}

}  // namespace

absl::StatusOr<ResumeLoad> LoadResumeState(const std::string& output_path,
                                           size_t max_record_bytes) {
  ResumeLoad load;
  int fd = open(output_path.c_str(), O_RDWR);
  if (fd < 0) {
    if (errno == ENOENT) return load;
    return absl::InvalidArgumentError("--resume: cannot open " + output_path + ": " +
                                      std::strerror(errno));
  }
  load.output_found = true;
  LineReader reader(fd, max_record_bytes);
  LineRecord line;
  uint64_t complete_bytes = 0;
  uint64_t consumed = 0;
  off_t size = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  while (reader.Next(&line)) {
    consumed += line.length + 1;
    bool had_newline = consumed <= static_cast<uint64_t>(size);
    if (!had_newline || line.too_long) break;
    absl::StatusOr<JsonValue> record = ParseJson(line.text, {max_record_bytes, 64, 100000, true});
    if (!record.ok()) break;  // a torn line: everything from here is redone
    Remember(*record, &load);
    complete_bytes = consumed;
  }
  absl::Status read_status = reader.status();
  if (read_status.ok() && ftruncate(fd, static_cast<off_t>(complete_bytes)) != 0) {
    read_status = absl::InternalError(std::string("cannot truncate: ") + std::strerror(errno));
  }
  close(fd);
  if (!read_status.ok()) {
    return absl::InvalidArgumentError("--resume: reading " + output_path + ": " +
                                      std::string(read_status.message()));
  }
  return load;
}

}  // namespace starttls
