#include "scanner/policy/txt_tag_list.h"

namespace starttls {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view TrimWsp(std::string_view s) {
  while (!s.empty() && IsWsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWsp(s.back())) s.remove_suffix(1);
  return s;
}

bool IsTagName(std::string_view name) {
  if (name.empty() || name.size() > 32 || !IsAlnum(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!IsAlnum(c) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace

bool TxtRecordHasVersion(std::string_view record, std::string_view version) {
  if (record.substr(0, version.size()) != version) return false;
  if (record.size() == version.size()) return true;
  const char next = record[version.size()];
  return next == ';' || IsWsp(next);
}

bool SplitTxtTags(std::string_view record, std::vector<TxtTag>* tags, std::string* error) {
  tags->clear();
  std::string_view rest = record;
  while (true) {
    const size_t semicolon = rest.find(';');
    const std::string_view part =
        TrimWsp(semicolon == std::string_view::npos ? rest : rest.substr(0, semicolon));
    const bool last = semicolon == std::string_view::npos;
    if (part.empty()) {
      // Only the part after a trailing separator may be empty.
      if (last && !tags->empty()) return true;
      *error = "empty field";
      return false;
    }
    if (tags->size() >= kMaxTxtTags) {
      *error = "too many fields";
      return false;
    }
    const size_t equals = part.find('=');
    if (equals == std::string_view::npos) {
      *error = "field without '='";
      return false;
    }
    const std::string_view name = part.substr(0, equals);
    if (!IsTagName(name)) {
      *error = "bad field name";
      return false;
    }
    tags->push_back(TxtTag{name, part.substr(equals + 1)});
    if (last) return true;
    rest.remove_prefix(semicolon + 1);
  }
}

bool IsTxtExtensionValue(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E || c == ';' || c == '=') return false;
  }
  return true;
}

VersionedTxt FindVersionedTxt(std::span<const std::string> records, std::string_view version,
                              std::vector<TxtTag>* tags, std::string* error) {
  const std::string* record = nullptr;
  size_t count = 0;
  for (const std::string& candidate : records) {
    if (!TxtRecordHasVersion(candidate, version)) continue;
    if (++count == 1) record = &candidate;
  }
  if (count == 0) return VersionedTxt::kNone;
  if (count > 1) {
    *error = "more than one " + std::string(version) + " TXT record";
    return VersionedTxt::kError;
  }
  std::string split_error;
  if (!SplitTxtTags(*record, tags, &split_error)) {
    *error = "TXT record: " + split_error;
    return VersionedTxt::kError;
  }
  // The version field as a whole value: "v=STSv1x" passed the prefix test above only when a
  // separator followed, so compare the value the split found (e.g. "v=STSv1 x;").
  if ("v=" + std::string((*tags)[0].value) != version) {
    *error = "TXT record: bad version field";
    return VersionedTxt::kError;
  }
  return VersionedTxt::kFound;
}

std::string_view OtherTxtTagError(const TxtTag& tag) {
  if (tag.name == "v") return "TXT record: more than one version field";
  if (!IsTxtExtensionValue(tag.value)) return "TXT record: bad extension value";
  return {};
}

}  // namespace starttls
