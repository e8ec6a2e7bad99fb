// The table of the lab's domain-policy cases (see policy_domains.h): per case its zone
// records, its MTA-STS site and its truth row, given the hosts chosen for each role.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/lab/lab_options.h"
#include "bench/lab/policy_sites.h"
#include "bench/lab/population.h"

namespace starttls::lab {

// Lower-case hex SHA-256 digests for the TLSA records.
struct PolicyKeys {
  std::string ee_spki_sha256;     // the SubjectPublicKeyInfo of the lab's ECDSA leaf key
  std::string stale_spki_sha256;  // a key no lab host serves (the RSA leaf key): a stale record
  std::string ca_cert_sha256;     // the lab CA certificate
};

class PolicyCaseBuilder {
 public:
  PolicyCaseBuilder(const LabOptions& opt, const Population& pop, PolicyKeys keys)
      : opt_(opt), pop_(pop), keys_(std::move(keys)) {}
  // Roles: ee stale ta usage1 bogus insecure c1 c2 (compliant), dane_misordered m1 m2
  // (misordered), expired (tls_expired, optional).
  void SetRole(const std::string& role, uint32_t addr) { roles_[role] = addr; }
  void Build();

  const std::string& zone() const { return zone_; }
  const std::string& insecure_zone() const { return insecure_zone_; }
  const std::string& truth() const { return truth_; }
  const std::vector<PolicySite>& sites() const { return sites_; }
  const std::string& bogus() const { return bogus_; }

 private:
  struct Mx {
    int preference = 10;
    std::string name;              // FQDN
    std::optional<uint32_t> addr;  // the lab host behind it
  };
  struct Tlsa {
    int usage = 3, selector = 1, matching_type = 1;
    std::string data;
  };
  // A domain's truth row in parts; the builder fills exchanges, verdict and delivery.
  struct Row {
    std::string domain;  // FQDN
    std::string kind;
    std::vector<Mx> mx;
    std::string dane_state = "none";
    std::string dnssec = "secure";
    std::string dane_hosts;        // JSON array body, empty: no "hosts"
    std::vector<bool> dane_match;  // per MX (usable/bogus states): the TLSA match
    std::string sts_json = "{\"state\":\"none\"}";
    std::string sts_mode;           // "enforce"/"testing" when state ok
    std::vector<bool> sts_covered;  // per MX
    std::string rpt_json = "{\"state\":\"none\"}";
    std::string note;
  };

  std::string Host(const std::string& role) const;  // the role's MX name
  Mx MxOf(int preference, const std::string& role) const;
  void AddMxRecords(const Row& row, std::string& zone, std::string_view origin) const;
  void AddTlsa(const std::string& mx, const Tlsa& t, std::string& zone, std::string_view origin);
  static std::string TlsaJson(const Tlsa& t);
  std::string_view BehaviourOf(const Mx& m) const;
  void Emit(Row row);

  void DaneCases();
  void StsCases();
  // An MTA-STS domain: TXT, site, A record of mta-sts.<domain> (unless `no_site_address`).
  Row StsRow(const std::string& label, std::vector<Mx> mx, const std::string& mode,
             const std::vector<std::string>& patterns, SiteMode site, const std::string& fetch,
             bool no_site_address = false);

  const LabOptions& opt_;
  const Population& pop_;
  PolicyKeys keys_;
  std::map<std::string, uint32_t> roles_;
  std::map<std::string, bool> tlsa_written_;
  std::string zone_, insecure_zone_, truth_, bogus_;
  std::vector<PolicySite> sites_;
};

}  // namespace starttls::lab
