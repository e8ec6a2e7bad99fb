// The bash completion script for starttls-scan, written from the subcommand table and each
// subcommand's flag table (the ones --help prints), so it offers exactly the flags the
// program accepts. It needs nothing from the bash-completion package.
//
// Per subcommand it offers its flags after '-', file names for flags whose value is a FILE,
// the choices of flags whose value name lists them ("all|none"), nothing for other values,
// and file names (plus, as the first word, the subcommand names) elsewhere.
#pragma once

#include <string>

namespace starttls {

std::string RenderBashCompletion();

}  // namespace starttls
