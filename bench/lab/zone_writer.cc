#include "bench/lab/zone_writer.h"

#include <cstdio>
#include <fstream>
#include <string_view>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/domain_truth.h"
#include "bench/lab/json_text.h"
#include "bench/lab/policy_domains.h"

namespace starttls::lab {
namespace {

enum Kind {
  kSingle,
  kMultiPref,
  kShared,
  kImplicit,
  kNullMx,
  kCnameTarget,
  kNoAddress,
  kNxdomain,
  kLame,
  kKindCount
};
constexpr std::string_view kKindNames[kKindCount] = {
    "single", "multi", "shared", "implicit", "nullmx", "cname", "noaddr", "nxdomain", "lame"};
constexpr uint32_t kKindWeights[kKindCount] = {35, 20, 20, 6, 4, 4, 4, 4, 3};

struct Writer {
  const LabOptions& opt;
  const Population& pop;
  const std::vector<uint32_t>& hosts;
  std::string zone;
  std::string truth;
  bool policy = false;                       // rows get docs/rules.md §8 fields (no policy)
  std::vector<std::string_view> behaviours;  // the current domain's exchanges, by preference

  uint32_t Pick(uint32_t domain, uint32_t salt, size_t limit) const {
    return static_cast<uint32_t>(Mix64(pop.seed() ^ Mix64((uint64_t{domain} << 8) | salt)) % limit);
  }

  // Appends one exchange to the truth JSON; returns the class rank reached.
  int Exchange(std::string& j, std::string_view name, int pref, const uint32_t* addr,
               std::string_view cname_target) {
    if (!addr) {
      behaviours.push_back({});
      return AppendExchangeJson(j, name, pref, {}, opt.port, {}, cname_target);
    }
    behaviours.push_back(AllBehaviours()[pop.BehaviourFor(*addr)].id);
    return AppendExchangeJson(j, name, pref, Ipv4ToString(*addr), opt.port, behaviours.back(),
                              cname_target);
  }

