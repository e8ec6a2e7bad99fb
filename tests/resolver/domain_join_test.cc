// DomainJoin: endpoint dedupe across domains, names, verdicts, and memory released.
#include "resolver/domain_join.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace starttls {
namespace {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }
Endpoint Ep(const char* text) { return Endpoint{Ip(text), 25}; }

Exchange Mx(const std::string& name, uint16_t pref, std::initializer_list<const char*> ips) {
  Exchange e;
  e.name = name;
  e.preference = pref;
  for (const char* ip : ips) e.addresses.push_back(Ip(ip));
  return e;
}

DomainResolution Domain(const std::string& name, std::vector<Exchange> exchanges,
                        DomainResolution::MxKind kind = DomainResolution::kMx,
                        const std::string& rcode = "NOERROR") {
  DomainResolution r;
  r.domain = name;
  r.rcode = rcode;
  r.kind = kind;
  r.exchanges = std::move(exchanges);
  return r;
}

TEST(DomainJoinTest, EndpointsSharedByDomainsAreScannedOnce) {
  DomainJoin join(25);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  join.AddDomain(Domain("a.test", {Mx("mx1.prov.test", 10, {"192.0.2.1", "192.0.2.2"})}), &scan,
                 &done);
  join.AddDomain(Domain("b.test", {Mx("mx1.prov.test", 10, {"192.0.2.1", "192.0.2.2"}),
                                   Mx("mx.b.test", 20, {"192.0.2.3"})}),
                 &scan, &done);
  join.AddDomain(Domain("c.test", {Mx("alias.c.test", 5, {"192.0.2.1"})}), &scan, &done);
  EXPECT_EQ(scan, (std::vector<Endpoint>{Ep("192.0.2.1"), Ep("192.0.2.2"), Ep("192.0.2.3")}));
  EXPECT_TRUE(done.empty());
  ASSERT_NE(join.NamesOf(Ep("192.0.2.1")), nullptr);
  EXPECT_EQ(*join.NamesOf(Ep("192.0.2.1")),
            (std::vector<std::string>{"alias.c.test", "mx1.prov.test"}));
  EXPECT_EQ(join.pending_domains(), 3u);
  EXPECT_EQ(join.pending_endpoints(), 3u);

  EXPECT_TRUE(join.FinishEndpoint(Ep("192.0.2.1"),
                                  {ScanStatus::kSuccess, EhloClass::kCompliant, nullptr}, &done));
  ASSERT_EQ(done.size(), 1u);  // c.test had only this endpoint
  EXPECT_EQ(done[0].resolution.domain, "c.test");
  EXPECT_EQ(done[0].verdict, "compliant");
  EXPECT_EQ(join.NamesOf(Ep("192.0.2.1")), nullptr);

  EXPECT_TRUE(join.FinishEndpoint(
      Ep("192.0.2.2"), {ScanStatus::kSuccess, EhloClass::kStarttlsMisordered, nullptr}, &done));
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1].resolution.domain, "a.test");
  EXPECT_EQ(done[1].verdict, "starttls_misordered");
  ASSERT_EQ(done[1].endpoints.size(), 2u);
  EXPECT_EQ(done[1].endpoints[0].cls, EhloClass::kCompliant);

  EXPECT_TRUE(join.FinishEndpoint(Ep("192.0.2.3"),
                                  {ScanStatus::kConnectionTimeout, std::nullopt, nullptr}, &done));
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[2].resolution.domain, "b.test");
  EXPECT_EQ(done[2].verdict, "starttls_misordered");  // the weakest reached; .3 not reached
  EXPECT_EQ(done[2].endpoints[2].status, ScanStatus::kConnectionTimeout);

  EXPECT_EQ(join.pending_domains(), 0u);
  EXPECT_EQ(join.pending_endpoints(), 0u);
  EXPECT_FALSE(join.FinishEndpoint(Ep("192.0.2.3"),
                                   {ScanStatus::kSuccess, EhloClass::kCompliant, nullptr}, &done));
}

TEST(DomainJoinTest, AddressTargetScannedBeforeOrDuringADomainIsNotScannedAgain) {
  DomainJoin join(25);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  // Scanned as an address target before any domain led to it.
  join.RecordScanned(Ep("192.0.2.1"), {ScanStatus::kSuccess, EhloClass::kCompliant, nullptr},
                     &done);
  EXPECT_TRUE(done.empty());
  join.AddDomain(Domain("a.test", {Mx("mx.test", 10, {"192.0.2.1"})}), &scan, &done);
  EXPECT_TRUE(scan.empty());
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].verdict, "compliant");
  // A domain waiting for an endpoint that is being scanned as an address target.
  done.clear();
  join.AddDomain(Domain("b.test", {Mx("mx2.test", 10, {"192.0.2.2"})}), &scan, &done);
  ASSERT_EQ(scan.size(), 1u);
  join.RecordScanned(Ep("192.0.2.2"), {ScanStatus::kSuccess, EhloClass::kNoStarttls, nullptr},
                     &done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].verdict, "no_starttls");
  EXPECT_EQ(join.pending_domains(), 0u);
}

TEST(DomainJoinTest, LaterDomainUsesAFinishedEndpointWithoutRescan) {
  DomainJoin join(25);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  join.AddDomain(Domain("a.test", {Mx("mx.test", 10, {"192.0.2.1"})}), &scan, &done);
  join.FinishEndpoint(Ep("192.0.2.1"), {ScanStatus::kSuccess, EhloClass::kNoStarttls, nullptr},
                      &done);
  scan.clear();
  done.clear();
  join.AddDomain(Domain("b.test", {Mx("mx.test", 10, {"192.0.2.1"})}), &scan, &done);
  EXPECT_TRUE(scan.empty());
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].verdict, "no_starttls");
  EXPECT_EQ(join.finished_endpoints(), 1u);
}

