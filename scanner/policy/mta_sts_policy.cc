#include "scanner/policy/mta_sts_policy.h"

#include "base/byte_cursor.h"

namespace starttls {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// sts-policy-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
bool IsKey(std::string_view key) {
  if (key.empty() || key.size() > 32 || !IsAlnum(key[0])) return false;
  for (char c : key.substr(1)) {
    if (!IsAlnum(c) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

// RFC 5321 Domain (LDH labels, no label starting or ending with '-'), one trailing '.'
// tolerated, after an optional "*." (RFC 8461 §3.2 mx-value).
bool IsMxPattern(std::string_view pattern) {
  if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') pattern.remove_prefix(2);
  if (!pattern.empty() && pattern.back() == '.') pattern.remove_suffix(1);
  if (pattern.empty() || pattern.size() > 253) return false;
  size_t label = 0;
  char previous = '.';
  for (char c : pattern) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else {
      if (!IsAlnum(c) && c != '-') return false;
      if (c == '-' && label == 0) return false;
      if (++label > 63) return false;
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

class PolicyParser {
 public:
  explicit PolicyParser(MtaStsPolicy* out) : out_(out) {}

  void Error(size_t line, std::string_view what) {
    if (out_->errors.size() < kMaxMtaStsErrors) {
      std::string text = line == 0 ? std::string() : "line " + std::to_string(line) + ": ";
      text.append(what);
      out_->errors.push_back(std::move(text));
    } else if (!errors_capped_) {
      errors_capped_ = true;
      out_->errors.back() = "more errors";
    }
  }

  void Line(size_t number, std::string_view line) {
    if (line.empty()) {
      Error(number, "empty line");
      return;
    }
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) {
        Error(number, "control character");
        return;
      }
    }
    ByteCursor cursor(line);
    std::string_view key;
    if (!cursor.ReadUntil(':', &key)) {
      Error(number, "no ':'");
      return;
    }
    if (!IsKey(key)) {
      Error(number, "bad key");
      return;
    }
    std::string_view value = cursor.rest();
    while (!value.empty() && IsWsp(value.front())) value.remove_prefix(1);
    while (!value.empty() && IsWsp(value.back())) value.remove_suffix(1);
    if (key == "version") {
      if (version_seen_) return;
      version_seen_ = true;
      if (value == "STSv1") {
        version_ok_ = true;
      } else {
        Error(number, "version is not STSv1");
      }
    } else if (key == "mode") {
      if (mode_seen_) return;
      mode_seen_ = true;
      if (value == "enforce") {
        out_->mode = MtaStsMode::kEnforce;
      } else if (value == "testing") {
        out_->mode = MtaStsMode::kTesting;
      } else if (value == "none") {
        out_->mode = MtaStsMode::kNone;
      } else {
        Error(number, "unknown mode");
      }
    } else if (key == "max_age") {
      if (max_age_seen_) return;
      max_age_seen_ = true;
      uint64_t seconds = 0;
      bool digits = !value.empty() && value.size() <= 10;
      for (char c : value) {
        if (c < '0' || c > '9') {
          digits = false;
          break;
        }
        seconds = seconds * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!digits) {
        Error(number, "max_age is not 1-10 digits");
      } else if (seconds > kMaxMtaStsMaxAge) {
        Error(number, "max_age above 31557600");
      } else {
        out_->max_age = static_cast<uint32_t>(seconds);
      }
    } else if (key == "mx") {
      if (!IsMxPattern(value)) {
        Error(number, "bad mx pattern");
      } else if (out_->mx.size() >= kMaxMtaStsMxPatterns) {
        if (!mx_capped_) Error(number, "too many mx patterns");
        mx_capped_ = true;
      } else {
        out_->mx.emplace_back(value);
      }
    }
    // Any other key: ignored (RFC 8461 §3.2).
  }

  void Finish() {
    if (!version_seen_) Error(0, "no version");
    if (!mode_seen_) Error(0, "no mode");
    if (!max_age_seen_) Error(0, "no max_age");
    const bool mx_needed = out_->mode.has_value() && *out_->mode != MtaStsMode::kNone;
    if (mx_needed && out_->mx.empty()) Error(0, "no valid mx");
    out_->usable = version_ok_ && out_->mode.has_value() && out_->max_age.has_value() &&
                   (!mx_needed || !out_->mx.empty());
  }

 private:
  MtaStsPolicy* out_;
  bool version_seen_ = false, version_ok_ = false, mode_seen_ = false, max_age_seen_ = false;
  bool mx_capped_ = false, errors_capped_ = false;
};

}  // namespace

MtaStsPolicy ParseMtaStsPolicy(std::string_view text) {
  MtaStsPolicy policy;
  PolicyParser parser(&policy);
  if (text.size() > kMaxMtaStsPolicyBytes) {
    parser.Error(0, "policy larger than 64 KiB");
    return policy;
  }
  size_t number = 0;
  ByteCursor cursor(text);
  while (!cursor.empty()) {
    ++number;
    std::string_view line;
    // LF or CRLF ends a line; the last may have neither.
    if (!cursor.ReadUntil('\n', &line)) cursor.ReadBytes(cursor.remaining(), &line);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    parser.Line(number, line);
  }
  parser.Finish();
  return policy;
}

std::string_view MtaStsModeName(MtaStsMode mode) {
  switch (mode) {
    case MtaStsMode::kEnforce:
      return "enforce";
    case MtaStsMode::kTesting:
      return "testing";
    case MtaStsMode::kNone:
      return "none";
  }
  return "none";
}

}  // namespace starttls
