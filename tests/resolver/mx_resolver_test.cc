// MxResolver against a real NSD on a random loopback address, serving test_zone.cc's zones:
// every resolution shape is checked field by field (load, TCP and rate: mx_resolver_load_test.cc).
#include "resolver/mx_resolver.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "output/domain_record.h"
#include "resolver/domain_join.h"
#include "tests/resolver/mx_resolver_fixture.h"

namespace starttls {
namespace {

TEST_F(MxResolverTest, MxSetOrderedByPreferenceWithAddresses) {
  DomainResolution r = ResolveOne("Multi.Resolver.Test.");
  EXPECT_EQ(r.domain, "multi.resolver.test");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.kind, DomainResolution::kMx);
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.exchanges.size(), 3u);
  EXPECT_EQ(r.exchanges[0].name, "mx-c.resolver.test");
  EXPECT_EQ(r.exchanges[0].preference, 5);
  EXPECT_EQ(r.exchanges[0].addresses, Ips({"192.0.2.4"}));
  EXPECT_EQ(r.exchanges[1].name, "mx-a.prov.resolver.test");
  EXPECT_EQ(r.exchanges[1].preference, 10);
  EXPECT_EQ(r.exchanges[1].addresses, Ips({"192.0.2.1", "192.0.2.2", "2001:db8::1"}));
  EXPECT_EQ(r.exchanges[2].name, "mx-b.prov.resolver.test");
  EXPECT_EQ(r.exchanges[2].preference, 20);
  EXPECT_EQ(r.exchanges[2].addresses, Ips({"192.0.2.3"}));
  for (const Exchange& e : r.exchanges) EXPECT_EQ(e.error, "");
}

TEST_F(MxResolverTest, SharedExchangeIsLookedUpOnce) {
  MxResolverStats stats;
  auto results = ResolveAll(
      Options(), {"multi.resolver.test", "shared1.resolver.test", "shared2.resolver.test"}, &stats);
  for (const char* d : {"shared1.resolver.test", "shared2.resolver.test"}) {
    const DomainResolution& r = results[d];
    EXPECT_EQ(r.rcode, "NOERROR") << d;
    ASSERT_EQ(r.exchanges.size(), 1u) << d;
    EXPECT_EQ(r.exchanges[0].name, "mx-a.prov.resolver.test") << d;  // lower-cased
    EXPECT_EQ(r.exchanges[0].addresses, Ips({"192.0.2.1", "192.0.2.2", "2001:db8::1"})) << d;
  }
  // Distinct exchanges: mx-a.prov, mx-b.prov, mx-c; each asked A and AAAA once.
  EXPECT_EQ(stats.host_lookups, 3u);
  EXPECT_EQ(stats.host_cache_hits, 2u);
  EXPECT_EQ(stats.queries_sent, 3u + 3u * 2u);
}

TEST_F(MxResolverTest, ImplicitMxFromTheDomainsAddresses) {
  DomainResolution r = ResolveOne("implicit.resolver.test");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.kind, DomainResolution::kImplicit);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].name, "implicit.resolver.test");
  EXPECT_EQ(r.exchanges[0].preference, 0);
  EXPECT_EQ(r.exchanges[0].addresses, Ips({"192.0.2.10", "2001:db8::10"}));
}

TEST_F(MxResolverTest, NullMx) {
  DomainResolution r = ResolveOne("nullmx.resolver.test");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.kind, DomainResolution::kNull);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].name, ".");
  EXPECT_TRUE(r.exchanges[0].addresses.empty());
}

TEST_F(MxResolverTest, CnamedExchangeInsideTheAnswer) {
  DomainResolution r = ResolveOne("cname.resolver.test");
  EXPECT_EQ(r.kind, DomainResolution::kMx);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].name, "alias.resolver.test");  // the MX target, for SNI
  EXPECT_EQ(r.exchanges[0].addresses, Ips({"192.0.2.20"}));
}

