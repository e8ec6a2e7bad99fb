// starttls-scan-docgen: writes the man page and the bash completion from the program's own
// tables at build time (cmake/Packaging.cmake runs it). Built, never installed.
// Usage: starttls-scan-docgen MAN_PAGE_OUT COMPLETION_OUT
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/version.h"
#include "scanner/cli/docgen/bash_completion.h"
#include "scanner/cli/docgen/man_page.h"
#include "scanner/flags/exit_codes.h"

namespace {

bool WriteFile(const char* path, const std::string& text) {
  FILE* file = std::fopen(path, "w");
  if (file == nullptr) {
    std::fprintf(stderr, "starttls-scan-docgen: cannot open %s: %s\n", path, std::strerror(errno));
    return false;
  }
  bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) {
    std::fprintf(stderr, "starttls-scan-docgen: cannot write %s\n", path);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: starttls-scan-docgen MAN_PAGE_OUT COMPLETION_OUT\n");
    return starttls::kExitUsage;
  }
  bool ok = WriteFile(argv[1], starttls::RenderManPage(starttls::kStarttlsScanVersion)) &&
            WriteFile(argv[2], starttls::RenderBashCompletion());
  return ok ? starttls::kExitOk : starttls::kExitFailed;
}
