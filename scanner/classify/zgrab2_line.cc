#include "scanner/classify/zgrab2_line.h"

#include "output/ondemand_access.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;
using ondemand_access::ForEachMember;

// Reads a string member into *out; null leaves it unset; another type is an error.
template <typename Out>
void ReadString(std::string_view key, od::value& value, Out* out, std::string* error) {
  if (ondemand_access::TypeOf(value) == kJsonNull) return;
  std::optional<std::string_view> text = ondemand_access::String(value);
  if (!text) {
    *error = "\"" + std::string(key) + "\" is not a string";
    return;
  }
  *out = std::string(*text);
}

std::string ReadResult(od::object result, Zgrab2Line* line) {
  std::string error;
  auto parse_error = ForEachMember(result, [&](std::string_view key, od::value& value) {
    if (!error.empty()) return;
    if (key == "banner")
      ReadString("result.banner", value, &line->banner, &error);
    else if (key == "ehlo")
      ReadString("result.ehlo", value, &line->ehlo, &error);
    else if (key == "helo")
      ReadString("result.helo", value, &line->helo, &error);
    else if (key == "starttls")
      ReadString("result.starttls", value, &line->starttls, &error);
  });
  if (parse_error) return simdjson::error_message(parse_error);
  return error;
}

std::string ReadSmtp(od::object smtp, Zgrab2Line* line, bool* seen_smtp) {
  *seen_smtp = true;
  std::string error;
  auto parse_error = ForEachMember(smtp, [&](std::string_view key, od::value& value) {
    if (!error.empty()) return;
    if (key == "status") {
      ReadString("data.smtp.status", value, &line->status, &error);
    } else if (key == "error") {
      ReadString("data.smtp.error", value, &line->error, &error);
    } else if (key == "timestamp") {
      ReadString("data.smtp.timestamp", value, &line->timestamp, &error);
    } else if (key == "result") {
      if (ondemand_access::TypeOf(value) == kJsonNull) return;
      auto result = ondemand_access::Object(value);
      error = result ? ReadResult(*result, line) : "\"data.smtp.result\" is not an object";
    }
  });
  if (parse_error) return simdjson::error_message(parse_error);
  return error;
}

}  // namespace

absl::StatusOr<Zgrab2Line> ReadZgrab2Line(od::object object) {
  Zgrab2Line line;
  std::string error;
  bool seen_smtp = false;
  auto parse_error = ForEachMember(object, [&](std::string_view key, od::value& value) {
    if (!error.empty()) return;
    if (key == "ip") {
      ReadString("ip", value, &line.ip, &error);
    } else if (key == "domain") {
      ReadString("domain", value, &line.domain, &error);
    } else if (key == "data") {
      auto data = ondemand_access::Object(value);
      if (!data) {
        error = "\"data\" is not an object";
        return;
      }
      auto data_error = ForEachMember(*data, [&](std::string_view module, od::value& module_value) {
        if (module != "smtp" || !error.empty()) return;
        auto smtp = ondemand_access::Object(module_value);
        error = smtp ? ReadSmtp(*smtp, &line, &seen_smtp) : "\"data.smtp\" is not an object";
      });
      if (data_error && error.empty()) error = simdjson::error_message(data_error);
    }
  });
  if (parse_error) return absl::InvalidArgumentError(simdjson::error_message(parse_error));
  if (!error.empty()) return absl::InvalidArgumentError(error);
  if (!seen_smtp)
    return absl::InvalidArgumentError("no \"data.smtp\" object (not ZGrab2 SMTP output)");
  return line;
}

}  // namespace starttls
