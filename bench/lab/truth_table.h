// What a correct scanner must report for each behaviour, per docs/rules.md §3-6. Written by hand
// from the text of docs/rules.md (deliberately NOT computed by the project's classifier), keyed by
// behaviour id.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starttls::lab {

struct TlsTruth {
  std::string_view
      outcome;  // "ok", "starttls-refused", "handshake-error", "timeout"; empty: STARTTLS not sent
  std::string_view version;   // "TLSv1.3" / "TLSv1.2" when ok
  std::string_view key_type;  // "ECDSA" / "RSA"
  int key_bits = 0;
  bool chain_valid = false;  // verifies against the lab CA (scanner run with --ca-file ca.pem)
  bool hostname_match = false;
  bool expired = false;
  bool self_signed = false;
  std::string_view phase;  // with "ok": where a failure after the handshake happened ("ehlo")
};

struct HostTruth {
  std::string_view status;                  // docs/rules.md §6 closed list
  std::string_view cls;                     // empty: no class
  std::vector<std::string_view> anomalies;  // sorted
  bool starttls_sent = false;               // with the default --starttls=offered
  std::string_view starttls_reason;         // "offered" / "probe" when sent
  int starttls_code = 0;                    // what the server answers to STARTTLS (sent or forced)
  TlsTruth tls;
  // Connections a correct scanner needs to reach this record: 2 when the first connection is
  // refused with a 421 that a retry gets past (banner_421_once), 1 otherwise.
  int attempts = 1;
};

// The truth for a behaviour id; nullptr for an unknown id.
const HostTruth* TruthFor(std::string_view behaviour_id);

// One NDJSON line (without newline) for a host.
std::string HostTruthJson(std::string_view ip, uint16_t port, std::string_view mx,
                          std::string_view behaviour_id, const HostTruth& t);

}  // namespace starttls::lab
