// resolver-bench: MX+A resolutions per second against a private NSD on loopback.
//   BM_MxResolver:  MxResolver (IPv4 only: MX, then A of the exchange) driven by the poll
//                   driver, a fresh resolver (empty cache) per iteration.
//   BM_RawCares:    the floor: a minimal c-ares loop doing the same two queries per domain
//                   (ares_parse_mx_reply, then ares_query A), same in-flight window.
// Both report domains/s and queries/s; NSD serves d<i>.load.resolver.test from test_zone.cc.
#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "benchmark/benchmark.h"
#include "resolver/mx_resolver.h"
#include "tests/resolver/nsd_server.h"
#include "tests/resolver/poll_driver.h"
#include "tests/resolver/test_zone.h"

namespace starttls {
namespace {

constexpr int kDomains = 20000;

std::unique_ptr<NsdServer> g_nsd;
std::string g_dir;
std::vector<std::string> g_domains;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void BM_MxResolver(benchmark::State& state) {
  const size_t window = static_cast<size_t>(state.range(0));
  uint64_t queries = 0;
  uint64_t ok = 0;
  uint64_t retries = 0;
  for (auto _ : state) {
    ResolverOptions options;
    options.servers = {g_nsd->endpoint()};
    options.families = AddressFamilies::kIpv4Only;
    options.max_queries_in_flight = window;
    MxResolverCallbacks callbacks;
    callbacks.on_done = [&](DomainResolution&& r) {
      ok += (r.rcode == "NOERROR" && !r.exchanges.empty() && !r.exchanges[0].addresses.empty());
    };
    auto resolver = MxResolver::Create(options, std::move(callbacks));
    if (!resolver.ok()) {
      state.SkipWithError(std::string(resolver.status().message()).c_str());
      return;
    }
    for (int i = 0; i < kDomains; ++i) (*resolver)->Resolve(g_domains[i], i);
    if (!RunUntilIdle(**resolver, NowNs() + 60'000'000'000)) {
      state.SkipWithError("not idle after 60 s");
      return;
    }
    queries += (*resolver)->stats().queries_sent;
    retries += (*resolver)->stats().try_timeouts;
  }
  state.counters["domains/s"] = benchmark::Counter(
      static_cast<double>(kDomains) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["queries/s"] =
      benchmark::Counter(static_cast<double>(queries), benchmark::Counter::kIsRate);
  state.counters["resolved"] = benchmark::Counter(static_cast<double>(ok) / state.iterations());
  state.counters["retries"] = benchmark::Counter(static_cast<double>(retries) / state.iterations());
}
BENCHMARK(BM_MxResolver)
    ->Arg(256)
    ->Arg(1000)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

// The raw loop's state: a window of in-flight domains and the sockets c-ares watches.
struct RawLoop {
  ares_channel channel = nullptr;
  size_t window = 0;
  absl::flat_hash_map<int, short> sockets;
  size_t next = 0;
  size_t in_flight = 0;
  uint64_t queries = 0;
  uint64_t ok = 0;
};

void RawStart(RawLoop* loop);

void RawOnA(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* loop = static_cast<RawLoop*>(arg);
  hostent* host = nullptr;
  if (status == ARES_SUCCESS &&
      ares_parse_a_reply(abuf, alen, &host, nullptr, nullptr) == ARES_SUCCESS) {
    ++loop->ok;
    ares_free_hostent(host);
  }
  --loop->in_flight;
  if (status != ARES_EDESTRUCTION) RawStart(loop);
}

void RawOnMx(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* loop = static_cast<RawLoop*>(arg);
  ares_mx_reply* mx = nullptr;
  if (status == ARES_SUCCESS && ares_parse_mx_reply(abuf, alen, &mx) == ARES_SUCCESS &&
      mx != nullptr) {
    ++loop->queries;
    ares_query(loop->channel, mx->host, ns_c_in, ns_t_a, &RawOnA, loop);
    ares_free_data(mx);
    return;
  }
  if (mx != nullptr) ares_free_data(mx);
  --loop->in_flight;
  if (status != ARES_EDESTRUCTION) RawStart(loop);
}

void RawStart(RawLoop* loop) {
  while (loop->in_flight < loop->window && loop->next < g_domains.size()) {
    ++loop->in_flight;
    ++loop->queries;
    ares_query(loop->channel, g_domains[loop->next++].c_str(), ns_c_in, ns_t_mx, &RawOnMx, loop);
  }
}

void RawSocketState(void* data, int fd, int readable, int writable) {
  auto* loop = static_cast<RawLoop*>(data);
  if (!readable && !writable) {
    loop->sockets.erase(fd);
  } else {
    loop->sockets[fd] = static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
  }
}

void BM_RawCares(benchmark::State& state) {
  uint64_t queries = 0;
  uint64_t ok = 0;
  for (auto _ : state) {
    RawLoop loop;
    loop.window = static_cast<size_t>(state.range(0));
    ares_options opts{};
    opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS;
    opts.ednspsz = 1232;
    opts.timeout = 2000;
    opts.tries = 2;
    opts.sock_state_cb = &RawSocketState;
    opts.sock_state_cb_data = &loop;
    opts.socket_receive_buffer_size = 4 << 20;
    const int mask = ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                     ARES_OPT_SOCK_STATE_CB | ARES_OPT_SOCK_RCVBUF;
    if (ares_init_options(&loop.channel, &opts, mask) != ARES_SUCCESS) {
      state.SkipWithError("ares_init_options");
      return;
    }
    char server[64];
    std::snprintf(server, sizeof(server), "%s:%u", g_nsd->endpoint().ip.ToString().c_str(),
                  g_nsd->endpoint().port);
    ares_set_servers_ports_csv(loop.channel, server);
    loop.next = 0;
    RawStart(&loop);
    std::vector<pollfd> fds;
    while (loop.in_flight > 0) {
      fds.clear();
      for (const auto& [fd, events] : loop.sockets) fds.push_back(pollfd{fd, events, 0});
      timeval tv;
      timeval* t = ares_timeout(loop.channel, nullptr, &tv);
      const int ms = t ? static_cast<int>(t->tv_sec * 1000 + t->tv_usec / 1000) + 1 : 1000;
      if (poll(fds.data(), fds.size(), ms) > 0) {
        for (const pollfd& p : fds) {
          if (p.revents & (POLLIN | POLLERR | POLLHUP))
            ares_process_fd(loop.channel, p.fd, ARES_SOCKET_BAD);
          if (p.revents & POLLOUT) ares_process_fd(loop.channel, ARES_SOCKET_BAD, p.fd);
        }
      } else {
        ares_process_fd(loop.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      }
    }
    ares_destroy(loop.channel);
    queries += loop.queries;
    ok += loop.ok;
  }
  state.counters["domains/s"] = benchmark::Counter(
      static_cast<double>(kDomains) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["queries/s"] =
      benchmark::Counter(static_cast<double>(queries), benchmark::Counter::kIsRate);
  state.counters["resolved"] = benchmark::Counter(static_cast<double>(ok) / state.iterations());
}
BENCHMARK(BM_RawCares)
    ->Arg(256)
    ->Arg(1000)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace starttls

int main(int argc, char** argv) {
  using namespace starttls;
  ares_library_init(ARES_LIB_INIT_ALL);
  char tmpl[] = "/tmp/resolver-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 1;
  g_dir = tmpl;
  auto server = NsdServer::Start(g_dir, MakeResolverTestZones(kDomains), {});
  if (!server.ok()) {
    std::fprintf(stderr, "resolver-bench: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  g_nsd = std::move(*server);
  for (int i = 0; i < kDomains; ++i)
    g_domains.push_back("d" + std::to_string(i) + ".load.resolver.test");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_nsd.reset();  // stops NSD by its PID
  std::system(("rm -rf '" + g_dir + "'").c_str());
  return 0;
}
