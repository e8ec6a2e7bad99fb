// The IANA "SMTP Service Extensions" registry's EHLO keywords, for the greeting_is_keyword
// anomaly: a first line that starts with one of these is a capability, not a greeting.
#pragma once

#include <string_view>

namespace starttls {

// Case-insensitive, like every EHLO keyword (RFC 5321 §2.4).
bool IsRegisteredEhloKeyword(std::string_view word);

}  // namespace starttls
