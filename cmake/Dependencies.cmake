# Every dependency comes from Debian 12's packages (see scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
# The dataset tools: simdjson's On-Demand reader (libsimdjson-dev), gzip (zlib1g-dev) and
# zstd (libzstd-dev) input.
pkg_check_modules(SIMDJSON REQUIRED IMPORTED_TARGET simdjson)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

# BoringSSL from android-libboringssl-dev: its own include and lib folders, so that no
# OpenSSL header or library can be picked up by mistake. One TLS library per binary.
set(BORINGSSL_INCLUDE_DIR /usr/include/android)
set(BORINGSSL_LIB_DIR /usr/lib/x86_64-linux-gnu/android)
find_library(BORINGSSL_SSL_LIBRARY NAMES ssl PATHS ${BORINGSSL_LIB_DIR} NO_DEFAULT_PATH REQUIRED)
find_library(BORINGSSL_CRYPTO_LIBRARY NAMES crypto PATHS ${BORINGSSL_LIB_DIR} NO_DEFAULT_PATH REQUIRED)
add_library(boringssl_crypto SHARED IMPORTED)
set_target_properties(boringssl_crypto PROPERTIES
  IMPORTED_LOCATION ${BORINGSSL_CRYPTO_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${BORINGSSL_INCLUDE_DIR})
add_library(boringssl_ssl SHARED IMPORTED)
set_target_properties(boringssl_ssl PROPERTIES
  IMPORTED_LOCATION ${BORINGSSL_SSL_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${BORINGSSL_INCLUDE_DIR}
  INTERFACE_LINK_LIBRARIES boringssl_crypto)
add_library(BoringSSL::ssl ALIAS boringssl_ssl)
add_library(BoringSSL::crypto ALIAS boringssl_crypto)
# The android libraries are not on the loader's path: bake their folder into every binary.
list(APPEND CMAKE_BUILD_RPATH ${BORINGSSL_LIB_DIR})
list(APPEND CMAKE_INSTALL_RPATH ${BORINGSSL_LIB_DIR})
