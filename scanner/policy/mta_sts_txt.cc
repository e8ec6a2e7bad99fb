#include "scanner/policy/mta_sts_txt.h"

#include <vector>

#include "scanner/policy/txt_tag_list.h"

namespace starttls {
namespace {

constexpr std::string_view kVersion = "v=STSv1";

bool IsStsId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) return false;
  }
  return true;
}

}  // namespace

MtaStsTxt ParseMtaStsTxt(std::span<const std::string> records) {
  MtaStsTxt result;
  std::vector<TxtTag> tags;
  const VersionedTxt found = FindVersionedTxt(records, kVersion, &tags, &result.error);
  if (found == VersionedTxt::kNone) return result;
  result.state = MtaStsTxtState::kError;
  if (found == VersionedTxt::kError) return result;
  bool have_id = false;
  std::string_view id;
  for (size_t i = 1; i < tags.size(); ++i) {
    const TxtTag& tag = tags[i];
    if (tag.name == "id") {
      if (have_id) {
        result.error = "TXT record: more than one id";
        return result;
      }
      if (!IsStsId(tag.value)) {
        result.error = "TXT record: id is not 1-32 letters and digits";
        return result;
      }
      have_id = true;
      id = tag.value;
    } else if (std::string_view error = OtherTxtTagError(tag); !error.empty()) {
      result.error = error;
      return result;
    }
  }
  if (!have_id) {
    result.error = "TXT record: no id";
    return result;
  }
  result.state = MtaStsTxtState::kFound;
  result.id.assign(id);
  return result;
}

}  // namespace starttls
