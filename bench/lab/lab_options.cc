#include "bench/lab/lab_options.h"

#include <charconv>
#include <string_view>

#include "bench/lab/behaviour_table.h"
#include "bench/lab/population.h"

namespace starttls::lab {
namespace {

template <typename T>
bool ParseNumber(std::string_view s, T& out, T lo, T hi) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool ParseRangeMs(std::string_view s, uint32_t& lo, uint32_t& hi) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseNumber<uint32_t>(s, lo, 0, 600000)) return false;
    hi = lo;
    return true;
  }
  return ParseNumber<uint32_t>(s.substr(0, dash), lo, 0, 600000) &&
         ParseNumber<uint32_t>(s.substr(dash + 1), hi, lo, 600000);
}

bool ParseFraction(std::string_view s, double& out) {
  // from_chars for double is available in GCC 12.
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 1) return false;
  out = v;
  return true;
}

}  // namespace

std::string LabHelpText() {
  std::string h =
      "smtp-lab: a simulated population of mail servers on loopback (127.0.0.0/8, ::1).\n"
      "\n"
      "Usage:\n"
      "  smtp-lab [serve] [flags]        serve the population until SIGTERM/SIGINT\n"
      "  smtp-lab truth [flags] ADDR...  print the host truth (NDJSON) of these addresses\n"
      "  smtp-lab zone [flags]           write the DNS zone and domain truth into --run-dir\n"
      "  smtp-lab behaviours             list behaviour ids and what they do\n"
      "\n"
      "Population:\n"
      "  --addresses SPEC     addresses to serve: A-B, A/LEN or A, comma separated, inside\n"
      "                       127.0.0.0/8 (e.g. 127.1.0.1-127.1.39.255). One listener each.\n"
      "  --wildcard           listen once on 0.0.0.0:PORT (bound to the lo device, non-loopback\n"
      "                       destinations closed) and serve every loopback address; --addresses\n"
      "                       then only bounds the truth/zone files. connection_refused gets\n"
      "                       weight 0 in this mode.\n"
      "  --port N             TCP port (default 25)\n"
      "  --ipv6 BEHAVIOUR     also serve [::1]:PORT with this behaviour\n"
      "  --weights SPEC       behaviour=N,... weights of the seeded pick; others=N sets every\n"
      "                       benign behaviour not named (hostile_* ones only by name);\n"
      "                       'all' = every behaviour weight 1, hostile ones included\n"
      "                       (default compliant=40,no_starttls=20,misordered=5,others=1).\n"
      "                       A preset may come first, then overrides: 'internet' (an\n"
      "                       Internet-like mix, shares in bench/README.md), 'hostile' (every\n"
      "                       hostile_* behaviour and a few normal ones), e.g. "
      "internet,no_banner=9\n"
      "  --assign FILE        explicit 'ADDRESS BEHAVIOUR' lines; they override --weights, and\n"
      "                       in address mode their addresses are served too\n"
      "  --seed N             seed of the per-address pick and of latency draws (default 1)\n"
      "\n"
      "Network simulation:\n"
      "  --latency-ms A-B     every reply held back by a delay drawn per connection from\n"
      "                       [A,B] ms (default 0)\n"
      "  --drop-fraction F    fraction 0..1 of connections accepted but never answered\n"
      "  --greeting-delay-ms N  banner delay of slow_greeting (default 20000)\n"
      "  --late-banner-ms N   banner delay of hostile_late_banner (default 29000: just inside\n"
      "                       a 30 s banner deadline, latency included)\n"
      "  --drip-gap-ms N      gap between bytes of drip (default 2)\n"
      "  --idle-timeout-s N   close a connection idle this long (default 300)\n"
      "\n"
      "Certificates:\n"
      "  --pki SHAPE          flat (default): CA-issued leaves straight under the CA, ECDSA\n"
      "                       P-256 unless the behaviour says RSA; intermediates: under two\n"
      "                       ECDSA and two RSA intermediates, served leaf + intermediate, the\n"
      "                       leaf key per MX name RSA-2048 or ECDSA (needs --no-truth: the\n"
      "                       truth's key fields are flat's)\n"
      "  --rsa-percent N      with --pki intermediates: MX names with an RSA leaf (default 80)\n"
      "\n"
      "Process:\n"
      "  --run-dir DIR        where ca.pem, truth.ndjson, lab.test.zone, domains.ndjson,\n"
      "                       lab.pid and ready are written (default .)\n"
      "  --processes N        fork N workers (wildcard: SO_REUSEPORT; addresses: split)\n"
      "  --stats-file FILE    write the exit counters JSON there instead of stdout\n"
      "  --no-truth           do not write truth/zone files when serving\n"
      "\n"
      "DNS zone:\n"
      "  --domains N          domains in the zone (default 200)\n"
      "  --dns-address A      address of ns.lab.test in the zone (default 127.0.0.1)\n"
      "  --lame-ns A          loopback address where nothing answers, for the lame\n"
      "                       delegation (default 127.53.53.53)\n"
      "\n"
      "  --help               this text\n"
      "\n"
      "Behaviours:\n";
  for (const auto& b : AllBehaviours())
    h += "  " + std::string(b.id) + std::string(b.id.size() < 27 ? 27 - b.id.size() : 1, ' ') +
         std::string(b.description) + "\n";
  h += "\nCounters (exit JSON) include max_concurrent_per_24 and max_concurrent_per_ip: the\n"
       "most connections open at once to one /24 and to one address, over all workers.\n";
  h += "\nReady: RUN_DIR/ready (JSON) is written and 'smtp-lab: ready' printed on stderr once\n"
       "listening. SIGTERM/SIGINT stop it; counters are printed as JSON on exit.\n"
       "File formats: bench/README.md.\n";
  return h;
}

