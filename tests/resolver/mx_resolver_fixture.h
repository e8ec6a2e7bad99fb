// The MxResolverTest fixture: a real NSD on a random loopback address serving
// test_zone.cc's zones, and helpers to resolve through it with the poll driver.
#pragma once

#include <time.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "resolver/mx_resolver.h"
#include "tests/resolver/nsd_server.h"
#include "tests/resolver/poll_driver.h"
#include "tests/resolver/test_zone.h"

namespace starttls {

constexpr int kLoadDomains = 1000;

inline int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

inline std::vector<IpAddress> Ips(std::initializer_list<const char*> texts) {
  std::vector<IpAddress> out;
  for (const char* t : texts) out.push_back(Ip(t));
  return out;
}

class MxResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resolver-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto server = NsdServer::Start(dir_, MakeResolverTestZones(kLoadDomains), {kLameZone});
    ASSERT_TRUE(server.ok()) << server.status();
    nsd_ = std::move(*server);
  }
  void TearDown() override {
    nsd_.reset();  // stops NSD by its PID
    if (!dir_.empty() && !HasFailure()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  ResolverOptions Options() const {
    ResolverOptions options;
    options.servers = {nsd_->endpoint()};
    options.timeout_ms = 1000;
    options.tries = 2;
    return options;
  }

  // Resolves `domains` (tag = index) and returns the results by domain name.
  std::map<std::string, DomainResolution> ResolveAll(const ResolverOptions& options,
                                                     const std::vector<std::string>& domains,
                                                     MxResolverStats* stats = nullptr) {
    std::map<std::string, DomainResolution> results;
    MxResolverCallbacks callbacks;
    callbacks.on_done = [&](DomainResolution&& r) {
      EXPECT_EQ(results.count(r.domain), 0u) << "twice: " << r.domain;
      EXPECT_LT(r.tag, domains.size());
      results[r.domain] = std::move(r);
    };
    auto resolver = MxResolver::Create(options, std::move(callbacks));
    EXPECT_TRUE(resolver.ok()) << resolver.status();
    if (!resolver.ok()) return results;
    for (size_t i = 0; i < domains.size(); ++i) (*resolver)->Resolve(domains[i], i);
    EXPECT_TRUE(RunUntilIdle(**resolver, NowNs() + 30'000'000'000)) << "not idle after 30 s";
    EXPECT_EQ(results.size(), domains.size());
    if (stats != nullptr) *stats = (*resolver)->stats();
    return results;
  }

  DomainResolution ResolveOne(const std::string& domain) {
    auto results = ResolveAll(Options(), {domain});
    return results.size() == 1 ? results.begin()->second : DomainResolution{};
  }

  std::string dir_;
  std::unique_ptr<NsdServer> nsd_;
};

}  // namespace starttls
