#include "bench/lab/policy_domains.h"

#include <openssl/sha.h>

#include <map>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/domain_truth.h"
#include "bench/lab/json_text.h"
#include "bench/lab/policy_cases.h"
#include "bench/lab/truth_table.h"

namespace starttls::lab {
namespace {

std::string Hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 15]);
  }
  return s;
}

// SHA-256 of DER bytes written by i2d (RFC 6698 §2.1.3 matching type 1).
template <typename T, typename I2d>
std::string Sha256Der(T* object, I2d i2d) {
  uint8_t* der = nullptr;
  int len = i2d(object, &der);
  if (len <= 0) return {};
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  return Hex(digest, sizeof digest);
}

}  // namespace

std::string_view OpportunisticDelivery(const std::vector<std::string_view>& behaviours) {
  for (std::string_view b : behaviours) {
    const HostTruth* t = b.empty() ? nullptr : TruthFor(b);
    if (!t || t->status != "success") continue;  // not reached: the sender tries the next MX
    return t->cls == "compliant" && t->tls.outcome == "ok" ? "tls" : "clear";
  }
  return "unreachable";
}

std::string NoPolicyFieldsJson(const std::vector<std::string_view>& behaviours,
                               std::string_view dnssec) {
  std::string j = ",\"dane\":{\"state\":\"none\"";
  if (!dnssec.empty()) j += ",\"dnssec\":" + JsonString(dnssec);
  j += "},\"mta_sts\":{\"state\":\"none\"},\"tls_rpt\":{\"state\":\"none\"},\"delivery\":{"
       "\"opportunistic\":" +
       JsonString(OpportunisticDelivery(behaviours)) +
       ",\"dane\":\"not_applicable\",\"mta_sts\":\"not_applicable\"}";
  return j;
}

bool BuildPolicyZone(const LabOptions& opt, const Population& pop,
                     const std::vector<uint32_t>& hosts, const CertStore& certs, PolicyZone& out,
                     std::string& error) {
  // Hosts by role, the first of each behaviour in address order, each used for one role only.
  auto take = [&](std::string_view behaviour, bool required) -> const uint32_t* {
    for (const uint32_t& h : hosts) {
      if (out.reserved.count(h) || AllBehaviours()[pop.BehaviourFor(h)].id != behaviour) continue;
      out.reserved.insert(h);
      return &h;
    }
    if (required && error.empty())
      error =
          "the policy domains need 8 compliant and 3 misordered hosts among the lab's "
          "addresses (add them with --assign)";
    return nullptr;
  };
  const char* kCompliantRoles[] = {"ee", "stale", "ta", "usage1", "bogus", "insecure", "c1", "c2"};
  std::map<std::string, uint32_t> role;
  for (const char* r : kCompliantRoles)
    if (const uint32_t* h = take("compliant", true)) role[r] = *h;
  for (const char* r : {"dane_misordered", "m1", "m2"})
    if (const uint32_t* h = take("misordered", true)) role[r] = *h;
  if (!error.empty()) return false;
  const uint32_t* expired = take("tls_expired", false);  // optional: one more case if present
  if (out.reserved.size() >= hosts.size()) {
    error = "no lab host left for the ordinary domains: give more --addresses";
    return false;
  }

  PolicyKeys keys;
  keys.ee_spki_sha256 = Sha256Der(certs.leaf_key(CertKind::kValidEcdsa), i2d_PUBKEY);
  keys.stale_spki_sha256 = Sha256Der(certs.leaf_key(CertKind::kValidRsa), i2d_PUBKEY);
  keys.ca_cert_sha256 = Sha256Der(certs.ca(), i2d_X509);
  if (keys.ee_spki_sha256.empty() || keys.stale_spki_sha256.empty() ||
      keys.ca_cert_sha256.empty()) {
    error = "cannot digest the lab's keys";
    return false;
  }

  PolicyCaseBuilder b(opt, pop, keys);
  for (const auto& [name, addr] : role) b.SetRole(name, addr);
  if (expired) b.SetRole("expired", *expired);
  b.Build();
  out.zone = b.zone();
  out.insecure_zone = b.insecure_zone();
  out.truth = b.truth();
  out.sites = b.sites();
  out.bogus = b.bogus();
  return true;
}

}  // namespace starttls::lab
