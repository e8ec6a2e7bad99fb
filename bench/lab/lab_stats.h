// Counters of one lab process; plain data so forked workers can send them to the parent
// through a pipe, which sums them (max_concurrent then is the sum of the workers' maxima). The
// per-/24 and per-address maxima come from SharedCounters (all workers together), so they are
// taken as the maximum, not summed.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace starttls::lab {

enum Verb : int {
  kEhlo,
  kHelo,
  kStarttls,
  kQuit,
  kNoop,
  kRset,
  kMail,
  kRcpt,
  kData,
  kAuth,
  kVrfy,
  kExpn,
  kOther,
  kVerbCount
};
inline constexpr std::array<std::string_view, kVerbCount> kVerbNames = {
    "EHLO", "HELO", "STARTTLS", "QUIT", "NOOP", "RSET", "MAIL",
    "RCPT", "DATA", "AUTH",     "VRFY", "EXPN", "OTHER"};
inline bool IsForbidden(int verb) { return verb >= kMail && verb <= kExpn; }

struct LabStats {
  uint64_t connections = 0;  // accepted
  uint64_t active = 0;       // open now
  uint64_t max_concurrent = 0;
  uint64_t max_concurrent_per_24 = 0;  // most connections open at once to one /24 (all workers)
  uint64_t max_concurrent_per_ip = 0;  // most connections open at once to one address
  uint64_t commands = 0;               // command lines received (plaintext and inside TLS)
  uint64_t verbs[kVerbCount] = {};
  uint64_t tls_handshakes = 0;  // completed
  uint64_t tls_failures = 0;
  uint64_t dropped = 0;  // --drop-fraction victims
  uint64_t resets = 0;   // connections closed with RST on purpose
  uint64_t accept_errors = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  // How late the lab's own timers fired (a banner delay, a drip, a reply's latency): its
  // truth rows assume it is prompt, so a late lab explains a scanner "timeout" the truth
  // does not expect. The maximum over the workers; counts summed.
  uint64_t timer_late_max_ns = 0;
  uint64_t timers_late_over_1s = 0;

  void Add(const LabStats& o) {
    connections += o.connections;
    max_concurrent += o.max_concurrent;
    if (o.max_concurrent_per_24 > max_concurrent_per_24)
      max_concurrent_per_24 = o.max_concurrent_per_24;
    if (o.max_concurrent_per_ip > max_concurrent_per_ip)
      max_concurrent_per_ip = o.max_concurrent_per_ip;
    commands += o.commands;
    for (int i = 0; i < kVerbCount; ++i) verbs[i] += o.verbs[i];
    tls_handshakes += o.tls_handshakes;
    tls_failures += o.tls_failures;
    dropped += o.dropped;
    resets += o.resets;
    accept_errors += o.accept_errors;
    bytes_in += o.bytes_in;
    bytes_out += o.bytes_out;
    if (o.timer_late_max_ns > timer_late_max_ns) timer_late_max_ns = o.timer_late_max_ns;
    timers_late_over_1s += o.timers_late_over_1s;
  }

  std::string ToJson() const {
    auto num = [](uint64_t v) { return std::to_string(v); };
    std::string o = "{\"connections\":" + num(connections) +
                    ",\"max_concurrent\":" + num(max_concurrent) +
                    ",\"max_concurrent_per_24\":" + num(max_concurrent_per_24) +
                    ",\"max_concurrent_per_ip\":" + num(max_concurrent_per_ip) +
                    ",\"commands\":" + num(commands) + ",\"commands_by_verb\":{";
    uint64_t forbidden_total = 0;
    std::string forbidden;
    for (int i = 0; i < kVerbCount; ++i) {
      if (i) o += ',';
      o += "\"" + std::string(kVerbNames[i]) + "\":" + num(verbs[i]);
      if (IsForbidden(i)) {
        if (!forbidden.empty()) forbidden += ',';
        forbidden += "\"" + std::string(kVerbNames[i]) + "\":" + num(verbs[i]);
        forbidden_total += verbs[i];
      }
    }
    o += "},\"forbidden\":{" + forbidden + "},\"forbidden_total\":" + num(forbidden_total) +
         ",\"tls_handshakes\":" + num(tls_handshakes) + ",\"tls_failures\":" + num(tls_failures) +
         ",\"dropped\":" + num(dropped) + ",\"resets\":" + num(resets) +
         ",\"accept_errors\":" + num(accept_errors) + ",\"bytes_in\":" + num(bytes_in) +
         ",\"bytes_out\":" + num(bytes_out) +
         ",\"timer_late_max_ms\":" + num(timer_late_max_ns / 1'000'000) +
         ",\"timers_late_over_1s\":" + num(timers_late_over_1s) + "}";
    return o;
  }
};

}  // namespace starttls::lab