  void Domain(uint32_t i) {
    Kind kind;
    if (i < kKindCount) {
      kind = static_cast<Kind>(i);
    } else {
      uint32_t total = 0;
      for (auto w : kKindWeights) total += w;
      uint32_t pick = Pick(i, 0, total);
      int k = 0;
      while (pick >= kKindWeights[k]) pick -= kKindWeights[k++];
      kind = static_cast<Kind>(k);
    }
    char label[64];
    std::snprintf(label, sizeof label, "%s-%05u", kKindNames[kind].data(), i);
    std::string fqdn = std::string(label) + "." + std::string(kZoneOrigin);
    std::string j = "{\"domain\":" + JsonString(fqdn) + ",\"kind\":" + JsonString(kKindNames[kind]);
    std::string exchanges;
    behaviours.clear();
    int weakest = kUnreachableRank;
    auto add_mx = [&](int pref, uint32_t host) {
      std::string mx = MxName(host);
      zone += std::string(label) + " IN MX " + std::to_string(pref) + " " + mx + ".\n";
      if (!exchanges.empty()) exchanges += ',';
      weakest = std::min(weakest, Exchange(exchanges, mx, pref, &host, {}));
    };
    size_t n = hosts.size();
    std::string dns = "NOERROR", mx_kind = "mx", verdict;
    switch (kind) {
      case kSingle:
        add_mx(10, hosts[Pick(i, 1, n)]);
        break;
      case kMultiPref: {
        uint32_t a = Pick(i, 1, n), b = (a + 1 + Pick(i, 2, n > 1 ? n - 1 : 1)) % n;
        add_mx(10, hosts[a]);
        add_mx(20, hosts[b]);
        if (n > 2 && Pick(i, 3, 2) == 0) add_mx(30, hosts[(b + 1) % n]);
        break;
      }
      case kShared:
        add_mx(10, hosts[Pick(i, 1, n < 3 ? n : 3)]);
        break;  // 3 "providers"
      case kImplicit: {
        uint32_t host = hosts[Pick(i, 1, n)];
        zone += std::string(label) + " IN A " + Ipv4ToString(host) + "\n";
        mx_kind = "implicit";
        weakest = Exchange(exchanges, fqdn, 0, &host, {});
        break;
      }
      case kNullMx:
        zone += std::string(label) + " IN MX 0 .\n";
        mx_kind = "null";
        verdict = "no_mail";
        break;
      case kCnameTarget: {
        uint32_t host = hosts[Pick(i, 1, n)];
        std::string alias = "alias-" + std::to_string(i);
        zone += std::string(label) + " IN MX 10 " + alias + "." + std::string(kZoneOrigin) + ".\n";
        zone += alias + " IN CNAME " + MxName(host) + ".\n";
        weakest =
            Exchange(exchanges, alias + "." + std::string(kZoneOrigin), 10, &host, MxName(host));
        break;
      }
      case kNoAddress: {
        std::string target = "nohost-" + std::to_string(i) + "." + std::string(kZoneOrigin);
        zone += std::string(label) + " IN MX 10 " + target + ".\n";  // target absent: NXDOMAIN
        weakest = Exchange(exchanges, target, 10, nullptr, {});
        break;
      }
      case kNxdomain:
        dns = "NXDOMAIN";
        mx_kind.clear();
        verdict = "dns_error";
        break;
      case kLame:
        zone += std::string(label) + " IN NS ns." + label + "." + std::string(kZoneOrigin) + ".\n";
        zone += std::string("ns.") + label + " IN A " + opt.lame_ns + "\n";
        dns = "SERVFAIL";
        mx_kind.clear();
        verdict = "dns_error";
        break;
      case kKindCount:
        break;
    }
    if (verdict.empty()) verdict = VerdictOfRank(weakest);
    j += ",\"dns\":" + JsonString(dns) +
         ",\"mx_kind\":" + (mx_kind.empty() ? std::string("null") : JsonString(mx_kind)) +
         ",\"exchanges\":[" + exchanges + "],\"verdict\":" + JsonString(verdict);
    if (policy) j += NoPolicyFieldsJson(behaviours, kind == kLame ? "" : "secure");
    if (kind == kLame)
      j += ",\"note\":\"SERVFAIL through a recursive resolver; the lab's NSD itself answers with a "
           "referral to " +
           opt.lame_ns + ", where nothing answers\"";
    truth += j + "}\n";
  }
};

}  // namespace

bool WriteZoneAndDomainTruth(const LabOptions& opt, const Population& pop,
                             const std::vector<uint32_t>& hosts, const CertStore* certs,
                             std::string& error) {
  if (hosts.empty()) {
    error = "the zone needs lab hosts: give --addresses";
    return false;
  }
  // Policy domains first: the hosts they use are kept out of the ordinary domains (a TLSA
  // record belongs to a host name, so it would reach every domain pointing there).
  PolicyZone policy;
  std::vector<uint32_t> ordinary = hosts;
  if (!opt.policy_address.empty()) {
    if (!certs) {
      error = "policy domains need the lab's keys";
      return false;
    }
    if (!BuildPolicyZone(opt, pop, hosts, *certs, policy, error)) return false;
    std::erase_if(ordinary, [&](uint32_t h) { return policy.reserved.count(h) != 0; });
  }
  Writer w{opt, pop, ordinary, {}, {}, !opt.policy_address.empty(), {}};
  w.zone = "; smtp-lab population zone (seed " + std::to_string(pop.seed()) +
           ")\n"
           "$ORIGIN lab.test.\n$TTL 300\n"
           "@ IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n"
           "@ IN NS ns.lab.test.\n"
           "ns IN A " +
           opt.dns_address + "\n";
  for (uint32_t h : hosts) {
    std::string mx = MxName(h);
    w.zone += mx.substr(0, mx.size() - kZoneOrigin.size() - 1) + " IN A " + Ipv4ToString(h) + "\n";
  }
  for (uint32_t i = 0; i < opt.domains; ++i) w.Domain(i);
  w.zone += policy.zone;
  w.truth += policy.truth;
  std::string zone_path = opt.run_dir + "/lab.test.zone";
  std::string truth_path = opt.run_dir + "/domains.ndjson";
  std::ofstream z(zone_path), t(truth_path);
  z << w.zone;
  t << w.truth;
  if (!z || !t) {
    error = "cannot write " + zone_path + " or " + truth_path;
    return false;
  }
  if (w.policy) {
    std::ofstream iz(opt.run_dir + "/" + std::string(kInsecureZone) + ".zone");
    std::ofstream sites(opt.run_dir + "/mta-sts-sites.tsv");
    std::ofstream bogus(opt.run_dir + "/dnssec-bogus.txt");
    iz << policy.insecure_zone;
    sites << FormatSites(policy.sites);
    bogus << policy.bogus;
    if (!iz || !sites || !bogus) {
      error = "cannot write the policy files in " + opt.run_dir;
      return false;
    }
  }
  return true;
}

}  // namespace starttls::lab
