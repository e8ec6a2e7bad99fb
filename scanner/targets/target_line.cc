#include "scanner/targets/target_line.h"

#include <charconv>

#include "scanner/targets/cidr_set.h"

namespace starttls {
namespace {

constexpr size_t kMaxDomainLength = 253;
constexpr size_t kMaxLabelLength = 63;

bool IsLdh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

void SetError(ParsedTargetLine* out, uint64_t line_number, std::string_view what,
              std::string_view text, std::string_view why) {
  out->outcome = LineOutcome::kError;
  out->error = "line " + std::to_string(line_number) + ": " + std::string(what) + ": " +
               EscapeForMessage(text);
  if (!why.empty()) out->error += " (" + std::string(why) + ")";
}

// Trims SP and TAB (used around the ',' of "ip,name").
std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool NormalizeDomainName(std::string_view name, std::string* normalized, std::string* why) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) {
    *why = "empty name";
    return false;
  }
  if (name.size() > kMaxDomainLength) {
    *why = "name longer than 253 characters";
    return false;
  }
  size_t labels = 0;
  size_t label_start = 0;
  bool last_label_all_digits = true;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      size_t len = i - label_start;
      if (len == 0) {
        *why = "empty label";
        return false;
      }
      if (len > kMaxLabelLength) {
        *why = "label longer than 63 characters";
        return false;
      }
      if (name[label_start] == '-' || name[i - 1] == '-') {
        *why = "label starts or ends with '-'";
        return false;
      }
      ++labels;
      label_start = i + 1;
      if (i < name.size()) last_label_all_digits = true;
      continue;
    }
    char c = name[i];
    if (!IsLdh(c)) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        *why = "non-ASCII character: give IDNA A-labels (xn--...)";
      } else if (c == '_') {
        *why = "'_' is not allowed in a host name";
      } else {
        *why = "character not allowed in a host name";
      }
      return false;
    }
    if (c < '0' || c > '9') last_label_all_digits = false;
  }
  if (labels < 2) {
    *why = "a single label is no mail domain";
    return false;
  }
  if (last_label_all_digits) {
    *why = "all-numeric top-level label";
    return false;
  }
  normalized->resize(name.size());
  for (size_t i = 0; i < name.size(); ++i) (*normalized)[i] = ToLowerAscii(name[i]);
  return true;
}

void ParseTargetLine(std::string_view line, uint64_t line_number, ParsedTargetLine* out) {
  out->error.clear();
  out->target.name.clear();
  out->target.port = 0;
  if (line.size() > kMaxTargetLineBytes) {
    out->outcome = LineOutcome::kError;
    out->error = "line " + std::to_string(line_number) + ": line longer than " +
                 std::to_string(kMaxTargetLineBytes) + " bytes";
    return;
  }
  std::string_view text = StripCommentAndTrim(line);
  if (text.empty()) {
    out->outcome = LineOutcome::kSkip;
    return;
  }

  // "ip,name"
  size_t comma = text.find(',');
  if (comma != std::string_view::npos) {
    std::string_view ip_part = TrimBlanks(text.substr(0, comma));
    std::string_view name_part = TrimBlanks(text.substr(comma + 1));
    std::optional<IpAddress> ip = IpAddress::Parse(ip_part);
    if (!ip) {
      SetError(out, line_number, "not an address,name pair", text,
               "the part before ',' is not an IP address");
      return;
    }
    std::string why;
    if (!NormalizeDomainName(name_part, &out->target.name, &why)) {
      SetError(out, line_number, "not an address,name pair", text, "bad name: " + why);
      return;
    }
    out->outcome = LineOutcome::kTarget;
    out->target.kind = TargetKind::kAddressWithName;
    out->target.address = *ip;
    return;
  }

  if (std::optional<IpAddress> ip = IpAddress::Parse(text)) {
    out->outcome = LineOutcome::kTarget;
    out->target.kind = TargetKind::kAddress;
    out->target.address = *ip;
    return;
  }
  if (text.find('/') != std::string_view::npos) {
    std::optional<Cidr> cidr = Cidr::Parse(text);
    if (!cidr) {
      SetError(out, line_number, "not an IP, CIDR or domain name", text,
               "bad CIDR: address or prefix length invalid");
      return;
    }
    out->outcome = LineOutcome::kTarget;
    out->target.kind = TargetKind::kCidr;
    out->target.cidr = *cidr;
    return;
  }
  std::string why;
  if (!NormalizeDomainName(text, &out->target.name, &why)) {
    SetError(out, line_number, "not an IP, CIDR or domain name", text, why);
    return;
  }
  out->outcome = LineOutcome::kTarget;
  out->target.kind = TargetKind::kDomain;
}

