// MxResolver under load against a real NSD: a thousand domains in flight, the query rate
// cap, and answers that come by TCP (big MX sets, and many of them under a slow loop).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/resolver/mx_resolver_fixture.h"

namespace starttls {
namespace {

TEST_F(MxResolverTest, BigMxSetOverTcpIsCapped) {
  ResolverOptions options = Options();
  options.edns_payload_bytes =
      0;  // 512-byte UDP answers: 40 MX records come truncated, then by TCP
  DomainResolution r = ResolveAll(options, {"big.resolver.test"})["big.resolver.test"];
  EXPECT_EQ(r.rcode, "NOERROR");
  ASSERT_EQ(r.exchanges.size(), 32u);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(r.exchanges[i].preference, 10 + i);
    EXPECT_EQ(r.exchanges[i].addresses, Ips({("198.51.100." + std::to_string(i + 1)).c_str()}));
  }
  EXPECT_EQ(r.error, "8 more MX records beyond the cap of 32 ignored");
}

// Forty MX answers queued on the one TCP connection, read by a loop whose every pass takes
// 40 ms (a loop busy with 50,000 sessions): each readiness must take every answer that has
// come, not one piece of one (c-ares reads the length octets and the message in separate
// calls), or the later ones wait 80 ms apiece and time out.
TEST_F(MxResolverTest, TcpAnswersAreTakenAsTheyComeUnderASlowLoop) {
  ResolverOptions options = Options();
  options.edns_payload_bytes = 0;  // 512-byte UDP answers: truncated, then by TCP
  options.timeout_ms = 1000;
  options.tries = 1;
  std::vector<std::string> domains;
  for (int i = 0; i < 40; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "big-alias-%02d.resolver.test", i);
    domains.push_back(name);
  }
  std::map<std::string, DomainResolution> results;
  MxResolverCallbacks callbacks;
  callbacks.on_done = [&](DomainResolution&& r) { results[r.domain] = std::move(r); };
  auto resolver = MxResolver::Create(options, std::move(callbacks));
  ASSERT_TRUE(resolver.ok()) << resolver.status();
  for (size_t i = 0; i < domains.size(); ++i) (*resolver)->Resolve(domains[i], i);
  ASSERT_TRUE(RunUntilIdle(**resolver, NowNs() + 30'000'000'000, 40'000'000));
  ASSERT_EQ(results.size(), domains.size());
  for (const std::string& domain : domains) {
    EXPECT_EQ(results[domain].rcode, "NOERROR") << domain << ": " << results[domain].error;
    EXPECT_EQ(results[domain].exchanges.size(), 32u) << domain;
  }
  EXPECT_EQ((*resolver)->stats().try_timeouts, 0u);
}

TEST_F(MxResolverTest, ThousandDomainsInFlightWithoutLoss) {
  ResolverOptions options = Options();
  options.timeout_ms = 5000;
  std::vector<std::string> domains;
  for (int i = 0; i < kLoadDomains; ++i)
    domains.push_back("d" + std::to_string(i) + ".load.resolver.test");
  MxResolverStats stats;
  auto results = ResolveAll(options, domains, &stats);
  ASSERT_EQ(results.size(), static_cast<size_t>(kLoadDomains));
  for (int i = 0; i < kLoadDomains; ++i) {
    const DomainResolution& r = results[domains[i]];
    ASSERT_EQ(r.rcode, "NOERROR") << domains[i];
    ASSERT_EQ(r.exchanges.size(), 1u) << domains[i];
    char v4[32], v6[32];
    std::snprintf(v4, sizeof(v4), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    std::snprintf(v6, sizeof(v6), "fd00::%x", i);
    ASSERT_EQ(r.exchanges[0].addresses, Ips({v4, v6})) << domains[i];
  }
  EXPECT_GE(stats.peak_in_flight, static_cast<uint64_t>(kLoadDomains));
  EXPECT_EQ(stats.try_timeouts, 0u) << "answers were lost and retried";
  EXPECT_EQ(stats.queries_sent, 3u * kLoadDomains);
}

TEST_F(MxResolverTest, RateCapSpacesQueries) {
  ResolverOptions options = Options();
  options.queries_per_second = 300;
  options.burst = 1;
  std::vector<std::string> domains;
  for (int i = 0; i < 50; ++i) domains.push_back("d" + std::to_string(i) + ".load.resolver.test");
  const int64_t start = NowNs();
  MxResolverStats stats;
  auto results = ResolveAll(options, domains, &stats);
  const double seconds = static_cast<double>(NowNs() - start) / 1e9;
  EXPECT_EQ(results.size(), 50u);
  EXPECT_EQ(stats.queries_sent, 150u);
  EXPECT_GE(seconds, 149.0 / 300.0 * 0.95);
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace starttls
