// The TLS-RPT TXT record at `_smtp._tls.<domain>` (RFC 8460 §3): records that do not begin
// with `v=TLSRPTv1` are ignored; exactly one must remain (none: `none`; two or more: the
// domain does not implement TLS-RPT, an `error`). Its `rua=` field (required, once) lists
// report URIs separated by *WSP "," *WSP; the `mailto:` and `https:` ones are kept, others
// are skipped; a record with none of those is an error. Extension fields are tolerated.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace starttls {

enum class TlsRptState { kNone, kOk, kError };

struct TlsRptTxt {
  TlsRptState state = TlsRptState::kNone;
  std::vector<std::string> rua;  // mailto: and https: URIs as given
  std::string error;
};

// At most this many URIs are kept, each at most kMaxTlsRptUriBytes long (longer: an error).
inline constexpr size_t kMaxTlsRptUris = 16;
inline constexpr size_t kMaxTlsRptUriBytes = 2048;

TlsRptTxt ParseTlsRptTxt(std::span<const std::string> records);

// "none", "ok", "error" (docs/rules.md §8 `tls_rpt.state`).
std::string_view TlsRptStateName(TlsRptState state);

}  // namespace starttls
