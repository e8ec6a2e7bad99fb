// smtp-lab's command line: subcommand, flags, and the --help text that documents them all.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bench/lab/lab_certs.h"

namespace starttls::lab {

struct LabOptions {
  std::string command = "serve";  // serve | truth | zone | behaviours
  uint16_t port = 25;
  std::string addresses;  // spec for ParseAddressSpec; required unless --wildcard
  bool wildcard = false;
  std::string ipv6_behaviour;  // non-empty: also serve [::1]:port with this behaviour
  std::string weights = "compliant=40,no_starttls=20,misordered=5,others=1";
  std::string assign_file;
  uint64_t seed = 1;
  std::string run_dir = ".";
  uint32_t latency_min_ms = 0;
  uint32_t latency_max_ms = 0;
  double drop_fraction = 0;
  uint32_t greeting_delay_ms = 20000;
  uint32_t late_banner_ms = 29000;  // hostile_late_banner: just inside a 30 s banner deadline
  uint32_t drip_gap_ms = 2;
  uint32_t idle_timeout_s = 300;
  uint32_t processes = 1;
  std::string stats_file;  // empty: stats JSON on stdout
  uint32_t domains = 200;
  std::string dns_address = "127.0.0.1";
  std::string lame_ns = "127.53.53.53";
  std::string policy_address;     // non-empty: write the domain-policy cases (policy_domains.h)
  bool no_truth = false;          // serve: skip truth/zone files (huge ranges)
  PkiShape pki;                   // --pki, --rsa-percent
  std::vector<std::string> args;  // positional (addresses for `truth`)
};

// Parses argv; on error fills `error`. `help` is set when --help was asked.
bool ParseLabOptions(int argc, char** argv, LabOptions& out, bool& help, std::string& error);
std::string LabHelpText();

}  // namespace starttls::lab
