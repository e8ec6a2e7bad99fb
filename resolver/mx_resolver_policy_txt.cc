// MxResolver: a domain's policy TXT names (_mta-sts.<domain>, _smtp._tls.<domain>; RFC 8461
// §3.1, RFC 8460 §3), asked beside the MX query when domain policy is on. Their answers only
// add to the job's result; a failure is recorded, never fatal to the domain.
#include "resolver/mx_resolver.h"

#include <ares.h>

#include <algorithm>
#include <utility>

#include "resolver/dns_query.h"
#include "scanner/policy/mta_sts_txt.h"

namespace starttls {
namespace {

// Policy TXT records kept per name: a real domain has one or two.
constexpr size_t kMaxPolicyTxtRecords = 16;

}  // namespace

void MxResolver::AskPolicyTxt(uint64_t domain_id, DomainJob& job) {
  for (bool tls_rpt : {false, true}) {
    std::string name = PolicyQueryName(tls_rpt ? "_smtp._tls" : "_mta-sts", job.result.domain);
    std::unique_ptr<Query> query = NewQuery(Query::Kind::kPolicyTxt, kDnsTypeTxt, name);
    query->domain_id = domain_id;
    query->tls_rpt = tls_rpt;
    (tls_rpt ? job.result.tls_rpt_txt : job.result.mta_sts_txt).asked = true;
    ++job.pending;
    Send(std::move(query));
  }
}

void MxResolver::HandlePolicyTxtAnswer(Query& query, int status, const uint8_t* answer,
                                       size_t length) {
  DomainJob* job = FindJob(query.domain_id);
  if (job == nullptr) return;
  std::string_view rcode;
  bool requeried = false;
  bool ok = ReadAnswer(query, status, answer, length, kMaxPolicyTxtRecords, &rcode, &requeried);
  if (requeried) return;
  PolicyTxt& txt = query.tls_rpt ? job->result.tls_rpt_txt : job->result.mta_sts_txt;
  if (status == ARES_SUCCESS && rcode != "BADRESP") {
    txt.lookup.rcode = answer_.rcode;
    txt.lookup.authenticated_data = answer_.authenticated_data;
  }
  if (ok) txt.records.assign(answer_.txt.begin(), answer_.txt.end());
  // MTA-STS announced: its policy host is looked up, so the policy can be fetched.
  if (!query.tls_rpt && ParseMtaStsTxt(txt.records).state == MtaStsTxtState::kFound) {
    job->result.policy_host = "mta-sts." + job->result.domain;
    LookupHost(job->result.policy_host, HostWaiter{query.domain_id, kPolicyHostWaiter}, *job,
               /*want_tlsa=*/false);
  }
  --job->pending;
  Settle(query.domain_id);
}

}  // namespace starttls
