// Fuzzes the MTA-STS and TLS-RPT TXT record parsers. The input is split at NUL bytes into
// TXT records (at most 8), as a DNS answer with several records gives them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/policy/mta_sts_txt.h"
#include "scanner/policy/tls_rpt_txt.h"
#include "scanner/smtp/ascii.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> records;
  while (records.size() < 8) {
    const size_t nul = rest.find('\0');
    records.emplace_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }

  const starttls::MtaStsTxt sts = starttls::ParseMtaStsTxt(records);
  switch (sts.state) {
    case starttls::MtaStsTxtState::kNone:
      if (!sts.id.empty() || !sts.error.empty()) std::abort();
      break;
    case starttls::MtaStsTxtState::kFound:
      if (sts.id.empty() || sts.id.size() > 32 || !sts.error.empty()) std::abort();
      break;
    case starttls::MtaStsTxtState::kError:
      if (!sts.id.empty() || sts.error.empty()) std::abort();
      break;
  }

  const starttls::TlsRptTxt rpt = starttls::ParseTlsRptTxt(records);
  if (rpt.rua.size() > starttls::kMaxTlsRptUris) std::abort();
  if ((rpt.state == starttls::TlsRptState::kOk) == rpt.rua.empty()) std::abort();
  if ((rpt.state == starttls::TlsRptState::kError) == rpt.error.empty()) std::abort();
  for (const std::string& uri : rpt.rua) {
    if (uri.size() > starttls::kMaxTlsRptUriBytes) std::abort();
    if (!starttls::StartsWithIgnoreCase(uri, "mailto:") &&
        !starttls::StartsWithIgnoreCase(uri, "https:")) {
      std::abort();
    }
  }
  return 0;
}
