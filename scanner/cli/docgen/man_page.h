// starttls-scan(1) as roff, written from the tables the program itself runs on: the
// subcommand table with each subcommand's --help text and flag table, the exit codes
// (scanner/flags/exit_codes.h), the examples, and the field table of every record type
// (output/field_table.h). Built by starttls-scan-docgen, so the page cannot drift from --help.
#pragma once

#include <string>
#include <string_view>

namespace starttls {

std::string RenderManPage(std::string_view version);

}  // namespace starttls