TEST_F(MxResolverTest, CnamedExchangeIntoAnotherZone) {
  MxResolverStats stats;
  auto results = ResolveAll(Options(), {"extcname.resolver.test"}, &stats);
  const DomainResolution& r = results["extcname.resolver.test"];
  EXPECT_EQ(r.kind, DomainResolution::kMx);
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].name, "alias-out.resolver.test");
  EXPECT_EQ(r.exchanges[0].addresses, Ips({"192.0.2.40"}));
  EXPECT_EQ(r.exchanges[0].error, "");
  // MX; A of alias-out (NSD chases the CNAME into second.test, which it also serves);
  // AAAA of alias-out, whose answer stops at the CNAME (the target has no AAAA, which a stub
  // cannot tell from an unfinished chain), so AAAA of mail.second.test is asked again.
  EXPECT_EQ(stats.queries_sent, 4u);
}

TEST_F(MxResolverTest, CnamedDomain) {
  DomainResolution r = ResolveOne("domcname.resolver.test");
  EXPECT_EQ(r.domain, "domcname.resolver.test");
  EXPECT_EQ(r.kind, DomainResolution::kMx);
  ASSERT_EQ(r.exchanges.size(), 3u);
  EXPECT_EQ(r.exchanges[0].name, "mx-c.resolver.test");
}

TEST_F(MxResolverTest, ExchangesWithoutAddressesAreRecorded) {
  DomainResolution r = ResolveOne("noaddr.resolver.test");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.kind, DomainResolution::kMx);
  ASSERT_EQ(r.exchanges.size(), 3u);
  EXPECT_EQ(r.exchanges[0].name, "ghost.resolver.test");
  EXPECT_TRUE(r.exchanges[0].addresses.empty());
  EXPECT_EQ(r.exchanges[0].error, "address lookup failed: A NXDOMAIN AAAA NXDOMAIN");
  EXPECT_EQ(r.exchanges[1].name, "txtonly.resolver.test");
  EXPECT_TRUE(r.exchanges[1].addresses.empty());
  EXPECT_EQ(r.exchanges[1].error, "no address records");
  EXPECT_EQ(r.exchanges[2].addresses, Ips({"192.0.2.3"}));
  EXPECT_EQ(r.error, "");

  DomainResolution all = ResolveOne("allnoaddr.resolver.test");
  EXPECT_EQ(all.kind, DomainResolution::kMx);
  EXPECT_EQ(all.error, "no exchange has an address");
}

TEST_F(MxResolverTest, NoMxAndNoAddress) {
  DomainResolution r = ResolveOne("txtonly.resolver.test");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.kind, DomainResolution::kNone);
  EXPECT_TRUE(r.exchanges.empty());
  EXPECT_EQ(r.error, "no MX records and no address (no address records)");
}

TEST_F(MxResolverTest, Nxdomain) {
  DomainResolution r = ResolveOne("nope.resolver.test");
  EXPECT_EQ(r.rcode, "NXDOMAIN");
  EXPECT_EQ(r.kind, DomainResolution::kNone);
  EXPECT_TRUE(r.exchanges.empty());
  EXPECT_NE(r.error, "");
}

TEST_F(MxResolverTest, LameServerGivesServfail) {
  ASSERT_EQ(ProbeRcode(nsd_->endpoint(), kLameZone, 1000), 2) << "NSD should SERVFAIL lame.test";
  DomainResolution r = ResolveOne("mail.lame.test");
  EXPECT_EQ(r.rcode, "SERVFAIL");
  EXPECT_EQ(r.kind, DomainResolution::kNone);
}

TEST_F(MxResolverTest, ZoneNotServedGivesRefused) {
  DomainResolution r = ResolveOne("example.other-tld");
  EXPECT_EQ(r.rcode, "REFUSED");
  EXPECT_EQ(r.kind, DomainResolution::kNone);
}

