#include "scanner/flags/flag_table.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "scanner/flags/exit_codes.h"

namespace starttls {
namespace {

const FlagSpec* FindFlag(std::span<const FlagSpec> flags, std::string_view name) {
  for (const FlagSpec& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

const FlagSpec* FindShortFlag(std::span<const FlagSpec> flags, char letter) {
  for (const FlagSpec& flag : flags) {
    if (flag.short_name != 0 && flag.short_name == letter) return &flag;
  }
  return nullptr;
}

absl::Status Apply(const FlagSpec& flag, std::string_view shown, std::string_view value) {
  std::string error = flag.set(value);
  if (error.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("flag " + std::string(shown) + ": " + error);
}

// "-p 25", "-p25", "-qd": every letter a switch except possibly the last, which may take
// the rest of the argument or the next one as its value.
absl::Status ParseShortFlags(std::span<const FlagSpec> flags, std::string_view arg, int argc,
                             char** argv, int* i) {
  for (size_t at = 1; at < arg.size(); ++at) {
    const FlagSpec* flag = FindShortFlag(flags, arg[at]);
    std::string shown = "-" + std::string(1, arg[at]);
    if (flag == nullptr) {
      return absl::InvalidArgumentError("unknown flag " + (at == 1 ? std::string(arg) : shown) +
                                        " (see --help)");
    }
    shown += " (--" + std::string(flag->name) + ")";
    if (flag->value_name.empty()) {
      if (absl::Status status = Apply(*flag, shown, ""); !status.ok()) return status;
      continue;
    }
    std::string_view value = arg.substr(at + 1);
    if (value.empty()) {
      if (*i + 1 >= argc) {
        return absl::InvalidArgumentError("flag " + shown + " needs a value (" +
                                          std::string(flag->value_name) + ")");
      }
      value = argv[++*i];
    }
    return Apply(*flag, shown, value);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseFlags(std::span<const FlagSpec> flags, int argc,
                                                    char** argv, int first) {
  std::vector<std::string> positional;
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) positional.emplace_back(argv[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.emplace_back(arg);
      continue;
    }
    if (arg[1] != '-') {
      if (absl::Status status = ParseShortFlags(flags, arg, argc, argv, &i); !status.ok()) {
        return status;
      }
      continue;
    }
    std::string_view body = arg.substr(2);
    std::string_view name = body;
    std::string_view value;
    bool has_inline_value = false;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_inline_value = true;
    }
    const FlagSpec* flag = FindFlag(flags, name);
    std::string shown = "--" + std::string(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError("unknown flag " + shown + " (see --help)");
    }
    if (flag->value_name.empty()) {
      if (has_inline_value) {
        return absl::InvalidArgumentError("flag " + shown + " takes no value");
      }
    } else if (!has_inline_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError("flag " + shown + " needs a value (" +
                                          std::string(flag->value_name) + ")");
      }
      value = argv[++i];
    }
    if (absl::Status status = Apply(*flag, shown, value); !status.ok()) return status;
  }
  return positional;
}

std::string FlagHelp(std::span<const FlagSpec> flags) {
  std::string help;
  for (const FlagSpec& flag : flags) {
    // Built by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string head("  ");
    if (flag.short_name != 0) {
      head.append("-").append(1, flag.short_name).append(", ");
    } else {
      head.append("    ");
    }
    head.append("--").append(flag.name);
    if (!flag.value_name.empty()) head.append(" ").append(flag.value_name);
    if (head.size() < 34) head.resize(34, ' ');
    help += head + " " + std::string(flag.help) + "\n";
  }
  return help;
}

std::string ParseUint(std::string_view value, uint64_t min, uint64_t max, uint64_t* out) {
  uint64_t parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
    return "not a whole number: '" + std::string(value) + "'";
  }
  if (parsed < min || parsed > max) {
    return "out of range [" + std::to_string(min) + ", " + std::to_string(max) +
           "]: " + std::string(value);
  }
  *out = parsed;
  return "";
}

std::string ParseDouble(std::string_view value, double min, double max, double* out) {
  std::string copy(value);
  char* end = nullptr;
  double parsed = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || parsed != parsed) {
    return "not a number: '" + copy + "'";
  }
  if (parsed < min || parsed > max) {
    return "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]: " + copy;
  }
  *out = parsed;
  return "";
}

std::string ParseChoice(std::string_view value, std::initializer_list<std::string_view> choices,
                        std::string* out) {
  std::string list;
  for (std::string_view choice : choices) {
    if (choice == value) {
      *out = std::string(value);
      return "";
    }
    if (!list.empty()) list.push_back('|');
    list.append(choice);
  }
  return "expected one of " + list + ", got '" + std::string(value) + "'";
}

std::string ParseDuration(std::string_view value, double min_s, double max_s, double* seconds) {
  struct Unit {
    std::string_view suffix;
    double seconds;
  };
  // "ms" before "s": the longest suffix that matches wins.
  static constexpr Unit kUnits[] = {{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}};
  std::string_view number = value;
  double scale = 1;
  for (const Unit& unit : kUnits) {
    if (value.size() > unit.suffix.size() && value.ends_with(unit.suffix)) {
      number = value.substr(0, value.size() - unit.suffix.size());
      scale = unit.seconds;
      break;
    }
  }
  std::string copy(number);
  char* end = nullptr;
  double parsed = std::strtod(copy.c_str(), &end);
  bool digits_only = !copy.empty() && (copy[0] == '.' || (copy[0] >= '0' && copy[0] <= '9'));
  if (!digits_only || end != copy.c_str() + copy.size() || parsed != parsed) {
    return "not a duration: '" + std::string(value) + "' (a number with ms, s, m or h)";
  }
  double total = parsed * scale;
  if (total < min_s || total > max_s) {
    return "out of range [" + std::to_string(min_s) + " s, " + std::to_string(max_s) +
           " s]: " + std::string(value);
  }
  *seconds = total;
  return "";
}

std::optional<std::vector<std::string>> ParseCommandLine(std::string_view command,
                                                         std::string_view help_text,
                                                         std::span<const FlagSpec> flags,
                                                         const bool& help, int argc, char** argv,
                                                         int first, int* exit_code) {
  absl::StatusOr<std::vector<std::string>> positional = ParseFlags(flags, argc, argv, first);
  if (!positional.ok()) {
    std::cerr << "starttls-scan " << command << ": " << positional.status().message() << "\n";
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  if (help) {
    std::cout << help_text << FlagHelp(flags);
    *exit_code = kExitOk;
    return std::nullopt;
  }
  return std::move(*positional);
}

}  // namespace starttls
