// Text to roff (man(7)) and back: what the man page writer escapes and what its test strips.
#pragma once

#include <string>
#include <string_view>

namespace starttls {

// Escapes text for a roff text line: backslash, hyphen-minus (\- so flags copy as typed),
// a leading '.' or '\'' (which would start a request), and non-ASCII as \[uXXXX].
std::string RoffEscape(std::string_view text);

// The reverse for reading a page back: drops font changes (\fB, \fI, \fR, \fP) and \&, turns
// \- into '-', \e into '\' and \[uXXXX] into UTF-8. Other escapes are left as they are.
std::string RoffPlain(std::string_view roff);

}  // namespace starttls
