// Classification of a 2xx EHLO reply (docs/rules.md §4): class, the anomalies its content shows,
// greeting, keywords and client views. Pure function of the framed reply; no I/O.
#pragma once

#include <string_view>
#include <vector>

#include "base/scan_status.h"
#include "scanner/smtp/anomaly.h"
#include "scanner/smtp/client_views.h"
#include "scanner/smtp/reply_framer.h"

namespace starttls {

// One ehlo-line (a line after the greeting): keyword up to the first SP, TAB or '=', and
// what follows that separator. Views into the Reply they came from.
struct EhloKeyword {
  std::string_view keyword;
  std::string_view params;
};

struct EhloAnalysis {
  EhloClass cls = EhloClass::kNoStarttls;
  AnomalySet anomalies;  // content anomalies only; framing ones come from the Reply
  ClientViews clients;
  std::string_view greeting;  // line 1's first word, up to SP or TAB
  std::vector<EhloKeyword> keywords;
};

// `ehlo` must be a complete reply with a 2xx code. The result points into `ehlo`.
EhloAnalysis AnalyzeEhlo(const Reply& ehlo);

// The first word of a line's text: up to the first SP or TAB.
std::string_view FirstWord(std::string_view text);

// True when some ehlo-line (line 2 on) of a complete reply has the keyword STARTTLS;
// used again on the EHLO sent over TLS (starttls_readvertised).
bool ListsStarttls(const Reply& ehlo);

}  // namespace starttls