bool ParseLabOptions(int argc, char** argv, LabOptions& o, bool& help, std::string& error) {
  help = false;
  int i = 1;
  if (i < argc && argv[i][0] != '-') {
    std::string_view c = argv[i];
    if (c != "serve" && c != "truth" && c != "zone" && c != "behaviours") {
      error = "unknown subcommand '" + std::string(c) + "' (serve, truth, zone, behaviours)";
      return false;
    }
    o.command = c;
    ++i;
  }
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) != "--") {
      o.args.emplace_back(a);
      continue;
    }
    std::string name(a);
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string_view::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    auto flag = [&](std::string_view n) { return name == n; };
    if (flag("--help")) {
      help = true;
      return true;
    }
    if (flag("--wildcard")) {
      o.wildcard = true;
      continue;
    }
    if (flag("--no-truth")) {
      o.no_truth = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        error = "flag " + name + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    bool ok = true;
    if (flag("--port"))
      ok = ParseNumber<uint16_t>(value, o.port, 1, 65535);
    else if (flag("--addresses"))
      o.addresses = value;
    else if (flag("--ipv6")) {
      o.ipv6_behaviour = value;
      ok = FindBehaviour(value) >= 0;
    } else if (flag("--weights"))
      o.weights = value;
    else if (flag("--assign"))
      o.assign_file = value;
    else if (flag("--seed"))
      ok = ParseNumber<uint64_t>(value, o.seed, 0, UINT64_MAX);
    else if (flag("--run-dir"))
      o.run_dir = value;
    else if (flag("--latency-ms"))
      ok = ParseRangeMs(value, o.latency_min_ms, o.latency_max_ms);
    else if (flag("--drop-fraction"))
      ok = ParseFraction(value, o.drop_fraction);
    else if (flag("--greeting-delay-ms"))
      ok = ParseNumber<uint32_t>(value, o.greeting_delay_ms, 0, 600000);
    else if (flag("--late-banner-ms"))
      ok = ParseNumber<uint32_t>(value, o.late_banner_ms, 0, 600000);
    else if (flag("--drip-gap-ms"))
      ok = ParseNumber<uint32_t>(value, o.drip_gap_ms, 0, 10000);
    else if (flag("--idle-timeout-s"))
      ok = ParseNumber<uint32_t>(value, o.idle_timeout_s, 1, 86400);
    else if (flag("--processes"))
      ok = ParseNumber<uint32_t>(value, o.processes, 1, 64);
    else if (flag("--stats-file"))
      o.stats_file = value;
    else if (flag("--pki")) {
      ok = value == "flat" || value == "intermediates";
      o.pki.intermediates = value == "intermediates";
    } else if (flag("--rsa-percent"))
      ok = ParseNumber<unsigned>(value, o.pki.rsa_percent, 0, 100);
    else if (flag("--domains"))
      ok = ParseNumber<uint32_t>(value, o.domains, 0, 10000000);
    else if (flag("--dns-address"))
      o.dns_address = value;
    else if (flag("--lame-ns"))
      o.lame_ns = value;
    else if (flag("--policy-address")) {
      uint32_t a = 0;
      o.policy_address = value;
      ok = ParseIpv4(value, a) && (a >> 24) == 127;
    } else {
      error = "unknown flag " + name + " (see --help)";
      return false;
    }
    if (!ok) {
      error = "bad value '" + value + "' for " + name + " (see --help)";
      return false;
    }
  }
  if (o.pki.intermediates && !o.no_truth) {
    error = "--pki intermediates needs --no-truth (the truth's key fields are --pki flat's)";
    return false;
  }
  return true;
}

}  // namespace starttls::lab
