# The Debian package an operator installs: `cmake --build build --target deb` writes
# build/starttls-scan_<version>_amd64.deb (README "Install"). It holds the program, its man
# page and bash completion — both written at build time by starttls-scan-docgen from the
# same tables as --help, so they cannot drift — and the JSON Schemas of the records.
# packaging/deb/ holds what is written by hand: changelog, copyright, lintian overrides.

set(STARTTLS_DEB_DIR ${CMAKE_SOURCE_DIR}/packaging/deb)
set(STARTTLS_DOC_OUT ${CMAKE_BINARY_DIR}/doc)

# One version: project(VERSION). The changelog's newest entry must name it.
file(STRINGS ${STARTTLS_DEB_DIR}/changelog changelog_head LIMIT_COUNT 1)
if(NOT changelog_head MATCHES "^starttls-scan \\(([^)]+)\\) " OR
   NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "packaging/deb/changelog's newest entry (${changelog_head}) does not "
                      "name the project's version ${PROJECT_VERSION}: add an entry for it")
endif()

add_custom_command(
  OUTPUT ${STARTTLS_DOC_OUT}/starttls-scan.1 ${STARTTLS_DOC_OUT}/starttls-scan.bash
  COMMAND ${CMAKE_COMMAND} -E make_directory ${STARTTLS_DOC_OUT}
  COMMAND starttls-scan-docgen ${STARTTLS_DOC_OUT}/starttls-scan.1
          ${STARTTLS_DOC_OUT}/starttls-scan.bash
  DEPENDS starttls-scan-docgen
  COMMENT "Writing starttls-scan(1) and the bash completion from the flag tables"
  VERBATIM)
# Debian wants man pages and changelogs compressed with gzip -9n (no name, no time stamp).
add_custom_command(
  OUTPUT ${STARTTLS_DOC_OUT}/starttls-scan.1.gz ${STARTTLS_DOC_OUT}/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${STARTTLS_DEB_DIR}/changelog ${STARTTLS_DOC_OUT}/changelog
  COMMAND gzip -9nkf ${STARTTLS_DOC_OUT}/starttls-scan.1 ${STARTTLS_DOC_OUT}/changelog
  DEPENDS ${STARTTLS_DOC_OUT}/starttls-scan.1 ${STARTTLS_DEB_DIR}/changelog
  VERBATIM)
add_custom_target(starttls-scan-docs ALL
  DEPENDS ${STARTTLS_DOC_OUT}/starttls-scan.1.gz ${STARTTLS_DOC_OUT}/starttls-scan.bash
          ${STARTTLS_DOC_OUT}/changelog.gz)

# What the package holds (paths under CPACK_PACKAGING_INSTALL_PREFIX, /usr). Only the product:
# the lab, benchmarks and test helpers have no install rules.
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
    GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
install(TARGETS starttls-scan RUNTIME DESTINATION bin)
install(FILES ${STARTTLS_DOC_OUT}/starttls-scan.1.gz DESTINATION share/man/man1)
install(FILES ${STARTTLS_DOC_OUT}/starttls-scan.bash
        DESTINATION share/bash-completion/completions RENAME starttls-scan)
file(GLOB schema_files ${CMAKE_SOURCE_DIR}/output/schema/*.json)
install(FILES ${schema_files} DESTINATION share/starttls-scan/schema)
install(FILES ${STARTTLS_DEB_DIR}/copyright ${STARTTLS_DOC_OUT}/changelog.gz
        DESTINATION share/doc/starttls-scan)
install(FILES ${STARTTLS_DEB_DIR}/lintian-overrides
        DESTINATION share/lintian/overrides RENAME starttls-scan)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME starttls-scan)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "Seed 42414a9b maintainers <maintainers@users.noreply.r-seed-42414a9b.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "STARTTLS compliance scanner for SMTP servers")
# The extended description: lines of at most 80 characters in the control file.
set(CPACK_PACKAGE_DESCRIPTION
    "starttls-scan measures whether mail servers offer STARTTLS in a way real
clients can use. It scans addresses, networks and mail domains with many SMTP
sessions at once (io_uring), classifies each server's EHLO reply as real
clients read it, performs STARTTLS and a TLS handshake, looks up domain
policy (DANE, MTA-STS, TLS-RPT), and writes one NDJSON record per target.
Subcommands convert, diff and report work on the records; classify judges
transcripts without a network.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # starttls-scan_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the binary links, by dpkg-shlibdeps (liburing2, libc-ares2,
# android-libboringssl, libabsl, libsimdjson, zlib1g, libzstd1, libc6, libstdc++6, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)

# cpack packages what is built: the deb target builds exactly what the package holds first
# (not the whole tree: the install step does not depend on `all`).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
add_custom_target(deb
  COMMAND ${CMAKE_CPACK_COMMAND} -G DEB --config ${CMAKE_BINARY_DIR}/CPackConfig.cmake
  WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
  COMMENT "Building the Debian package"
  VERBATIM)
add_dependencies(deb starttls-scan starttls-scan-docs)
