#include "scanner/cli/docgen/man_page.h"

#include <vector>

#include "output/field_table.h"
#include "scanner/cli/docgen/man_examples.h"
#include "scanner/cli/docgen/roff.h"
#include "scanner/cli/subcommands.h"
#include "scanner/flags/exit_codes.h"

namespace starttls {
namespace {

// A subcommand's --help text in its two parts: the usage lines ("usage: X" and the lines
// below it that start with spaces and the program name), then the description up to the
// "flags:" line that FlagHelp's list follows.
struct HelpParts {
  std::vector<std::string_view> usage;
  std::vector<std::string_view> description;
};

HelpParts SplitHelp(std::string_view help) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < help.size();) {
    size_t end = help.find('\n', start);
    if (end == std::string_view::npos) end = help.size();
    lines.push_back(help.substr(start, end - start));
    start = end + 1;
  }
  HelpParts parts;
  size_t at = 0;
  constexpr std::string_view kUsage = "usage: ";
  for (; at < lines.size(); ++at) {
    std::string_view line = lines[at];
    if (line.starts_with(kUsage)) {
      parts.usage.push_back(line.substr(kUsage.size()));
      continue;
    }
    size_t text = line.find_first_not_of(' ');
    if (text == 0 || text == std::string_view::npos ||
        !line.substr(text).starts_with("starttls-scan")) {
      break;
    }
    parts.usage.push_back(line.substr(text));
  }
  while (at < lines.size() && lines[at].empty()) ++at;
  size_t end = lines.size();
  while (end > at && (lines[end - 1].empty() || lines[end - 1] == "flags:")) --end;
  parts.description.assign(lines.begin() + at, lines.begin() + end);
  return parts;
}

// "starttls-scan convert --to csv ..." with the program and subcommand in bold.
std::string UsageLine(std::string_view usage, std::string_view subcommand) {
  std::string program = "starttls-scan";
  std::string_view rest = usage.substr(program.size());
  std::string bold = program;
  if (rest.starts_with(" " + std::string(subcommand))) {
    bold += " " + std::string(subcommand);
    rest.remove_prefix(subcommand.size() + 1);
  }
  return "\\fB" + RoffEscape(bold) + "\\fR" + RoffEscape(rest) + "\n";
}

// Description lines as roff: blank lines start paragraphs, indented lines (examples of
// records) stay as they are, the rest is filled.
void AppendDescription(const std::vector<std::string_view>& lines, std::string* out) {
  bool verbatim = false;
  for (std::string_view line : lines) {
    bool indented = line.starts_with(" ");
    if (line.empty()) {
      if (verbatim) *out += ".fi\n";
      verbatim = false;
      *out += ".PP\n";
      continue;
    }
    if (indented != verbatim) *out += indented ? ".nf\n" : ".fi\n";
    verbatim = indented;
    *out += RoffEscape(line) + "\n";
  }
  if (verbatim) *out += ".fi\n";
}

void AppendFlags(const std::vector<FlagSpec>& flags, std::string* out) {
  *out += ".PP\nFlags:\n";
  for (const FlagSpec& flag : flags) {
    std::string heading;
    if (flag.short_name != 0) {
      heading += "\\fB\\-" + RoffEscape(std::string(1, flag.short_name)) + "\\fR, ";
    }
    heading += "\\fB" + RoffEscape("--" + std::string(flag.name)) + "\\fR";
    if (!flag.value_name.empty()) heading += " \\fI" + RoffEscape(flag.value_name) + "\\fR";
    *out += ".TP\n" + heading + "\n" + RoffEscape(flag.help) + "\n";
  }
}

