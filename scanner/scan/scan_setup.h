// Turning the scan's flags into the objects it runs with: input and output, target policy,
// engine configuration, the TLS client context, and the MX resolver for domain targets.
// Each returns an error text naming the flag at fault, or "" on success.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "scanner/engine/scan_engine.h"
#include "scanner/scan/domain_targets.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/scan_options.h"
#include "scanner/targets/target_line.h"
#include "scanner/targets/target_policy.h"
#include "scanner/tls/tls_client_context.h"

namespace starttls {

std::string ThisHostFqdn();
uint64_t RandomSeed();

// The input's reader: positional targets as an in-memory file (so every target takes the
// same path); --input-file - or a pipe through a background reader that never blocks the
// scan; a regular file directly. Null with *error (naming the file) when it cannot be read
// or is a directory.
std::unique_ptr<TargetReader> OpenInput(const ScanOptions& options, std::string* error);

// --source-ip must be an address of this machine: checked by binding a socket to it before
// anything is sent, so a typo is a usage error, not a survey of "connection refused".
std::string CheckSourceAddresses(const ScanOptions& options);
// -1 with *error on failure.
int OpenOutput(const ScanOptions& options, std::string* error);
// How records are written: --output-format, --output-fields (each name checked against the
// field table) and the compression --output-file's name asks for.
std::optional<RecordFormat> MakeRecordFormat(const ScanOptions& options, std::string* error);
std::optional<TargetPolicy> LoadPolicy(const ScanOptions& options, std::string* error);
EngineConfig MakeEngineConfig(const ScanOptions& options);

// The TLS context (null for --starttls=never) and the session's TLS settings.
std::string SetUpTls(const ScanOptions& options, std::unique_ptr<TlsClientContext>* context,
                     SessionConfig* session);

// The MX resolver for domain targets. When none can be set up (no usable --resolver or
// resolv.conf) the scan still runs: *unavailable says why, and domain lines get a record
// with that reason. A bad --resolver value is an error (returned).
std::string SetUpDomainTargets(const ScanOptions& options, RecordSink* sink, ScanTally* tally,
                               std::unique_ptr<DomainTargets>* targets, std::string* unavailable);

}  // namespace starttls