ParsedTargetLine ParseTargetLine(std::string_view line, uint64_t line_number) {
  ParsedTargetLine out;
  ParseTargetLine(line, line_number, &out);
  return out;
}

bool TargetReader::TakeCsvHeader(std::string_view line) {
  std::string_view text = TrimBlanks(line);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  int column = 0;
  int saddr = -1;
  int sport = -1;
  while (true) {
    size_t comma = text.find(',');
    std::string_view name = TrimBlanks(text.substr(0, comma));
    if (name == "saddr") saddr = column;
    if (name == "sport") sport = column;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    ++column;
  }
  if (saddr < 0) return false;
  csv_saddr_ = saddr;
  csv_sport_ = sport;
  return true;
}

void TargetReader::ParseCsvRow(std::string_view line, uint64_t line_number,
                               ParsedTargetLine* out) const {
  out->error.clear();
  out->target.name.clear();
  std::string_view text = line;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (TrimBlanks(text).empty()) {
    out->outcome = LineOutcome::kSkip;
    return;
  }
  std::string_view saddr;
  std::string_view sport;
  std::string_view rest = text;
  for (int column = 0;; ++column) {
    size_t comma = rest.find(',');
    std::string_view field = TrimBlanks(rest.substr(0, comma));
    if (column == csv_saddr_) saddr = field;
    if (column == csv_sport_) sport = field;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::optional<IpAddress> ip = IpAddress::Parse(saddr);
  if (!ip) {
    SetError(out, line_number, "not a ZMap CSV row", text, "saddr is not an IP address");
    return;
  }
  out->target.kind = TargetKind::kAddress;
  out->target.address = *ip;
  out->target.port = 0;
  if (csv_sport_ >= 0) {
    uint16_t port = 0;
    auto [end, ec] = std::from_chars(sport.data(), sport.data() + sport.size(), port);
    if (ec != std::errc() || end != sport.data() + sport.size() || port == 0) {
      SetError(out, line_number, "not a ZMap CSV row", text, "sport is not a port number");
      return;
    }
    out->target.port = port;
  }
  out->outcome = LineOutcome::kTarget;
}

LinePoll TargetReader::Poll(TargetRecord* out) {
  LineRecord rec;
  LinePoll polled;
  while ((polled = lines_.Poll(&rec)) == LinePoll::kLine) {
    out->line_number = rec.line_number;
    out->raw_line = rec.text;
    if (rec.too_long) {
      out->parsed.outcome = LineOutcome::kError;
      out->parsed.target.name.clear();
      out->parsed.target.port = 0;
      out->parsed.error = "line " + std::to_string(rec.line_number) + ": line longer than " +
                          std::to_string(max_line_bytes_) + " bytes (" +
                          std::to_string(rec.length) + " bytes): " + EscapeForMessage(rec.text) +
                          "...";
      return LinePoll::kLine;
    }
    if (rec.line_number == 1 && TakeCsvHeader(rec.text)) {
      ++skipped_;
      continue;
    }
    if (zmap_csv()) {
      ParseCsvRow(rec.text, rec.line_number, &out->parsed);
    } else {
      ParseTargetLine(rec.text, rec.line_number, &out->parsed);
    }
    if (out->parsed.outcome != LineOutcome::kSkip) return LinePoll::kLine;
    ++skipped_;
  }
  return polled;
}

}  // namespace starttls