TEST_F(MxResolverTest, SilentServerTimesOutWithinTheConfiguredTimeout) {
  // A bound UDP socket that never answers: every try times out.
  const Endpoint hole = RandomFreeLoopbackEndpoint();
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_storage addr;
  const socklen_t len = hole.ToSockaddr(&addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ResolverOptions options = Options();
  options.servers = {hole};
  options.timeout_ms = 150;
  options.tries = 2;  // 150 + 300 ms
  const int64_t start = NowNs();
  MxResolverStats stats;
  auto results = ResolveAll(options, {"multi.resolver.test"}, &stats);
  const double seconds = static_cast<double>(NowNs() - start) / 1e9;
  close(fd);
  const DomainResolution& r = results["multi.resolver.test"];
  EXPECT_EQ(r.rcode, "TIMEOUT");
  EXPECT_EQ(r.kind, DomainResolution::kNone);
  EXPECT_EQ(stats.query_timeouts, 1u);
  EXPECT_GE(seconds, 0.4);
  EXPECT_LT(seconds, 2.0);
}

TEST_F(MxResolverTest, InvalidNamesAreAnsweredWithoutQueries) {
  MxResolverStats stats;
  auto results = ResolveAll(Options(), {"no_underscore.example", "-bad.example"}, &stats);
  EXPECT_EQ(results["no_underscore.example"].rcode, "BADNAME");
  EXPECT_EQ(results["-bad.example"].rcode, "BADNAME");
  EXPECT_EQ(stats.queries_sent, 0u);
}

TEST_F(MxResolverTest, ExchangeThatIsAnAddressLiteralIsAnError) {
  DomainResolution r = ResolveOne("literal.resolver.test");
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].name, "192.0.2.99");
  EXPECT_TRUE(r.exchanges[0].addresses.empty());
  EXPECT_NE(r.exchanges[0].error.find("not a host name"), std::string::npos)
      << r.exchanges[0].error;
}

TEST_F(MxResolverTest, AddressFamilies) {
  ResolverOptions v4 = Options();
  v4.families = AddressFamilies::kIpv4Only;
  auto r4 = ResolveAll(v4, {"shared1.resolver.test", "v6only.resolver.test"});
  EXPECT_EQ(r4["shared1.resolver.test"].exchanges.at(0).addresses, Ips({"192.0.2.1", "192.0.2.2"}));
  EXPECT_TRUE(r4["v6only.resolver.test"].exchanges.at(0).addresses.empty());
  EXPECT_EQ(r4["v6only.resolver.test"].exchanges.at(0).error, "no address records");

  ResolverOptions v6 = Options();
  v6.families = AddressFamilies::kIpv6Only;
  auto r6 = ResolveAll(v6, {"shared1.resolver.test", "v6only.resolver.test"});
  EXPECT_EQ(r6["shared1.resolver.test"].exchanges.at(0).addresses, Ips({"2001:db8::1"}));
  EXPECT_EQ(r6["v6only.resolver.test"].exchanges.at(0).addresses, Ips({"2001:db8::30"}));

  auto both = ResolveAll(Options(), {"v6only.resolver.test"});
  EXPECT_EQ(both["v6only.resolver.test"].exchanges.at(0).addresses, Ips({"2001:db8::30"}));
}

TEST_F(MxResolverTest, AddressesPerExchangeAreCapped) {
  ResolverOptions options = Options();
  options.max_addresses_per_exchange = 16;
  DomainResolution r = ResolveAll(options, {"manyaddr.resolver.test"})["manyaddr.resolver.test"];
  ASSERT_EQ(r.exchanges.size(), 1u);
  EXPECT_EQ(r.exchanges[0].addresses.size(), 16u);
}

TEST_F(MxResolverTest, HostCacheIsBounded) {
  ResolverOptions options = Options();
  options.max_cached_hosts = 10;
  std::vector<std::string> domains;
  for (int i = 0; i < 50; ++i) domains.push_back("d" + std::to_string(i) + ".load.resolver.test");
  MxResolverStats stats;
  auto results = ResolveAll(options, domains, &stats);
  EXPECT_EQ(results.size(), 50u);
  EXPECT_EQ(stats.hosts_evicted, 40u);
}