TEST(DomainJoinTest, FinishedMemoryIsBounded) {
  DomainJoin join(25, 443, DomainJoinLimits{64, 2});
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  for (const char* ip : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) {
    join.AddDomain(Domain(std::string("d") + ip, {Mx("mx.test", 10, {ip})}), &scan, &done);
    join.FinishEndpoint(Ep(ip), {ScanStatus::kSuccess, EhloClass::kCompliant, nullptr}, &done);
  }
  EXPECT_EQ(join.finished_endpoints(), 2u);
  scan.clear();
  join.AddDomain(Domain("again", {Mx("mx.test", 10, {"192.0.2.1"})}), &scan, &done);
  EXPECT_EQ(scan, std::vector<Endpoint>{Ep("192.0.2.1")});  // forgotten: scanned again
}

TEST(DomainJoinTest, NamesPerEndpointAreCapped) {
  DomainJoin join(25, 443, DomainJoinLimits{2, 16});
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  for (int i = 0; i < 5; ++i) {
    join.AddDomain(Domain("d" + std::to_string(i),
                          {Mx("mx" + std::to_string(i) + ".test", 10, {"192.0.2.1"})}),
                   &scan, &done);
  }
  EXPECT_EQ(join.NamesOf(Ep("192.0.2.1"))->size(), 2u);
  join.FinishEndpoint(Ep("192.0.2.1"), {ScanStatus::kSuccess, EhloClass::kCompliant, nullptr},
                      &done);
  EXPECT_EQ(done.size(), 5u);
}

TEST(DomainJoinTest, VerdictsWithoutScans) {
  DomainJoin join(25);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  join.AddDomain(Domain("null.test", {Mx(".", 0, {})}, DomainResolution::kNull), &scan, &done);
  join.AddDomain(Domain("nx.test", {}, DomainResolution::kNone, "NXDOMAIN"), &scan, &done);
  join.AddDomain(Domain("sf.test", {}, DomainResolution::kNone, "SERVFAIL"), &scan, &done);
  join.AddDomain(Domain("none.test", {}, DomainResolution::kNone), &scan, &done);
  join.AddDomain(Domain("noaddr.test", {Mx("ghost.test", 10, {})}), &scan, &done);
  EXPECT_TRUE(scan.empty());
  ASSERT_EQ(done.size(), 5u);
  EXPECT_EQ(done[0].verdict, "no_mail");
  EXPECT_EQ(done[1].verdict, "dns_error");
  EXPECT_EQ(done[2].verdict, "dns_error");
  EXPECT_EQ(done[3].verdict, "dns_error");
  EXPECT_EQ(done[4].verdict, "unreachable") << "DNS answered; no exchange has an address";
  EXPECT_EQ(join.pending_domains(), 0u);
}

TEST(DomainJoinTest, UnreachableWhenNoEndpointSucceeded) {
  DomainJoin join(2525);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  join.AddDomain(Domain("a.test", {Mx("a.test", 0, {"192.0.2.1", "2001:db8::1"})},
                        DomainResolution::kImplicit),
                 &scan, &done);
  ASSERT_EQ(scan.size(), 2u);
  EXPECT_EQ(scan[1], (Endpoint{Ip("2001:db8::1"), 2525}));
  join.FinishEndpoint(scan[0], {ScanStatus::kRejected, std::nullopt, nullptr}, &done);
  join.FinishEndpoint(scan[1], {ScanStatus::kRateLimited, std::nullopt, nullptr}, &done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].verdict, "unreachable");
}

TEST(DomainJoinTest, AddressSharedByTwoExchangesOfOneDomain) {
  DomainJoin join(25);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  join.AddDomain(
      Domain("a.test", {Mx("mx1.a.test", 10, {"192.0.2.1"}), Mx("mx2.a.test", 20, {"192.0.2.1"})}),
      &scan, &done);
  EXPECT_EQ(scan.size(), 1u);
  EXPECT_EQ(*join.NamesOf(Ep("192.0.2.1")), (std::vector<std::string>{"mx1.a.test", "mx2.a.test"}));
  join.FinishEndpoint(Ep("192.0.2.1"), {ScanStatus::kSuccess, EhloClass::kCompliant, nullptr},
                      &done);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].endpoints.size(), 1u);
}

TEST(DomainJoinTest, ComputeVerdictOrder) {
  DomainResolution r = Domain("a.test", {Mx("mx", 1, {"192.0.2.1"})});
  std::vector<JoinedEndpoint> e = {
      {Ep("192.0.2.1"), ScanStatus::kSuccess, EhloClass::kCompliant, nullptr},
      {Ep("192.0.2.2"), ScanStatus::kSuccess, EhloClass::kNoStarttls, nullptr},
      {Ep("192.0.2.3"), ScanStatus::kSuccess, EhloClass::kStarttlsMisordered, nullptr}};
  EXPECT_EQ(ComputeDomainVerdict(r, e), "no_starttls");
  e[1].status = ScanStatus::kBlocklisted;
  EXPECT_EQ(ComputeDomainVerdict(r, e), "starttls_misordered");
  r.rcode = "TIMEOUT";
  EXPECT_EQ(ComputeDomainVerdict(r, e), "dns_error");
}

}  // namespace
}  // namespace starttls
