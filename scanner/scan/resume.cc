#include "scanner/scan/resume.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "output/json_reader.h"
#include "scanner/targets/line_reader.h"

namespace starttls {
namespace {

// Records are small; a line over this is not one of ours.
constexpr size_t kMaxRecordBytes = 16 << 20;

void Remember(const JsonValue& record, uint16_t port, ResumeState* state) {
  const JsonValue* type = record.Find("type");
  if (type == nullptr) return;
  if (type->string() == "host") {
    const JsonValue* ip = record.Find("ip");
    const JsonValue* record_port = record.Find("port");
    std::optional<IpAddress> address = ip ? IpAddress::Parse(ip->string()) : std::nullopt;
    std::optional<int64_t> number = record_port ? record_port->AsInt64() : std::nullopt;
    if (address.has_value() && number == port) {
      RecordedHost host;
      const JsonValue* status = record.Find("status");
      const JsonValue* cls = record.Find("class");
      if (status != nullptr) {
        host.status = EnumFromName<ScanStatus>(kScanStatusNames, status->string())
                          .value_or(ScanStatus::kProtocolError);
      }
      if (cls != nullptr && cls->is_string()) {
        host.cls = EnumFromName<EhloClass>(kEhloClassNames, cls->string());
      }
      state->recorded_endpoints[Endpoint{*address, port}] = host;
    }
  } else if (type->string() == "error") {
    const JsonValue* line = record.Find("line");
    if (line != nullptr && line->AsUint64()) state->recorded_error_lines.insert(*line->AsUint64());
  } else if (type->string() == "domain") {
    const JsonValue* domain = record.Find("domain");
    if (domain != nullptr) state->recorded_domains.insert(domain->string());
  }
}

}  // namespace

absl::StatusOr<ResumeState> LoadResumeState(const std::string& output_path, uint16_t port) {
  ResumeState state;
  int fd = open(output_path.c_str(), O_RDWR);
  if (fd < 0) {
    if (errno == ENOENT) return state;
    return absl::InvalidArgumentError("--resume: cannot open " + output_path + ": " +
                                      std::strerror(errno));
  }
  LineReader reader(fd, kMaxRecordBytes);
  LineRecord line;
  uint64_t complete_bytes = 0;
  uint64_t consumed = 0;
  bool last_had_newline = true;
  off_t size = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  while (reader.Next(&line)) {
    consumed += line.length + 1;
    last_had_newline = consumed <= static_cast<uint64_t>(size);
    if (!last_had_newline || line.too_long) break;
    absl::StatusOr<JsonValue> record = ParseJson(line.text, {kMaxRecordBytes, 64, 100000, true});
    if (!record.ok()) break;  // a torn line: everything from here is redone
    Remember(*record, port, &state);
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
  return state;
}

}  // namespace starttls