// One domain at a time (each resolved once the previous one is done) and a one-host cache:
// every lookup evicts the previous host and reuses its entry, long names (kept outside the
// entry) and short ones alternating; a host evicted is looked up again.
TEST_F(MxResolverTest, EvictedHostEntriesAreReused) {
  ResolverOptions options = Options();
  options.max_cached_hosts = 1;
  std::vector<std::string> domains = {"longname.resolver.test"};
  for (int i = 0; i < 5; ++i) domains.push_back("d" + std::to_string(i) + ".load.resolver.test");
  domains.push_back("longname2.resolver.test");
  domains.push_back("multi.resolver.test");
  std::map<std::string, DomainResolution> results;
  MxResolver* resolver = nullptr;
  size_t next = 1;
  MxResolverCallbacks callbacks;
  callbacks.on_done = [&](DomainResolution&& r) {
    results[r.domain] = std::move(r);
    if (next < domains.size()) {
      resolver->Resolve(domains[next], next);
      ++next;
    }
  };
  auto created = MxResolver::Create(options, std::move(callbacks));
  ASSERT_TRUE(created.ok()) << created.status();
  resolver = created->get();
  resolver->Resolve(domains[0], 0);
  ASSERT_TRUE(RunUntilIdle(*resolver, NowNs() + 30'000'000'000));
  ASSERT_EQ(results.size(), domains.size());
  for (const char* d : {"longname.resolver.test", "longname2.resolver.test"}) {
    const DomainResolution& r = results[d];
    ASSERT_EQ(r.exchanges.size(), 1u) << d;
    EXPECT_EQ(r.exchanges[0].name, "an-exchange-name-longer-than-forty-octets.prov.resolver.test");
    EXPECT_EQ(r.exchanges[0].addresses, Ips({"192.0.2.50"})) << d;
  }
  for (int i = 0; i < 5; ++i) {
    const DomainResolution& r = results["d" + std::to_string(i) + ".load.resolver.test"];
    ASSERT_EQ(r.exchanges.size(), 1u);
    EXPECT_EQ(r.exchanges[0].name, "m" + std::to_string(i) + ".load.resolver.test");
    EXPECT_EQ(r.exchanges[0].addresses, Ips({("10.0.0." + std::to_string(i)).c_str(),
                                             ("fd00::" + std::to_string(i)).c_str()}));
  }
  ASSERT_EQ(results["multi.resolver.test"].exchanges.size(), 3u);
  EXPECT_EQ(results["multi.resolver.test"].exchanges[1].addresses,
            Ips({"192.0.2.1", "192.0.2.2", "2001:db8::1"}));
  // 1 + 5 + 1 (looked up again) + 3 hosts, all but the last evicted.
  EXPECT_EQ(resolver->stats().host_lookups, 10u);
  EXPECT_EQ(resolver->stats().hosts_evicted, 9u);
  EXPECT_EQ(resolver->cached_hosts(), 1u);
}

TEST_F(MxResolverTest, OnDoneMayResolveMore) {
  std::vector<std::string> done;
  MxResolver* self = nullptr;
  MxResolverCallbacks callbacks;
  callbacks.on_done = [&](DomainResolution&& r) {
    done.push_back(r.domain);
    if (r.domain == "shared1.resolver.test") self->Resolve("shared2.resolver.test", 2);
  };
  auto resolver = MxResolver::Create(Options(), std::move(callbacks));
  ASSERT_TRUE(resolver.ok());
  self = resolver->get();
  (*resolver)->Resolve("shared1.resolver.test", 1);
  ASSERT_TRUE(RunUntilIdle(**resolver, NowNs() + 10'000'000'000));
  EXPECT_EQ(done, (std::vector<std::string>{"shared1.resolver.test", "shared2.resolver.test"}));
  EXPECT_EQ((*resolver)->cached_hosts(), 1u);
}

TEST_F(MxResolverTest, DestroyedWhileQueriesAreOutstanding) {
  int socket_closes = 0;
  int done = 0;
  MxResolverCallbacks callbacks;
  callbacks.on_done = [&](DomainResolution&&) { ++done; };
  callbacks.on_socket = [&](int, bool r, bool w) { socket_closes += (!r && !w); };
  {
    auto resolver = MxResolver::Create(Options(), std::move(callbacks));
    ASSERT_TRUE(resolver.ok());
    for (int i = 0; i < 20; ++i)
      (*resolver)->Resolve("d" + std::to_string(i) + ".load.resolver.test", i);
    EXPECT_EQ((*resolver)->queries_in_flight(), 20u);
    EXPECT_FALSE((*resolver)->sockets().empty());
  }
  EXPECT_EQ(done, 0);
  EXPECT_GE(socket_closes, 1);
}

// Resolutions through DomainJoin into `domain` records: verdicts per shape, schema-valid.
TEST_F(MxResolverTest, ResolutionsJoinIntoSchemaValidDomainRecords) {
  const std::vector<std::string> domains = {"multi.resolver.test",   "shared1.resolver.test",
                                            "nullmx.resolver.test",  "nope.resolver.test",
                                            "mail.lame.test",        "allnoaddr.resolver.test",
                                            "implicit.resolver.test"};
  auto results = ResolveAll(Options(), domains);
  DomainJoin join(25);
  std::vector<Endpoint> scan;
  std::vector<DomainVerdict> done;
  for (const std::string& d : domains) join.AddDomain(results[d], &scan, &done);
  // multi: 192.0.2.4, .1, .2, 2001:db8::1, .3; shared1 adds nothing new; implicit: .10, ::10.
  EXPECT_EQ(scan.size(), 7u);
  for (const Endpoint& e : scan) {
    const bool reached = e.ip != Ip("192.0.2.4");
    HostOutcome outcome{
        reached ? ScanStatus::kSuccess : ScanStatus::kConnectionTimeout,
        reached ? std::optional<EhloClass>(e.ip == Ip("192.0.2.3") ? EhloClass::kNoStarttls
                                                                   : EhloClass::kCompliant)
                : std::nullopt,
        nullptr};
    join.FinishEndpoint(e, outcome, &done);
  }
  ASSERT_EQ(done.size(), domains.size());
  std::map<std::string, std::string> verdicts;
  std::string lines;
  for (const DomainVerdict& v : done) {
    verdicts[v.resolution.domain] = std::string(v.verdict);
    AppendDomainRecord(v, nullptr, v.resolution.tag + 1, 0, &lines);
  }
  EXPECT_EQ(verdicts["multi.resolver.test"], "no_starttls");
  EXPECT_EQ(verdicts["shared1.resolver.test"], "compliant");
  EXPECT_EQ(verdicts["nullmx.resolver.test"], "no_mail");
  EXPECT_EQ(verdicts["nope.resolver.test"], "dns_error");
  EXPECT_EQ(verdicts["mail.lame.test"], "dns_error");
  EXPECT_EQ(verdicts["allnoaddr.resolver.test"], "unreachable");
  EXPECT_EQ(verdicts["implicit.resolver.test"], "compliant");
  EXPECT_EQ(join.pending_domains(), 0u);
  EXPECT_EQ(join.pending_endpoints(), 0u);

  const std::string path = dir_ + "/domains.ndjson";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fwrite(lines.data(), 1, lines.size(), f);
  std::fclose(f);
  const int status =
      std::system((std::string("python3 '") + STARTTLS_VALIDATE_SCRIPT + "' '" +
                   STARTTLS_SCHEMA_DIR + "/starttls-scan.schema.json' '" + path + "'")
                      .c_str());
  EXPECT_EQ(status, 0) << lines;
}

}  // namespace
}  // namespace starttls
