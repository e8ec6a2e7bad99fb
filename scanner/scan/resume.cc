#include "scanner/scan/resume.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "output/compressed_frames.h"
#include "output/ndjson_reader.h"
#include "output/ondemand_access.h"
#include "output/raw_bytes.h"
#include "scanner/targets/line_reader.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;
using namespace ondemand_access;

// Validation and tls trust facts of a host record's "tls".validation object.
void ValidationFacts(od::object validation, EndpointTls* facts) {
  ForEachMember(validation, [&](std::string_view key, od::value& value) {
    bool flag = Bool(value).value_or(false);
    if (key == "trusted") facts->trusted = flag;
    if (key == "expired") facts->expired = flag;
    if (key == "self_signed") facts->self_signed = flag;
  });
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

// The names of the chain's first certificate (the leaf): its DNS names (raw bytes,
// docs/rules.md §6, decoded back), else its subject's CNs.
void LeafNames(od::object leaf, CertificateNames* names) {
  std::vector<std::string> dns_names;
  std::optional<std::string> subject;
  ForEachMember(leaf, [&](std::string_view key, od::value& value) {
    if (key == "dns_names") {
      if (std::optional<od::array> list = Array(value)) {
        ForEachItem(*list, [&](od::value& item) {
          std::optional<std::string_view> text = String(item);
          if (!text.has_value()) return;
          absl::StatusOr<std::string> bytes = DecodeRawBytes(*text);
          if (bytes.ok()) dns_names.push_back(std::move(*bytes));
        });
      }
    } else if (key == "subject") {
      if (std::optional<std::string_view> text = String(value)) {
        absl::StatusOr<std::string> bytes = DecodeRawBytes(*text);
        if (bytes.ok()) subject = std::move(*bytes);
      }
    }
  });
  if (!dns_names.empty()) {
    names->names = std::move(dns_names);
  } else if (subject.has_value()) {
    SubjectCommonNames(*subject, names);
  }
}

// The TLS facts a domain record needs, from a host record's "tls" object.
SharedEndpointTls TlsFacts(od::object tls) {
  auto facts = std::make_shared<EndpointTls>();
  bool outcome_ok = false;
  bool has_version = false;
  ForEachMember(tls, [&](std::string_view key, od::value& value) {
    if (key == "outcome") {
      outcome_ok = String(value) == std::optional<std::string_view>("ok");
    } else if (key == "version") {
      has_version = true;
    } else if (key == "validation") {
      if (std::optional<od::object> validation = Object(value))
        ValidationFacts(*validation, facts.get());
    } else if (key == "chain") {
      std::optional<od::array> chain = Array(value);
      bool first = true;
      if (chain.has_value()) {
        ForEachItem(*chain, [&](od::value& item) {
          if (!first) return;
          first = false;
          if (std::optional<od::object> leaf = Object(item)) LeafNames(*leaf, &facts->leaf_names);
        });
      }
    }
  });
  facts->handshake_ok = outcome_ok && has_version;
  return facts;
}

// The members of one record that resume needs, read in one pass whatever their order.
struct RecordFacts {
  std::string type;
  std::string ip;
  std::optional<uint64_t> port;
  std::optional<std::string> status;
  std::optional<std::string> cls;
  std::optional<std::string> source;
  std::optional<uint64_t> line;
  std::optional<std::string> domain;
  SharedEndpointTls tls;
  std::vector<Anomaly> anomalies;
};

RecordFacts ReadFacts(od::object record) {
  RecordFacts facts;
  ForEachMember(record, [&](std::string_view key, od::value& value) {
    if (key == "type") {
      facts.type = String(value).value_or("");
    } else if (key == "ip") {
      facts.ip = String(value).value_or("");
    } else if (key == "port") {
      facts.port = Uint(value);
    } else if (key == "status") {
      if (auto text = String(value)) facts.status.emplace(*text);
    } else if (key == "class") {
      if (auto text = String(value)) facts.cls.emplace(*text);
    } else if (key == "source") {
      if (auto text = String(value)) facts.source.emplace(*text);
    } else if (key == "line") {
      facts.line = Uint(value);
    } else if (key == "domain") {
      if (auto text = String(value)) facts.domain.emplace(*text);
    } else if (key == "tls") {
      if (std::optional<od::object> tls = Object(value)) facts.tls = TlsFacts(*tls);
    } else if (key == "anomalies") {
      if (std::optional<od::array> list = Array(value)) {
        ForEachItem(*list, [&](od::value& item) {
          std::optional<std::string_view> name = String(item);
          std::optional<Anomaly> anomaly = name ? AnomalyFromName(*name) : std::nullopt;
          if (anomaly.has_value()) facts.anomalies.push_back(*anomaly);
        });
      }
    }
  });
  return facts;
}

void RememberHost(const RecordFacts& record, ResumeLoad* load) {
  std::optional<IpAddress> address = IpAddress::Parse(record.ip);
  if (!address.has_value() || !record.port.has_value() || *record.port > 65535) return;
  RecordedHost host;
  if (record.status.has_value()) {
    host.outcome.status = EnumFromName<ScanStatus>(kScanStatusNames, *record.status)
                              .value_or(ScanStatus::kProtocolError);
  }
  if (record.cls.has_value())
    host.outcome.cls = EnumFromName<EhloClass>(kEhloClassNames, *record.cls);
  host.outcome.tls = record.tls;
  host.from_input = record.source != "mx";
  Endpoint endpoint{*address, static_cast<uint16_t>(*record.port)};
  // A record written twice for one endpoint (an MX host's, then an input target's): the
  // input target's counts.
  auto [it, fresh] = load->state.recorded_endpoints.try_emplace(endpoint, host);
  if (!fresh && host.from_input) it->second = host;

  TallySnapshot& counts = load->counts;
  ++counts.hosts_done;
  if (!host.from_input) ++counts.hosts_from_mx;
  ++counts.by_status[static_cast<size_t>(host.outcome.status)];
  if (host.outcome.cls.has_value()) ++counts.by_class[static_cast<size_t>(*host.outcome.cls)];
  for (Anomaly anomaly : record.anomalies) ++counts.by_anomaly[static_cast<size_t>(anomaly)];
}

void Remember(const RecordFacts& record, ResumeLoad* load) {
  if (record.type == "host") {
    RememberHost(record, load);
  } else if (record.type == "error") {
    if (record.line.has_value()) {
      load->state.recorded_error_lines.insert(*record.line);
      ++load->counts.input_errors;
    }
  } else if (record.type == "domain") {
    if (record.domain.has_value()) {
      load->state.recorded_domains.insert(*record.domain);
      ++load->counts.domains;
    }
  }
}

// Remembers one record line (no line end); false when it is not one JSON text, which ends
// what resume keeps. A JSON text that is not an object is kept and ignored, as before.
bool RememberLine(std::string_view text, ResumeLoad* load) {
  std::string error = ParseOneJsonText(text, [&](od::document_reference doc) -> std::string {
    od::object record;
    if (doc.get_object().get(record) == simdjson::SUCCESS) Remember(ReadFacts(record), load);
    return "";
  });
  return error.empty();
}

// What RememberLine accepts, checked with simdjson's validating DOM parser only.
bool IsJsonText(std::string_view text) {
  thread_local simdjson::dom::parser validator;
  simdjson::padded_string padded(text);
  return validator.parse(padded).error() == simdjson::SUCCESS;
}

// A plain file: the leading complete (LF-ended) lines that are JSON texts within the cap.
absl::Status KeepLines(int fd, size_t max_record_bytes, ResumeLoad* load, uint64_t* kept) {
  LineReader reader(fd, max_record_bytes);
  LineRecord line;
  uint64_t consumed = 0;
  off_t size = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  while (reader.Next(&line)) {
    consumed += line.length + 1;
    bool had_newline = consumed <= static_cast<uint64_t>(size);
    if (!had_newline || line.too_long) break;
    if (!RememberLine(line.text, load)) break;  // a torn line: everything from here is redone
    *kept = consumed;
  }
  return reader.status();
}

// A compressed file: the leading whole frames, each of complete JSON lines within the cap.
// What a kill or a damaged disk leaves — a torn last frame, a frame that fails its checksum —
// is cut with everything after it (those records are redone). A whole, intact frame that is
// not whole records (lines across frames, as other compressors split them) or too large was
// written by another program: an error, and the file is not cut.
absl::Status KeepFrames(int fd, Compression compression, size_t max_record_bytes, ResumeLoad* load,
                        uint64_t* kept) {
  // The writer flushes a frame at 256 KiB and at least once a second: a frame holds a
  // buffer's worth plus the record that overflowed it.
  const size_t max_frame_bytes = max_record_bytes + (4 << 20);
  auto lines_of = [](std::string_view text, auto&& fn) {
    while (!text.empty()) {
      size_t lf = std::min(text.find('\n'), text.size());
      if (!fn(text.substr(0, lf))) return false;
      text.remove_prefix(std::min(lf + 1, text.size()));
    }
    return true;
  };
  bool foreign = false;
  absl::Status status =
      ReadWholeFrames(fd, compression, max_frame_bytes, [&](std::string_view text, uint64_t end) {
        // Checked whole before any record is remembered: a frame is kept or refused as one.
        foreign = !text.ends_with('\n') || !lines_of(text, [&](std::string_view line) {
          return line.size() <= max_record_bytes && IsJsonText(line);
        });
        if (foreign) return false;
        lines_of(text, [&](std::string_view line) { return RememberLine(line, load); });
        *kept = end;
        return true;
      });
  if (status.ok() && foreign) {
    return absl::FailedPreconditionError("the frame after offset " + std::to_string(*kept) +
                                         " is not whole records: not written by a scan");
  }
  return status;
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
  // The name says how the scan writes; the first bytes say how the file was written. A
  // file too short to tell is a first frame torn (or nothing yet).
  const Compression named = CompressionForFileName(output_path);
  char magic[4];
  ssize_t got = pread(fd, magic, sizeof magic, 0);
  if (got == static_cast<ssize_t>(sizeof magic)) {
    Compression found = DetectCompression(std::string_view(magic, sizeof magic));
    if (found != named) {
      close(fd);
      return absl::InvalidArgumentError("--resume: " + output_path + " holds " +
                                        std::string(CompressionName(found)) +
                                        " data but its name asks for " +
                                        std::string(CompressionName(named)) + " (left untouched)");
    }
  }
  uint64_t kept = 0;
  absl::Status read_status = named == Compression::kNone
                                 ? KeepLines(fd, max_record_bytes, &load, &kept)
                                 : KeepFrames(fd, named, max_record_bytes, &load, &kept);
  if (read_status.ok() && ftruncate(fd, static_cast<off_t>(kept)) != 0) {
    read_status = absl::InternalError(std::string("cannot truncate: ") + std::strerror(errno));
  }
  close(fd);
  if (!read_status.ok()) {
    // A file compressed after the scan is left as it is, never cut.
    std::string hint =
        absl::IsResourceExhausted(read_status) || absl::IsFailedPrecondition(read_status)
            ? " (compressed after the scan? resume the decompressed file; left untouched)"
            : "";
    return absl::InvalidArgumentError("--resume: reading " + output_path + ": " +
                                      std::string(read_status.message()) + hint);
  }
  return load;
}

}  // namespace starttls
