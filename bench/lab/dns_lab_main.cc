// dns-lab: the lab's hostile DNS responder (see hostile_zone.h). It reads the lab's hosts from
// RUN_DIR/truth.ndjson, writes RUN_DIR/hostile.ndjson (truth) and RUN_DIR/hostile-domains.txt
// (the names, one per line), then answers on UDP and TCP until SIGTERM/SIGINT.
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iostream>
#include <string_view>

#include "bench/lab/dns_lab_server.h"
#include "bench/lab/hostile_zone.h"
#include "bench/lab/lab_host_file.h"
#include "bench/lab/population.h"

namespace starttls::lab {
namespace {

constexpr std::string_view kHelp =
    "dns-lab: a DNS responder for hostile.test whose answers a scanner's resolver must survive\n"
    "(compression loops, 255+ octet names, 1,000 MX over TCP, CNAME chains and loops, IP literal\n"
    "exchanges, TC, answers for another question or with another ID), plus A records for the\n"
    "lab's MX names. Loopback only. Names and truth: bench/README.md (\"Hostile DNS\").\n"
    "\n"
    "Usage: dns-lab [flags]\n"
    "  --address A     127.0.0.0/8 address for UDP and TCP (default 127.0.0.1)\n"
    "  --port N        port (default 53)\n"
    "  --run-dir DIR   reads truth.ndjson (smtp-lab's host truth) there; writes hostile.ndjson,\n"
    "                  hostile-domains.txt, dns-lab.pid and, once listening, dns-lab.ready\n"
    "  --hosts FILE    read the lab hosts from FILE instead of RUN_DIR/truth.ndjson\n"
    "  --late-ms N     delay of the right answer after a wrong one (default 200)\n"
    "  --copies N      serve N copies of the names (copy k > 0 under kK.hostile.test; default 1)\n"
    "  --truth-only    write the truth files and exit\n"
    "  --help          this text\n"
    "The lab must have a compliant, a misordered and a no_starttls host (smtp-lab --assign).\n"
    "SIGTERM/SIGINT: stop; counters JSON on stdout.\n";

struct Options {
  std::string address = "127.0.0.1";
  uint16_t port = 53;
  std::string run_dir = ".";
  std::string hosts_file;
  uint32_t late_ms = 200;
  uint32_t copies = 1;
  bool truth_only = false;
};

int Fail(const std::string& message) {
  std::cerr << "dns-lab: " << message << "\n";
  return 2;
}

template <typename T>
bool Number(std::string_view s, T& out, T lo, T hi) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  return static_cast<bool>(f);
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help") {
      std::cout << kHelp;
      return 0;
    }
    if (a == "--truth-only") {
      o.truth_only = true;
      continue;
    }
    if (i + 1 >= argc)
      return Fail("unknown flag or missing value: " + std::string(a) + " (see --help)");
    std::string_view v = argv[++i];
    bool ok = true;
    if (a == "--address")
      o.address = v;
    else if (a == "--port")
      ok = Number<uint16_t>(v, o.port, 1, 65535);
    else if (a == "--run-dir")
      o.run_dir = v;
    else if (a == "--hosts")
      o.hosts_file = v;
    else if (a == "--late-ms")
      ok = Number<uint32_t>(v, o.late_ms, 1, 60000);
    else if (a == "--copies")
      ok = Number<uint32_t>(v, o.copies, 1, 1000000);
    else
      return Fail("unknown flag " + std::string(a) + " (see --help)");
    if (!ok) return Fail("bad value '" + std::string(v) + "' for " + std::string(a));
  }
  uint32_t address = 0;
  if (!ParseIpv4(o.address, address) || (address >> 24) != 127)
    return Fail("--address must be inside 127.0.0.0/8");
  if (o.hosts_file.empty()) o.hosts_file = o.run_dir + "/truth.ndjson";

  std::string error;
  std::vector<LabHost> hosts;
  if (!ReadLabHosts(o.hosts_file, hosts, error)) return Fail(error);
  HostileZone zone;
  if (!zone.Init(std::move(hosts), o.late_ms, error, o.copies)) return Fail(error);
  mkdir(o.run_dir.c_str(), 0755);
  if (!WriteFile(o.run_dir + "/hostile.ndjson", zone.TruthNdjson()) ||
      !WriteFile(o.run_dir + "/hostile-domains.txt", zone.DomainList()))
    return Fail("cannot write the truth files in " + o.run_dir);
  if (o.truth_only) return 0;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  WriteFile(o.run_dir + "/dns-lab.pid", std::to_string(getpid()) + "\n");
  std::string ready = o.run_dir + "/dns-lab.ready";
  unlink(ready.c_str());

  DnsLabServer server(zone);
  if (!server.Listen(address, o.port, error)) return Fail(error);
  WriteFile(ready, "{\"pid\":" + std::to_string(getpid()) + ",\"address\":\"" + o.address +
                       "\",\"port\":" + std::to_string(o.port) + "}\n");
  std::cerr << "dns-lab: ready pid=" << getpid() << " on " << o.address << ":" << o.port << "\n";
  server.Run(sfd);
  unlink(ready.c_str());
  std::cout << server.stats().ToJson() << std::endl;
  return 0;
}

}  // namespace
}  // namespace starttls::lab

int main(int argc, char** argv) { return starttls::lab::Main(argc, argv); }
