#include "bench/lab/population.h"

#include <charconv>
#include <fstream>

#include "bench/lab/behaviour_table.h"

namespace starttls::lab {

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool ParseIpv4(std::string_view text, uint32_t& out) {
  uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int part = 0; part < 4; ++part) {
    unsigned octet = 0;
    auto [next, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || next == p || next - p > 3 || octet > 255) return false;
    value = (value << 8) | octet;
    p = next;
    if (part < 3) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  if (p != end) return false;
  out = value;
  return true;
}

std::string Ipv4ToString(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string MxName(uint32_t a) {
  return "mx-" + std::to_string(a >> 24) + "-" + std::to_string((a >> 16) & 255) + "-" +
         std::to_string((a >> 8) & 255) + "-" + std::to_string(a & 255) + "." +
         std::string(kZoneOrigin);
}

static bool ParseOneRange(std::string_view item, AddressRange& r, std::string& error) {
  auto bad = [&](std::string_view why) {
    error = "bad address range '" + std::string(item) + "': " + std::string(why);
    return false;
  };
  if (auto dash = item.find('-'); dash != std::string_view::npos) {
    if (!ParseIpv4(item.substr(0, dash), r.first) || !ParseIpv4(item.substr(dash + 1), r.last))
      return bad("expected A-B");
  } else if (auto slash = item.find('/'); slash != std::string_view::npos) {
    unsigned len = 0;
    auto tail = item.substr(slash + 1);
    auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), len);
    if (!ParseIpv4(item.substr(0, slash), r.first) || ec != std::errc() ||
        p != tail.data() + tail.size() || len < 8 || len > 32)
      return bad("expected A/LEN with LEN 8..32");
    uint32_t mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
    r.first &= mask;
    r.last = r.first | ~mask;
  } else {
    if (!ParseIpv4(item, r.first)) return bad("expected an IPv4 address");
    r.last = r.first;
  }
  if (r.first > r.last) return bad("first address after last");
  if ((r.first >> 24) != 127 || (r.last >> 24) != 127) return bad("outside 127.0.0.0/8");
  return true;
}

bool ParseAddressSpec(std::string_view spec, std::vector<AddressRange>& out, std::string& error) {
  while (!spec.empty()) {
    auto comma = spec.find(',');
    auto item = spec.substr(0, comma);
    AddressRange r;
    if (!ParseOneRange(item, r, error)) return false;
    out.push_back(r);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
  }
  if (out.empty()) {
    error = "empty address range";
    return false;
  }
  return true;
}

uint64_t CountAddresses(const std::vector<AddressRange>& ranges) {
  uint64_t n = 0;
  for (const auto& r : ranges) n += uint64_t{r.last} - r.first + 1;
  return n;
}

std::string ExpandWeightPreset(std::string_view spec) {
  auto comma = spec.find(',');
  std::string_view head = spec.substr(0, comma);
  std::string rest = comma == std::string_view::npos ? "" : std::string(spec.substr(comma));
  if (head == "internet") return std::string(kInternetWeights) + rest;
  if (head == "hostile") {
    std::string out;
    for (const auto& b : AllBehaviours())
      if (b.id.substr(0, 8) == "hostile_") out += std::string(b.id) + "=1,";
    return out + std::string(kHostileExtraWeights) + rest;
  }
  return std::string(spec);
}

bool Population::SetWeights(std::string_view requested, bool wildcard, std::string& error) {
  auto all = AllBehaviours();
  std::string expanded = ExpandWeightPreset(requested);
  std::string_view spec = expanded;
  std::vector<int64_t> w(all.size(), -1);
  int64_t others = 0;
  if (spec == "all") {
    others = 1;
  } else {
    while (!spec.empty()) {
      auto comma = spec.find(',');
      auto item = spec.substr(0, comma);
      spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
      auto eq = item.find('=');
      if (eq == std::string_view::npos) {
        error = "bad weight '" + std::string(item) + "': expected behaviour=N";
        return false;
      }
      auto name = item.substr(0, eq);
      auto num = item.substr(eq + 1);
      int64_t value = 0;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
      if (ec != std::errc() || p != num.data() + num.size() || value < 0 || value > 1000000) {
        error = "bad weight '" + std::string(item) + "': N must be 0..1000000";
        return false;
      }
      if (name == "others") {
        others = value;
        continue;
      }
      int idx = FindBehaviour(name);
      if (idx < 0) {
        error = "unknown behaviour '" + std::string(name) + "' in weights";
        return false;
      }
      w[idx] = value;
    }
  }
  cumulative_.assign(all.size(), 0);
  uint64_t total = 0;
  // `others` fills in the benign behaviours not named; a hostile_* behaviour is served only
  // when named (or by 'all' and the 'hostile' preset), so a default or `others=` population
  // never holds tarpits that the scanner's default deadlines are needed for.
  const bool every = spec == "all";
  for (size_t i = 0; i < all.size(); ++i) {
    const bool hostile = all[i].id.substr(0, 8) == "hostile_";
    int64_t v = w[i] >= 0 ? w[i] : (hostile && !every ? 0 : others);
    if (wildcard && all[i].id == "connection_refused") v = 0;
    total += static_cast<uint64_t>(v);
    cumulative_[i] = total;
  }
  if (total == 0) {
    error = "all behaviour weights are zero";
    return false;
  }
  return true;
}

bool Population::LoadAssignFile(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read assign file " + path;
    return false;
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    auto sep = line.find_first_of(" \t", first);
    auto second = sep == std::string::npos ? sep : line.find_first_not_of(" \t", sep);
    auto end = second == std::string::npos ? second : line.find_first_of(" \t\r", second);
    uint32_t addr = 0;
    int idx = -1;
    if (second != std::string::npos) {
      std::string_view a(line.data() + first, sep - first);
      std::string_view b(line.data() + second,
                         (end == std::string::npos ? line.size() : end) - second);
      if (ParseIpv4(a, addr) && (addr >> 24) == 127) idx = FindBehaviour(b);
    }
    if (idx < 0) {
      error = path + ":" + std::to_string(lineno) + ": expected '127.x.y.z BEHAVIOUR'";
      return false;
    }
    assigned_[addr] = idx;
  }
  return true;
}

int Population::BehaviourFor(uint32_t addr) const {
  if (auto it = assigned_.find(addr); it != assigned_.end()) return it->second;
  uint64_t total = cumulative_.empty() ? 0 : cumulative_.back();
  if (total == 0) return 0;
  uint64_t pick = Mix64(seed_ ^ Mix64(addr)) % total;
  for (size_t i = 0; i < cumulative_.size(); ++i)
    if (pick < cumulative_[i]) return static_cast<int>(i);
  return 0;
}

}  // namespace starttls::lab
