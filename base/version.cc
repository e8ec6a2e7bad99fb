#include "base/version.h"

#include <ares.h>
#include <link.h>
#include <openssl/crypto.h>
#include <sys/utsname.h>

#include <climits>
#include <cstdlib>
#include <string>

namespace starttls {
namespace {

// liburing has no version call before 2.4: the loaded library's file name tells it
// ("liburing.so.2.3"), found among the objects the dynamic loader mapped.
int FindLiburing(dl_phdr_info* info, size_t, void* data) {
  std::string_view name = info->dlpi_name != nullptr ? info->dlpi_name : "";
  if (name.find("liburing.so") == std::string_view::npos) return 0;
  char resolved[PATH_MAX];
  std::string path(name);
  if (realpath(path.c_str(), resolved) != nullptr) path = resolved;
  *static_cast<std::string*>(data) = path;
  return 1;
}

std::string LiburingVersion() {
  std::string path;
  dl_iterate_phdr(FindLiburing, &path);
  size_t at = path.rfind(".so.");
  if (at == std::string::npos) return path.empty() ? "unknown" : path;
  return path.substr(at + 4) + " (" + path + ")";
}

}  // namespace

std::string VersionReport() {
  std::string report = "starttls-scan " + std::string(kStarttlsScanVersion) + "\n";
  report += "liburing " + LiburingVersion() + "\n";
  report += "BoringSSL: " + std::string(OpenSSL_version(OPENSSL_VERSION)) + ", API version " +
            std::to_string(BORINGSSL_API_VERSION) + "\n";
  report += "c-ares " + std::string(ares_version(nullptr)) + "\n";
  utsname system{};
  if (uname(&system) == 0) {
    report += "kernel " + std::string(system.sysname) + " " + system.release + " (io_uring)\n";
  }
  return report;
}

}  // namespace starttls
