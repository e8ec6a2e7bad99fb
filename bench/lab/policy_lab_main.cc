// policy-lab: the lab's MTA-STS policy server (RFC 8461 §3.3). It serves
// https://mta-sts.<domain>/.well-known/mta-sts.txt for every site of RUN_DIR/mta-sts-sites.tsv
// (written by smtp-lab --policy-address), with certificates from the lab CA of RUN_DIR
// (lab-pki.pem), until SIGTERM/SIGINT.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iostream>
#include <string_view>

#include "bench/lab/lab_certs.h"
#include "bench/lab/lab_pki_file.h"
#include "bench/lab/policy_server.h"
#include "bench/lab/policy_sites.h"
#include "bench/lab/population.h"

namespace starttls::lab {
namespace {

constexpr std::string_view kHelp =
    "policy-lab: the lab's MTA-STS policy server (HTTPS, SNI mta-sts.<domain>), loopback only.\n"
    "Sites and their answers: RUN_DIR/mta-sts-sites.tsv, written by smtp-lab --policy-address\n"
    "(good policies, 404, 301, text/html, a body over 64 KiB, an expired or wrong-name\n"
    "certificate, a body dripped past any deadline, chunked transfer coding); bench/README.md.\n"
    "\n"
    "Usage: policy-lab [flags]\n"
    "  --address A            127.0.0.0/8 address to listen on (default 127.0.0.1)\n"
    "  --port N               TCP port (default 443; a scanner then needs its MTA-STS port\n"
    "                         override, e.g. starttls-scan --mta-sts-port N)\n"
    "  --run-dir DIR          the lab's run dir: lab-pki.pem (the CA that signs the\n"
    "                         certificates; made by smtp-lab) and mta-sts-sites.tsv are read\n"
    "                         there; policy-lab.pid and, once listening, policy-lab.ready written\n"
    "  --sites FILE           read the sites from FILE instead\n"
    "  --drip-ms N            gap between the slow site's body octets (default 1000)\n"
    "  --idle-timeout-s N     close a connection idle this long (default 30)\n"
    "  --max-connections N    connections at once (default 512)\n"
    "  --help                 this text\n"
    "SIGTERM/SIGINT: stop; counters JSON on stdout.\n";

int Fail(const std::string& message) {
  std::cerr << "policy-lab: " << message << "\n";
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
  PolicyServerOptions o;
  std::string address = "127.0.0.1", run_dir = ".", sites_file;
  uint32_t idle_s = 30;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help") {
      std::cout << kHelp;
      return 0;
    }
    if (i + 1 >= argc)
      return Fail("unknown flag or missing value: " + std::string(a) + " (see --help)");
    std::string_view v = argv[++i];
    bool ok = true;
    if (a == "--address")
      address = v;
    else if (a == "--port")
      ok = Number<uint16_t>(v, o.port, 1, 65535);
    else if (a == "--run-dir")
      run_dir = v;
    else if (a == "--sites")
      sites_file = v;
    else if (a == "--drip-ms")
      ok = Number<uint32_t>(v, o.drip_ms, 1, 600000);
    else if (a == "--idle-timeout-s")
      ok = Number<uint32_t>(v, idle_s, 1, 86400);
    else if (a == "--max-connections")
      ok = Number<size_t>(v, o.max_connections, 1, 10000);
    else
      return Fail("unknown flag " + std::string(a) + " (see --help)");
    if (!ok) return Fail("bad value '" + std::string(v) + "' for " + std::string(a));
  }
  o.idle_timeout_ms = idle_s * 1000;
  if (!ParseIpv4(address, o.address) || (o.address >> 24) != 127)
    return Fail("--address must be inside 127.0.0.0/8");
  if (sites_file.empty()) sites_file = run_dir + "/mta-sts-sites.tsv";
  // The CA must be the lab's own: CertStore would otherwise make (and publish) a new one.
  if (access(LabPkiPath(run_dir).c_str(), R_OK) != 0)
    return Fail(LabPkiPath(run_dir) +
                " missing: run smtp-lab (serve or zone) with this run dir first");

  std::string error;
  std::vector<PolicySite> sites;
  if (!ReadSites(sites_file, sites, error)) return Fail(error);
  CertStore certs;
  if (!certs.Init(run_dir, error)) return Fail(error);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  WriteFile(run_dir + "/policy-lab.pid", std::to_string(getpid()) + "\n");
  std::string ready = run_dir + "/policy-lab.ready";
  unlink(ready.c_str());

  PolicyServer server(certs, std::move(sites), o);
  if (!server.Listen(error)) return Fail(error);
  WriteFile(ready, "{\"pid\":" + std::to_string(getpid()) + ",\"address\":\"" + address +
                       "\",\"port\":" + std::to_string(o.port) + "}\n");
  std::cerr << "policy-lab: ready pid=" << getpid() << " on " << address << ":" << o.port << "\n";
  server.Run(sfd);
  unlink(ready.c_str());
  std::cout << server.stats().ToJson() << std::endl;
  return 0;
}

}  // namespace
}  // namespace starttls::lab

int main(int argc, char** argv) { return starttls::lab::Main(argc, argv); }
