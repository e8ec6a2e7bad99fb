// NDJSON records the scan writes (docs/rules.md §6): `host` for every distinct (ip, port), and
// `error` records (output/error_record.h) for input lines that name no target.
// Each Append* adds one whole line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/ip_address.h"
#include "output/error_record.h"
#include "output/host_context.h"
#include "scanner/session/smtp_session.h"

namespace starttls {

// A session that ran (whatever its status); the last of context.attempts.
void AppendHostRecord(const Endpoint& endpoint, const HostContext& context,
                      const SessionResult& result, int64_t started_unix_ms, std::string* out);

// A target that no packet was sent to: blocklisted (`error` says by which list and range).
void AppendUnscannedHostRecord(const Endpoint& endpoint, const HostContext& context,
                               ScanStatus status, std::string_view error, int64_t now_unix_ms,
                               std::string* out);

}  // namespace starttls
