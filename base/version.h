// The program's version, and the versions of the libraries it runs with (--version): what a
// dataset's reader needs to know which build and which kernel interface produced it.
#pragma once

#include <string>
#include <string_view>

namespace starttls {

inline constexpr std::string_view kStarttlsScanVersion = STARTTLS_SCAN_VERSION;

// Several lines: "starttls-scan X", then liburing, BoringSSL, c-ares and the kernel.
std::string VersionReport();

}  // namespace starttls
