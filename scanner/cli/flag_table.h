// Command-line flags as a small table per subcommand, so each subcommand accepts exactly
// its own flags, prints its own --help, and names the offending flag in every error.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace starttls {

struct FlagSpec {
  std::string_view name;        // without the leading "--"
  std::string_view value_name;  // empty for a boolean switch
  std::string_view help;
  // Receives the value ("" for a switch); returns an error text, empty when accepted.
  std::function<std::string(std::string_view value)> set;
  // An optional one-letter form: "-o value" (and "-ovalue") for "--output value".
  char short_name = 0;
};

// Parses argv[first..] against `flags`: "--name value", "--name=value", "--switch", and
// "-x value" for a flag with short_name 'x'. "--" ends flags. Another argument starting
// with a single '-' (such as "-" for standard input) is positional. Returns the positional
// arguments, or an error naming the flag.
absl::StatusOr<std::vector<std::string>> ParseFlags(std::span<const FlagSpec> flags, int argc,
                                                    char** argv, int first);

std::string FlagHelp(std::span<const FlagSpec> flags);

// Value parsers for the table's setters; each returns an error text or "".
std::string ParseUint(std::string_view value, uint64_t min, uint64_t max, uint64_t* out);
std::string ParseDouble(std::string_view value, double min, double max, double* out);
std::string ParseChoice(std::string_view value, std::initializer_list<std::string_view> choices,
                        std::string* out);

}  // namespace starttls
