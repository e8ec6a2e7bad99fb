// Reads the lab's host truth (RUN_DIR/truth.ndjson, written by smtp-lab) back: the programs
// beside smtp-lab (dns-lab) coordinate with it only through this file, so they point their
// names at hosts whose behaviour the lab really serves.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace starttls::lab {

struct LabHost {
  std::string ip;
  uint16_t port = 0;
  std::string mx;         // the lab's MX name of the address (mx-127-1-0-5.lab.test)
  std::string behaviour;  // a behaviour id of bench/lab/behaviour_table.cc
};

// One host per line; lines without ip/port/mx/behaviour are an error. At most 4,000,000 lines.
bool ReadLabHosts(const std::string& path, std::vector<LabHost>& out, std::string& error);

// The first host (file order) with this behaviour, skipping `skip` of them; nullptr if none.
const LabHost* FindHostByBehaviour(const std::vector<LabHost>& hosts, std::string_view behaviour,
                                   size_t skip = 0);

}  // namespace starttls::lab
