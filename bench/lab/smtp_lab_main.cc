// smtp-lab: serves a simulated mail-server population on loopback and writes its ground truth.
// This file wires the parts together: options, population, files, workers, signals.
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/lab_certs.h"
#include "bench/lab/lab_options.h"
#include "bench/lab/lab_server.h"
#include "bench/lab/population.h"
#include "bench/lab/shared_counters.h"
#include "bench/lab/truth_table.h"
#include "bench/lab/zone_writer.h"

namespace starttls::lab {
namespace {

constexpr uint64_t kMaxTruthAddresses = 4'000'000;

int Fail(const std::string& message) {
  std::cerr << "smtp-lab: " << message << "\n";
  return 2;
}

std::string TruthLine(const LabOptions& opt, const Population& pop, uint32_t addr) {
  auto id = AllBehaviours()[pop.BehaviourFor(addr)].id;
  return HostTruthJson(Ipv4ToString(addr), opt.port, MxName(addr), id, *TruthFor(id));
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

bool WriteTruth(const LabOptions& opt, const Population& pop, const std::vector<uint32_t>& addrs,
                std::string& error) {
  std::string path = opt.run_dir + "/truth.ndjson";
  std::ofstream f(path);
  for (uint32_t a : addrs) f << TruthLine(opt, pop, a) << "\n";
  if (!opt.ipv6_behaviour.empty()) {
    const HostTruth* t = TruthFor(opt.ipv6_behaviour);
    f << HostTruthJson("::1", opt.port, "mx-ipv6-1.lab.test", opt.ipv6_behaviour, *t) << "\n";
  }
  if (!f) error = "cannot write " + path;
  return static_cast<bool>(f);
}

int MakeSignalFd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return signalfd(-1, &set, SFD_CLOEXEC);
}

void EmitStats(const LabOptions& opt, const LabStats& stats) {
  std::string json = stats.ToJson() + "\n";
  if (opt.stats_file.empty()) {
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
  } else if (!WriteFile(opt.stats_file, json)) {
    std::cerr << "smtp-lab: cannot write " << opt.stats_file << "\n";
  }
}

void AnnounceReady(const LabOptions& opt, size_t listeners) {
  std::string ready = "{\"pid\":" + std::to_string(getpid()) +
                      ",\"port\":" + std::to_string(opt.port) +
                      ",\"listeners\":" + std::to_string(listeners) +
                      ",\"processes\":" + std::to_string(opt.processes) +
                      ",\"wildcard\":" + (opt.wildcard ? "true" : "false") + "}\n";
  WriteFile(opt.run_dir + "/ready", ready);
  std::cerr << "smtp-lab: ready pid=" << getpid() << " listeners=" << listeners << "\n";
}

// Forked workers: each runs its own LabServer and reports readiness, then its stats, on a pipe.
int ServeWorkers(const LabOptions& opt, const Population& pop, CertStore& certs,
                 SharedCounters& shared, const std::vector<uint32_t>& addrs) {
  std::vector<pid_t> pids;
  std::vector<int> pipes;
  for (uint32_t w = 0; w < opt.processes; ++w) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return Fail("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      for (int fd : pipes) close(fd);
      int sfd = MakeSignalFd();
      LabServer server(opt, pop, certs, shared, opt.seed * 1000003 + w);
      std::string error;
      if (!server.Listen(addrs, w, opt.processes, error)) {
        std::cerr << "smtp-lab: worker " << w << ": " << error << "\n";
        _exit(3);
      }
      uint32_t ready = static_cast<uint32_t>(server.listener_count());  // "ready" message
      if (write(p[1], &ready, sizeof ready) != sizeof ready) _exit(3);
      server.Run(sfd);
      LabStats s = server.stats();
      ssize_t n = write(p[1], &s, sizeof s);
      _exit(n == sizeof s ? 0 : 3);
    }
    close(p[1]);
    if (pid < 0) return Fail("fork failed");
    pids.push_back(pid);
    pipes.push_back(p[0]);
  }
  auto stop_all = [&] {
    for (pid_t pid : pids) kill(pid, SIGTERM);
  };
  size_t listeners = 0;
  for (int fd : pipes) {
    pollfd pfd{fd, POLLIN, 0};
    uint32_t count = 0;
    if (poll(&pfd, 1, 60000) != 1 || read(fd, &count, sizeof count) != sizeof count) {
      stop_all();
      for (pid_t pid : pids) waitpid(pid, nullptr, 0);
      return Fail("a worker failed to start");
    }
    listeners += count;
  }
  AnnounceReady(opt, listeners);
  // Wait for SIGTERM/SIGINT, or a worker's unexpected end (its pipe reaches EOF / has data).
  int sfd = MakeSignalFd();
  std::vector<pollfd> pfds{{sfd, POLLIN, 0}};
  for (int fd : pipes) pfds.push_back({fd, POLLIN, 0});
  while (poll(pfds.data(), pfds.size(), -1) < 0 && errno == EINTR) {
  }
  stop_all();
  LabStats total;
  int rc = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    LabStats s;
    size_t got = 0;
    while (got < sizeof s) {
      ssize_t n = read(pipes[i], reinterpret_cast<char*>(&s) + got, sizeof s - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == sizeof s)
      total.Add(s);
    else
      rc = 1;
    int status = 0;
    waitpid(pids[i], &status, 0);
    close(pipes[i]);
  }
  EmitStats(opt, total);
  return rc;
}

int Serve(const LabOptions& opt, const Population& pop, const std::vector<uint32_t>& addrs) {
  if (!opt.wildcard && addrs.empty() && opt.ipv6_behaviour.empty())
    return Fail("nothing to serve: give --addresses, --assign, --ipv6 or --wildcard");
  if (opt.wildcard) {
    for (const auto& [addr, idx] : pop.assigned())
      if (AllBehaviours()[idx].opening == Opening::kNotListening)
        return Fail("connection_refused cannot be served in --wildcard mode (" +
                    Ipv4ToString(addr) + ")");
  }
  mkdir(opt.run_dir.c_str(), 0755);
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  std::string error;
  CertStore certs;  // first: the zone's TLSA records are digests of its keys
  if (!certs.Init(opt.run_dir, error, opt.pki)) return Fail(error);
  if (!opt.no_truth) {
    if (addrs.size() > kMaxTruthAddresses)
      return Fail("too many addresses for a truth file; use --no-truth");
    if (!WriteTruth(opt, pop, addrs, error)) return Fail(error);
    if (!addrs.empty() && !WriteZoneAndDomainTruth(opt, pop, addrs, &certs, error))
      return Fail(error);
  }
  SharedCounters shared;  // mapped before the workers are forked, so they all share it
  if (!shared.Map(error)) return Fail(error);
  WriteFile(opt.run_dir + "/lab.pid", std::to_string(getpid()) + "\n");
  unlink((opt.run_dir + "/ready").c_str());

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int rc = 0;
  if (opt.processes > 1) {
    rc = ServeWorkers(opt, pop, certs, shared, addrs);
  } else {
    int sfd = MakeSignalFd();
    LabServer server(opt, pop, certs, shared, opt.seed * 1000003);
    if (!server.Listen(addrs, 0, 1, error)) return Fail(error);
    AnnounceReady(opt, server.listener_count());
    server.Run(sfd);
    LabStats s = server.stats();
    EmitStats(opt, s);
    close(sfd);
  }
  unlink((opt.run_dir + "/ready").c_str());
  return rc;
}

int Main(int argc, char** argv) {
  // The 1 MiB TLS flights and the 10 MiB line pass through buffers of a few MiB. glibc would
  // map and unmap each (page faults were a third of a huge flight's cost): keep them in the
  // heap and keep the heap's free memory, so a busy lab reuses it.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  LabOptions opt;
  bool help = false;
  std::string error;
  if (!ParseLabOptions(argc, argv, opt, help, error)) return Fail(error);
  if (help) {
    std::cout << LabHelpText();
    return 0;
  }
  if (opt.command == "behaviours") {
    for (const auto& b : AllBehaviours()) std::cout << b.id << "\t" << b.description << "\n";
    return 0;
  }
  Population pop;
  pop.SetSeed(opt.seed);
  if (!pop.SetWeights(opt.weights, opt.wildcard, error)) return Fail(error);
  if (!opt.assign_file.empty() && !pop.LoadAssignFile(opt.assign_file, error)) return Fail(error);

  std::vector<AddressRange> ranges;
  if (!opt.addresses.empty() && !ParseAddressSpec(opt.addresses, ranges, error)) return Fail(error);
  if (CountAddresses(ranges) > (opt.wildcard ? kMaxTruthAddresses : 1'000'000))
    return Fail("--addresses covers too many addresses");
  std::set<uint32_t> unique;
  for (const auto& r : ranges)
    for (uint64_t a = r.first; a <= r.last; ++a) unique.insert(static_cast<uint32_t>(a));
  if (!opt.wildcard)
    for (const auto& kv : pop.assigned()) unique.insert(kv.first);
  std::vector<uint32_t> addrs(unique.begin(), unique.end());

  if (opt.command == "truth") {
    for (const auto& a : opt.args) {
      uint32_t addr = 0;
      if (!ParseIpv4(a, addr) || (addr >> 24) != 127)
        return Fail("not a 127.0.0.0/8 address: " + a);
      std::cout << TruthLine(opt, pop, addr) << "\n";
    }
    if (opt.args.empty())
      for (uint32_t a : addrs) std::cout << TruthLine(opt, pop, a) << "\n";
    return 0;
  }
  if (opt.command == "zone") {
    mkdir(opt.run_dir.c_str(), 0755);
    CertStore certs;  // the policy cases' TLSA records need the run dir's keys
    if (!opt.policy_address.empty() && !certs.Init(opt.run_dir, error)) return Fail(error);
    if (!WriteZoneAndDomainTruth(opt, pop, addrs, &certs, error)) return Fail(error);
    return 0;
  }
  return Serve(opt, pop, addrs);
}

}  // namespace
}  // namespace starttls::lab

int main(int argc, char** argv) { return starttls::lab::Main(argc, argv); }
