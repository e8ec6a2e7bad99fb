// Command-line flags as a small table per subcommand, so each subcommand accepts exactly
// its own flags, prints its own --help, and names the offending flag in every error.
// Long forms as "--name value" or "--name=value"; ZMap's one-letter forms as "-p 25", "-p25"
// or, for switches, bundled ("-qd"). Any other argument starting with '-' is an error, so a
// mistyped flag can never be taken for a target.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
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
  char short_name = 0;  // ZMap's letter ('p' for -p), 0 for none
};

// Parses argv[first..] against `flags`. "--" ends flags; a lone "-" is positional (a
// subcommand may read it as standard input). Returns the positional arguments, or an error
// naming the flag.
absl::StatusOr<std::vector<std::string>> ParseFlags(std::span<const FlagSpec> flags, int argc,
                                                    char** argv, int first);

// One line per flag: "  -p, --port N   help".
std::string FlagHelp(std::span<const FlagSpec> flags);

// How every subcommand but scan starts: parses its flags. A usage error prints
// "starttls-scan COMMAND: why" and --help (`help`, set by the table's own flag) prints
// `help_text` and the flags; both return nothing with *exit_code set (kExitUsage, kExitOk).
// Otherwise the positional arguments, and the subcommand runs.
std::optional<std::vector<std::string>> ParseCommandLine(std::string_view command,
                                                         std::string_view help_text,
                                                         std::span<const FlagSpec> flags,
                                                         const bool& help, int argc, char** argv,
                                                         int first, int* exit_code);

// Value parsers for the table's setters; each returns an error text or "".
std::string ParseUint(std::string_view value, uint64_t min, uint64_t max, uint64_t* out);
std::string ParseDouble(std::string_view value, double min, double max, double* out);
std::string ParseChoice(std::string_view value, std::initializer_list<std::string_view> choices,
                        std::string* out);
// A duration: a number with an optional unit, "500ms", "10s", "2m", "1h"; a plain number is
// seconds. *seconds receives it; min and max are in seconds.
std::string ParseDuration(std::string_view value, double min_s, double max_s, double* seconds);

}  // namespace starttls
