// `starttls-scan classify --raw`: one pasted EHLO reply in, a short explanation for the
// mail admin out — verdict, which line is the greeting, who will and won't use TLS, the fix.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace starttls {

std::string ExplainEhloReply(std::string_view bytes);

// Reads stdin-like `in` whole (capped), writes the explanation. Returns the exit code.
int ExplainRawEhlo(FILE* in, FILE* out);

}  // namespace starttls
