#include "scanner/cli/flag_table.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>

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
    if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
      if (const FlagSpec* flag = FindShortFlag(flags, arg[1])) {
        std::string_view value;
        if (flag->value_name.empty()) {
          if (arg.size() > 2) {
            return absl::InvalidArgumentError("flag -" + std::string(1, arg[1]) + " takes no value");
          }
        } else if (arg.size() > 2) {
          value = arg.substr(2);
        } else if (i + 1 >= argc) {
          return absl::InvalidArgumentError("flag -" + std::string(1, arg[1]) + " needs a value (" +
                                            std::string(flag->value_name) + ")");
        } else {
          value = argv[++i];
        }
        std::string error = flag->set(value);
        if (!error.empty()) {
          return absl::InvalidArgumentError("flag -" + std::string(1, arg[1]) + ": " + error);
        }
        continue;
      }
    }
    if (!arg.starts_with("--") || arg.size() == 2) {
      positional.emplace_back(arg);
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
    if (flag == nullptr) {
      return absl::InvalidArgumentError("unknown flag --" + std::string(name) +
                                        " (see --help)");
    }
    if (flag->value_name.empty()) {
      if (has_inline_value) {
        return absl::InvalidArgumentError("flag --" + std::string(name) + " takes no value");
      }
    } else if (!has_inline_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError("flag --" + std::string(name) + " needs a value (" +
                                          std::string(flag->value_name) + ")");
      }
      value = argv[++i];
    }
    std::string error = flag->set(value);
    if (!error.empty()) {
      return absl::InvalidArgumentError("flag --" + std::string(name) + ": " + error);
    }
  }
  return positional;
}

std::string FlagHelp(std::span<const FlagSpec> flags) {
  std::string help;
  for (const FlagSpec& flag : flags) {
    // Built by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    std::string head("  ");
    if (flag.short_name != 0) head.append("-").append(1, flag.short_name).append(", ");
    head.append("--").append(flag.name);
    if (!flag.value_name.empty()) head.append(" ").append(flag.value_name);
    if (head.size() < 30) head.resize(30, ' ');
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
    return "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]: " +
           std::string(value);
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

}  // namespace starttls
