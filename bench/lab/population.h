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

// `--weights internet`: an Internet-like mix in parts per 10,000 (they sum to 10,000); the
// shares and the surveys they come from are in bench/README.md ("Weight presets").
inline constexpr std::string_view kInternetWeights =
    "compliant=2169,tls_rsa=100,tls13_only=100,tls12_only=600,starttls_last=300,"
    "multiline_banner=500,no_esmtp_banner=300,tls_self_signed=1800,tls_wrong_name=1500,"
    "tls_expired=400,starttls_454=50,tls_garbage=10,starttls_readvertised=20,misordered=20,"
    "starttls_only=5,starttls_lowercase=20,greeting_keyword=10,duplicate_keyword=50,"
    "starttls_both=5,bare_lf=10,non_ascii=30,trailing_data=10,line_too_long=5,mixed_codes=5,"
    "drip=5,no_starttls=1500,ehlo_rejected=30,greeting_mentions_starttls=5,asa_masked=30,"
    "banner_421=50,banner_421_once=50,banner_554=100,helo_rejected=10,no_banner=30,"
    "slow_greeting=100,reset_on_accept=20,reset_after_banner=20,http=5,hostile_drip_forever=2,"
    "hostile_fin_after_banner=5,hostile_rst_mid_ehlo=2,hostile_starttls_then_silence=5,"
    "hostile_tls_alert_instead_of_server_hello=10,hostile_never_reads=2,others=0";
// `--weights hostile`: every behaviour whose id starts with "hostile_" gets 1, plus these.
inline constexpr std::string_view kHostileExtraWeights =
    "compliant=2,no_starttls=1,misordered=1,banner_421_once=1,ehlo_1000_lines=1,others=0";

// "internet" / "hostile" as the first item of a weight spec become their weights (items after
// it override them); any other spec is returned as it is.
std::string ExpandWeightPreset(std::string_view spec);

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