void AppendFields(std::string* out) {
  *out +=
      ".SH OUTPUT FIELDS\n"
      "Every record is one JSON object on one line (NDJSON) with a \\fBtype\\fR member. Nested "
      "fields are named by dotted paths: \\fBtls.validation.trusted\\fR is the member "
      "\\fBtrusted\\fR of the object \\fBvalidation\\fR of \\fBtls\\fR; members of a list of "
      "objects are named by the list's path (\\fBtls.chain.sha256\\fR). Server bytes (raw) "
      "hold one character U+0000\\-U+00FF per byte. The JSON Schemas in "
      "\\fI/usr/share/starttls\\-scan/schema/\\fR say the same for validators; "
      "\\fBstarttls\\-scan convert \\-\\-list\\-fields\\fR prints this list.\n";
  for (const RecordTable& table : RecordTables()) {
    *out += ".SS " + RoffEscape(table.type) + " records\n";
    for (const FieldSpec& field : table.fields) {
      std::string type = DescribeTypes(field);
      if (field.format == FieldFormat::kRaw) type += ", raw";
      if (field.required) type += ", required";
      *out += ".TP\n\\fB" + RoffEscape(field.name) + "\\fR (" + RoffEscape(type) + ")\n" +
              RoffEscape(field.doc) + "\n";
    }
  }
}

}  // namespace

std::string RenderManPage(std::string_view version) {
  std::string out;
  out += ".\\\" Written by starttls-scan-docgen from the program's own tables; do not edit.\n";
  out += ".TH STARTTLS\\-SCAN 1 \"\" \"starttls\\-scan " + RoffEscape(version) +
         "\" \"User Commands\"\n";
  out += ".SH NAME\nstarttls\\-scan \\- " + RoffEscape(kProgramPurpose) + "\n";

  out += ".SH SYNOPSIS\n.nf\n";
  for (const Subcommand& command : Subcommands()) {
    for (std::string_view usage : SplitHelp(command.help_text()).usage) {
      out += UsageLine(usage, command.name);
    }
  }
  out += ".fi\n";

  const Subcommand* fallback = DefaultSubcommand();
  out += ".SH DESCRIPTION\n\\fBstarttls\\-scan\\fR " + RoffEscape(kProgramPurpose) +
         ". It reads targets (addresses, networks, mail domains), holds many SMTP sessions "
         "open at once on io_uring, and writes one NDJSON record per target. The first "
         "argument names a subcommand; without one, \\fB" +
         RoffEscape(fallback->name) + "\\fR runs. Every subcommand has \\fB\\-\\-help\\fR.\n";
  for (const Subcommand& command : Subcommands()) {
    out += ".TP\n\\fB" + RoffEscape(command.name) + "\\fR\n" + RoffEscape(command.summary) + "\n";
  }

  out += ".SH SUBCOMMANDS\n";
  for (const Subcommand& command : Subcommands()) {
    out += ".SS " + RoffEscape(command.name) + "\n";
    AppendDescription(SplitHelp(command.help_text()).description, &out);
    AppendFlags(command.documented_flags(), &out);
  }

  out += ".SH EXIT STATUS\n";
  for (const ExitCodeDoc& exit : kExitCodeDocs) {
    out += ".TP\n\\fB" + std::to_string(exit.code) + "\\fR\n" + RoffEscape(exit.meaning) + "\n";
  }

  out += ".SH EXAMPLES\n";
  for (const ManExample& example : ManExamples()) {
    out += ".PP\n" + RoffEscape(example.what) + "\n.PP\n.RS 4\n.nf\n" +
           RoffEscape(example.command) + "\n.fi\n.RE\n";
  }

  AppendFields(&out);

  out +=
      ".SH FILES\n"
      ".TP\n\\fI/usr/share/starttls\\-scan/schema/\\fR\n"
      "JSON Schemas of the records and of the metadata file.\n"
      ".TP\n\\fI/etc/ssl/certs/ca\\-certificates.crt\\fR\n"
      "The trust anchors for chain validation unless \\fB\\-\\-ca\\-file\\fR names others.\n"
      ".TP\n\\fI/etc/resolv.conf\\fR\n"
      "The resolvers for domain targets unless \\fB\\-\\-resolver\\fR names others.\n"
      ".SH SEE ALSO\n"
      "\\fBzmap\\fR(1), \\fBopenssl\\-s_client\\fR(1); RFC 3207 (SMTP STARTTLS), RFC 7672 "
      "(SMTP DANE), RFC 8461 (MTA\\-STS).\n";
  return out;
}

}  // namespace starttls
