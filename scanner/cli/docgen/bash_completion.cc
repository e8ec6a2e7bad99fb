#include "scanner/cli/docgen/bash_completion.h"

#include <string_view>
#include <vector>

#include "scanner/cli/subcommands.h"

namespace starttls {
namespace {

// "-p|--port": the case pattern of one flag.
std::string Pattern(const FlagSpec& flag) {
  std::string pattern = "--" + std::string(flag.name);
  if (flag.short_name != 0) pattern = std::string("-") + flag.short_name + "|" + pattern;
  return pattern;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// One subcommand's arm of the script's `case $sub in`.
std::string SubcommandArm(const Subcommand& command) {
  std::vector<std::string> words, file_flags, other_flags, choice_arms;
  for (const FlagSpec& flag : command.documented_flags()) {
    words.push_back("--" + std::string(flag.name));
    if (flag.short_name != 0) words.push_back(std::string("-") + flag.short_name);
    std::string_view value = flag.value_name;
    if (value.empty()) continue;
    if (value.find("FILE") != std::string_view::npos) {
      file_flags.push_back(Pattern(flag));
    } else if (value.find('|') != std::string_view::npos) {
      std::string choices(value);
      for (char& c : choices) c = c == '|' ? ' ' : c;
      choice_arms.push_back("        " + Pattern(flag) + ") COMPREPLY=($(compgen -W '" + choices +
                            "' -- \"$cur\")); return ;;\n");
    } else {
      other_flags.push_back(Pattern(flag));
    }
  }
  std::string arm = "    " + std::string(command.name) + ")\n";
  arm += "      flags='" + Join(words, " ") + "'\n";
  arm += "      case $prev in\n";
  if (!file_flags.empty()) {
    arm +=
        "        " + Join(file_flags, "|") + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
  }
  for (const std::string& choice : choice_arms) arm += choice;
  if (!other_flags.empty()) arm += "        " + Join(other_flags, "|") + ") return ;;\n";
  arm += "      esac\n      ;;\n";
  return arm;
}

}  // namespace

std::string RenderBashCompletion() {
  std::vector<std::string> names;
  for (const Subcommand& command : Subcommands()) names.emplace_back(command.name);
  std::string out =
      "# bash completion for starttls-scan\n"
      "# Written by starttls-scan-docgen from the program's flag tables; do not edit.\n"
      "_starttls_scan() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev= sub=" +
      std::string(DefaultSubcommand()->name) +
      " i\n"
      "  (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
      "    case ${COMP_WORDS[i]} in\n"
      "      " +
      Join(names, "|") +
      ") sub=${COMP_WORDS[i]}; break ;;\n"
      "    esac\n"
      "  done\n"
      "  COMPREPLY=()\n"
      "  local flags=\n"
      "  case $sub in\n";
  for (const Subcommand& command : Subcommands()) out += SubcommandArm(command);
  out +=
      "  esac\n"
      "  if [[ $cur == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
      "    return\n"
      "  fi\n"
      "  (( COMP_CWORD == 1 )) && COMPREPLY=($(compgen -W '" +
      Join(names, " ") +
      "' -- \"$cur\"))\n"
      "  COMPREPLY+=($(compgen -f -- \"$cur\"))\n"
      "}\n"
      "complete -o filenames -F _starttls_scan starttls-scan\n";
  return out;
}

}  // namespace starttls
