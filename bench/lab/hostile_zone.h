// The names dns-lab answers under hostile.test, and what it answers: DNS a scanner's resolver
// must survive (compression loops, over-long names, 1,000 MX needing TCP, CNAME chains and
// loops, IP literals as exchanges, truncation, answers for another question or with another
// ID) beside a few ordinary names for control. It also answers A for the lab's own MX names
// (mx-127-1-0-5.lab.test), so that exchanges lead to real lab hosts.
//
// Every name has a truth row (RUN_DIR/hostile.ndjson, the domains.ndjson format): what the
// scanner's `domain` record must say, docs/rules.md §6. The reasoning per row is in
// bench/README.md ("Hostile DNS").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/lab/dns_wire.h"
#include "bench/lab/lab_host_file.h"

namespace starttls::lab {

inline constexpr std::string_view kHostileOrigin = "hostile.test";

// Copies of the names, for benchmarks that need many domains: copy 0 is under hostile.test,
// copy k > 0 under kK.hostile.test (ok.k12.hostile.test), each answered as copy 0 is.
std::string HostileOrigin(uint32_t copy);

// One message to send in answer to a query, `delay_ms` after it arrived (0: at once).
struct DnsSend {
  std::string bytes;
  uint32_t delay_ms = 0;
};

class HostileZone {
 public:
  // Picks the control hosts from the lab's hosts: a compliant, a misordered and a no_starttls
  // one must exist. `late_ms`: how long after a bad answer the good one follows. `copies`:
  // how many copies of the names are served (and listed in the truth).
  bool Init(std::vector<LabHost> hosts, uint32_t late_ms, std::string& error, uint32_t copies = 1);

  // The messages answering `q` (none: silence). `tcp`: no size limit, TC never set.
  void Answer(const DnsQuery& q, bool tcp, std::vector<DnsSend>& out) const;

  // One truth line per name of the zone (NDJSON, newline-terminated).
  std::string TruthNdjson() const;

  // Every domain of the truth, one per line (the scanner's input file).
  std::string DomainList() const;

 private:
  std::string TruthNdjson(const std::string& origin) const;  // one copy's rows

  std::vector<LabHost> hosts_;
  const LabHost* compliant_ = nullptr;  // point into hosts_
  const LabHost* misordered_ = nullptr;
  const LabHost* no_starttls_ = nullptr;
  std::unordered_map<std::string, const LabHost*> by_mx_;
  uint32_t late_ms_ = 200;
  uint32_t copies_ = 1;
};

}  // namespace starttls::lab
