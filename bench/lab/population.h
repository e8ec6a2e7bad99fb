// Which behaviour each loopback address gets: an explicit `address behaviour` file first, else a
// weighted pick from a seeded hash of the address — so any process (server, `truth`, `zone`)
// given the same flags agrees on every address without sharing state.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace starttls::lab {

struct AddressRange {
  uint32_t first = 0;  // host byte order, inclusive
  uint32_t last = 0;
};

bool ParseIpv4(std::string_view text, uint32_t& out);
std::string Ipv4ToString(uint32_t addr);
// "A-B", "A/LEN" or "A", comma separated; every address must be inside 127.0.0.0/8.
bool ParseAddressSpec(std::string_view spec, std::vector<AddressRange>& out, std::string& error);
uint64_t CountAddresses(const std::vector<AddressRange>& ranges);

// The MX host name of a lab address: 127.1.0.5 -> "mx-127-1-0-5.lab.test".
std::string MxName(uint32_t addr);
inline constexpr std::string_view kZoneOrigin = "lab.test";

// Default weights (behaviour=weight), documented in --help and bench/README.md.
inline constexpr std::string_view kDefaultWeights =
    "compliant=40,no_starttls=20,misordered=5,others=1";

class Population {
 public:
  // `weights`: "all" (every behaviour weight 1), or "id=N,...", where "others=N" sets every
  // behaviour not named. In wildcard mode connection_refused cannot be served (the wildcard
  // listener accepts every address) and its weight is forced to 0.
  bool SetWeights(std::string_view weights, bool wildcard, std::string& error);
  // Lines "ADDRESS BEHAVIOUR"; '#' comments and blank lines ignored.
  bool LoadAssignFile(const std::string& path, std::string& error);
  void SetSeed(uint64_t seed) { seed_ = seed; }

  int BehaviourFor(uint32_t addr) const;  // index into AllBehaviours()
  const std::unordered_map<uint32_t, int>& assigned() const { return assigned_; }
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_ = 1;
  std::vector<uint64_t> cumulative_;  // cumulative weight per behaviour index
  std::unordered_map<uint32_t, int> assigned_;
};

uint64_t Mix64(uint64_t x);  // splitmix64 finaliser

}  // namespace starttls::lab
