#include "scanner/policy/tls_rpt_txt.h"

#include "scanner/policy/txt_tag_list.h"
#include "scanner/smtp/ascii.h"

namespace starttls {
namespace {

constexpr std::string_view kVersion = "v=TLSRPTv1";

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimWsp(std::string_view s) {
  while (!s.empty() && IsWsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsWsp(s.back())) s.remove_suffix(1);
  return s;
}

// A URI of a scheme we keep, with something after the scheme and no space or control byte.
enum class UriKind { kKept, kOtherScheme, kMalformed };
UriKind ClassifyUri(std::string_view uri) {
  if (uri.empty() || uri.size() > kMaxTlsRptUriBytes) return UriKind::kMalformed;
  for (char c : uri) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return UriKind::kMalformed;
  }
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) {
    return UriKind::kMalformed;
  }
  const std::string_view scheme = uri.substr(0, colon);
  if (EqualsIgnoreCase(scheme, "mailto") || EqualsIgnoreCase(scheme, "https")) {
    return UriKind::kKept;
  }
  return UriKind::kOtherScheme;
}

}  // namespace

TlsRptTxt ParseTlsRptTxt(std::span<const std::string> records) {
  TlsRptTxt result;
  std::vector<TxtTag> tags;
  const VersionedTxt found = FindVersionedTxt(records, kVersion, &tags, &result.error);
  if (found == VersionedTxt::kNone) return result;
  result.state = TlsRptState::kError;
  if (found == VersionedTxt::kError) return result;
  bool have_rua = false;
  std::vector<std::string> rua;
  for (size_t i = 1; i < tags.size(); ++i) {
    const TxtTag& tag = tags[i];
    if (tag.name == "rua") {
      if (have_rua) {
        result.error = "TXT record: more than one rua";
        return result;
      }
      have_rua = true;
      std::string_view rest = tag.value;
      while (true) {
        const size_t comma = rest.find(',');
        const std::string_view uri =
            TrimWsp(comma == std::string_view::npos ? rest : rest.substr(0, comma));
        switch (ClassifyUri(uri)) {
          case UriKind::kKept:
            if (rua.size() < kMaxTlsRptUris) rua.emplace_back(uri);
            break;
          case UriKind::kOtherScheme:
            break;
          case UriKind::kMalformed:
            result.error = "TXT record: malformed rua URI";
            return result;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (std::string_view error = OtherTxtTagError(tag); !error.empty()) {
      result.error = error;
      return result;
    }
  }
  if (!have_rua) {
    result.error = "TXT record: no rua";
    return result;
  }
  if (rua.empty()) {
    result.error = "TXT record: no mailto: or https: URI in rua";
    return result;
  }
  result.state = TlsRptState::kOk;
  result.rua = std::move(rua);
  return result;
}

std::string_view TlsRptStateName(TlsRptState state) {
  switch (state) {
    case TlsRptState::kNone:
      return "none";
    case TlsRptState::kOk:
      return "ok";
    case TlsRptState::kError:
      return "error";
  }
  return "error";
}

}  // namespace starttls
