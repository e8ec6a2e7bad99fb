// NDJSON records the scan writes (docs/rules.md §6): `host` for every distinct (ip, port), and
// `error` records (output/error_record.h) for input lines that name no target.
// Each Append* adds one whole line.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "output/error_record.h"
#include "scanner/session/smtp_session.h"
#include "scanner/targets/ip_address.h"

namespace starttls {

// A session that ran (whatever its status).
void AppendHostRecord(const Endpoint& endpoint, std::span<const std::string> names,
                      const SessionResult& result, int64_t started_unix_ms, std::string* out);

// A target that no packet was sent to: blocklisted (`reason` says by which list and range),
// or never started because the scan was stopped (status still reported as given).
void AppendUnscannedHostRecord(const Endpoint& endpoint, std::span<const std::string> names,
                               ScanStatus status, std::string_view error, int64_t now_unix_ms,
                               std::string* out);

}  // namespace starttls
