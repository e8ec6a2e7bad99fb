#include "scanner/datasets/merge_records.h"

#include <optional>
#include <string_view>

#include "base/scan_status.h"
#include "output/ndjson_reader.h"
#include "output/ondemand_access.h"
#include "scanner/smtp/anomaly.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;
using namespace ondemand_access;  // NOLINT

enum class Kind { kHost, kDomain, kError };

// What merge reads of a record: its type and, for a host record, its key and counts.
struct MergeFacts {
  Kind kind = Kind::kError;
  Endpoint endpoint;
  bool from_input = true;  // "source": "input" (or absent, as in resume.cc), not "mx"
  ScanStatus status = ScanStatus::kSuccess;
  std::optional<EhloClass> cls;
  AnomalySet anomalies;
};

// Returns "" or why the record is not one of a scan's records.
std::string ReadFacts(NdjsonRecord& record, MergeFacts* facts) {
  od::object object;
  if (record.doc.get_object().get(object)) return "not a JSON object";
  std::string_view type, ip, status, source, cls;
  std::optional<int64_t> port;
  bool has_status = false;
  std::string bad_anomaly;
  AnomalySet anomalies;
  auto error = ForEachMember(object, [&](std::string_view key, od::value& value) {
    if (key == "type")
      type = String(value).value_or("");
    else if (key == "ip")
      ip = String(value).value_or("");
    else if (key == "port")
      port = Int(value);
    else if (key == "source")
      source = String(value).value_or("");
    else if (key == "status") {
      std::optional<std::string_view> text = String(value);
      has_status = text.has_value();
      status = text.value_or("");
    } else if (key == "class")
      cls = String(value).value_or("");  // null: no class
    else if (key == "anomalies") {
      if (auto items = Array(value)) {
        ForEachItem(*items, [&](od::value& item) {
          std::string_view name = String(item).value_or("");
          if (std::optional<Anomaly> anomaly = AnomalyFromName(name)) {
            anomalies.Add(*anomaly);
          } else if (bad_anomaly.empty()) {
            bad_anomaly = std::string(name);
          }
        });
      }
    }
  });
  if (error) return simdjson::error_message(error);
  if (type == "domain") {
    facts->kind = Kind::kDomain;
    return "";
  }
  if (type == "error") {
    facts->kind = Kind::kError;
    return "";
  }
  if (type != "host") return "not a host, domain or error record";
  facts->kind = Kind::kHost;
  std::optional<IpAddress> address = IpAddress::Parse(ip);
  if (!address.has_value() || !port.has_value() || *port < 0 || *port > 65535) {
    return "a host record without a valid ip and port";
  }
  facts->endpoint = Endpoint{*address, static_cast<uint16_t>(*port)};
  facts->from_input = source != "mx";
  std::optional<ScanStatus> known = EnumFromName<ScanStatus>(kScanStatusNames, status);
  if (!has_status || !known.has_value()) return "a host record with an unknown status";
  facts->status = *known;
  facts->cls = cls.empty() ? std::nullopt : EnumFromName<EhloClass>(kEhloClassNames, cls);
  if (!cls.empty() && !facts->cls.has_value()) return "a host record with an unknown class";
  if (!bad_anomaly.empty()) return "unknown anomaly " + bad_anomaly;
  facts->anomalies = anomalies;
  return "";
}

// Streams `path`, calling fn(record, facts) for each record; the first bad line or read
// error is returned (naming the line; the caller names the part).
template <typename Fn>
absl::Status ForEachRecord(const std::string& path, Fn&& fn) {
  absl::StatusOr<std::unique_ptr<NdjsonReader>> reader = OpenNdjson(path);
  if (!reader.ok()) return reader.status();
  MergeFacts facts;
  std::string first_bad;
  absl::Status status = (*reader)->Run(
      [&](NdjsonRecord& record) -> std::string {
        std::string why = ReadFacts(record, &facts);
        if (why.empty()) fn(record, facts);
        return why;
      },
      [&](const NdjsonBadLine& bad) {
        if (first_bad.empty()) {
          first_bad = "line " + std::to_string(bad.line) + ": " + bad.error;
        }
      });
  if (!status.ok()) return status;
  if (!first_bad.empty()) return absl::InvalidArgumentError(first_bad);
  return absl::OkStatus();
}

std::string CountsText(const PartRecordCounts& c) {
  return std::to_string(c.host) + " host (" + std::to_string(c.host_from_mx) + " of MX hosts), " +
         std::to_string(c.domain) + " domain, " + std::to_string(c.error) + " error records";
}

}  // namespace

absl::Status MergeRecords::CheckPart(const std::string& path, const PartRecordCounts& expected) {
  PartRecordCounts seen;
  absl::flat_hash_set<Endpoint> inputs;  // kept only if the part passes
  absl::Status status = ForEachRecord(path, [&](NdjsonRecord&, const MergeFacts& facts) {
    switch (facts.kind) {
      case Kind::kHost:
        ++seen.host;
        if (facts.from_input) {
          inputs.insert(facts.endpoint);
        } else {
          ++seen.host_from_mx;
        }
        break;
      case Kind::kDomain:
        ++seen.domain;
        break;
      case Kind::kError:
        ++seen.error;
        break;
    }
  });
  if (!status.ok()) return status;
  if (seen != expected) {
    return absl::DataLossError("holds " + CountsText(seen) + ", its metadata says " +
                               CountsText(expected));
  }
  input_endpoints_.merge(inputs);
  return absl::OkStatus();
}

absl::Status MergeRecords::CopyPart(const std::string& path, OutputSink* sink) {
  return ForEachRecord(path, [&](NdjsonRecord& record, const MergeFacts& facts) {
    switch (facts.kind) {
      case Kind::kHost:
        if (!facts.from_input && (input_endpoints_.contains(facts.endpoint) ||
                                  !mx_written_.insert(facts.endpoint).second)) {
          ++dropped_;
          return;
        }
        written_.CountHost(facts.status, facts.cls, facts.anomalies, facts.from_input);
        break;
      case Kind::kDomain:
        written_.CountDomain();
        break;
      case Kind::kError:
        written_.CountInputError();
        break;
    }
    sink->Write(record.text);
    sink->Write("\n");
  });
}

}  // namespace starttls
