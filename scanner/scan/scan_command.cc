#include "scanner/scan/scan_command.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "absl/time/clock.h"
#include "base/monotonic_clock.h"
#include "base/version.h"
#include "output/host_record.h"
#include "scanner/engine/scan_engine.h"
#include "scanner/flags/exit_codes.h"
#include "scanner/scan/dry_run.h"
#include "scanner/scan/host_outcome.h"
#include "scanner/scan/input_targets.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/resume.h"
#include "scanner/scan/scan_feed.h"
#include "scanner/scan/scan_log.h"
#include "scanner/scan/scan_metadata.h"
#include "scanner/scan/scan_options.h"
#include "scanner/scan/scan_setup.h"
#include "scanner/scan/supervisor.h"

namespace starttls {
namespace {

constexpr std::string_view kHelp =
    "usage: starttls-scan [scan] [flags] [targets...]\n"
    "\n"
    "Targets are IPs, CIDRs, 'ip,mx-name' lines, mail domains (resolved as a sending MTA\n"
    "does: MX, then A/AAAA), or ZMap's CSV output (a header with saddr[,sport]). For each\n"
    "distinct (ip, port): connect, read the banner, EHLO (HELO if refused), classify the\n"
    "reply (compliant / starttls_misordered / no_starttls), STARTTLS and a TLS handshake\n"
    "when offered (as a probe when misordered), EHLO again over TLS, QUIT. One NDJSON record\n"
    "(or CSV row, --output-format) per target: `host` for addresses, `domain` for names.\n"
    "Never sends MAIL, RCPT, DATA, AUTH, VRFY or EXPN.\n"
    "Targets come from the arguments or --input-file (default stdin), not both. A status\n"
    "line goes to stderr each second; SIGINT/SIGTERM stop starting sessions and let open\n"
    "ones finish (a second signal cuts them short), then flush and write the metadata.\n"
    "Durations take units: 500ms, 10s, 2m, 1h (a plain number is seconds).\n"
    "Exit codes: 0 done (or stopped at --max-targets / --max-runtime: --resume continues),\n"
    "1 stopped early (signal, error), 2 bad flags or setup (nothing was sent),\n"
    "3 the metadata file could not be written at the end.\n"
    "\n"
    "flags:\n";

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

int Fail(const std::string& error) {
  std::cerr << "starttls-scan: " << error << "\n";
  return kExitUsage;
}

InputTargetsOptions InputOptions(const ScanOptions& options) {
  InputTargetsOptions input;
  input.ports = options.ports;
  input.seed = options.seed;
  input.shards = static_cast<uint32_t>(options.shards);
  input.shard = static_cast<uint32_t>(options.shard);
  input.arguments = !options.targets.empty();
  return input;
}

ScanFeedOptions FeedOptions(const ScanOptions& options) {
  ScanFeedOptions feed;
  feed.seed = options.seed;
  feed.max_targets = options.max_targets;
  feed.retries = static_cast<uint32_t>(options.retries);
  feed.backoff_ns = static_cast<int64_t>(options.backoff_s * 1e9);
  feed.connect_retry_ns = static_cast<int64_t>(std::max(1.0, options.connect_timeout_s) * 1e9);
  feed.arguments = !options.targets.empty();
  return feed;
}

}  // namespace

std::string_view ScanHelpText() { return kHelp; }

int RunScanCommand(int argc, char** argv, int first) {
  ScanOptions options;
  std::vector<FlagSpec> flags = ScanFlagTable(&options);
  auto positional = ParseFlags(flags, argc, argv, first);
  if (!positional.ok()) return Fail(std::string(positional.status().message()));
  if (options.help) {
    std::cout << kHelp << FlagHelp(flags);
    return kExitOk;
  }
  if (options.version) {
    std::cout << VersionReport();
    return kExitOk;
  }
  options.targets = std::move(*positional);
  if (std::string error = ValidateScanOptions(options); !error.empty()) return Fail(error);
  if (!options.seed_given) options.seed = RandomSeed();

  // Everything that can be wrong is found before the first packet or DNS query.
  std::string error;
  ScanLog log;
  if (error = log.OpenFile(options.log_file); !error.empty()) return Fail(error);
  std::optional<TargetPolicy> policy = LoadPolicy(options, &error);
  if (!policy.has_value()) return Fail(error);
  if (error = CheckSourceAddresses(options); !error.empty()) return Fail(error);
  std::unique_ptr<TargetReader> reader = OpenInput(options, &error);
  if (reader == nullptr) return Fail(error);
  InputTargets input(reader.get(), InputOptions(options));
  if (options.dryrun) return RunDryRun(&input, options, stdout);

  if (options.ehlo_name.empty()) options.ehlo_name = ThisHostFqdn();
  if (!SessionConfig::IsValidEhloName(options.ehlo_name)) {
    return Fail("flag --ehlo-name: not a valid name: " + options.ehlo_name);
  }
  EngineConfig config = MakeEngineConfig(options);
  std::unique_ptr<TlsClientContext> tls_context;
  if (error = SetUpTls(options, &tls_context, &config.session); !error.empty()) return Fail(error);
  std::optional<RecordFormat> format = MakeRecordFormat(options, &error);
  if (!format.has_value()) return Fail(error);
  std::optional<ResumeLoad> resume;
  if (options.resume) {
    absl::StatusOr<ResumeLoad> loaded = LoadResumeState(options.output_file);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    resume = std::move(*loaded);
  }
  int output_fd = OpenOutput(options, &error);
  if (output_fd < 0) return Fail(error);
  RecordSink sink(output_fd, output_fd != STDOUT_FILENO, std::move(*format));
  std::unique_ptr<FILE, int (*)(FILE*)> status_csv(nullptr, &std::fclose);
  if (!options.status_updates_file.empty()) {
    status_csv.reset(std::fopen(options.status_updates_file.c_str(), "w"));
    if (status_csv == nullptr) {
      return Fail("flag --status-updates-file: cannot open " + options.status_updates_file + ": " +
                  std::strerror(errno));
    }
  }
  ScanTally tally;
  if (resume.has_value()) tally.Restore(resume->counts);
  std::unique_ptr<DomainTargets> domains;
  std::string domains_unavailable;
  error = SetUpDomainTargets(options, &sink, &tally, &domains, &domains_unavailable);
  if (!error.empty()) return Fail(error);

  ScanRunInfo run;
  run.version = std::string(kStarttlsScanVersion);
  run.flags = options.given;
  run.seed = options.seed;
  run.shards = static_cast<uint32_t>(options.shards);
  run.shard = static_cast<uint32_t>(options.shard);
  run.part_start_unix_ms = run.start_unix_ms = NowUnixMs();
  run.loop_lag.emplace();
  // --resume with no output yet (a first run that always passes --resume, as the Slurm and
  // Kubernetes jobs do) is part 1; earlier metadata without an output is not continued.
  if (resume.has_value() && resume->output_found) {
    if (std::optional<EarlierParts> earlier = ReadEarlierParts(options.metadata_file)) {
      run.parts = earlier->parts + 1;
      if (earlier->start_unix_ms != 0) run.start_unix_ms = earlier->start_unix_ms;
    } else {
      run.parts = 2;  // an earlier part wrote the output, but left no metadata
    }
  }
  run.running = true;
  run.stop_reason = "running";
  if (!options.metadata_file.empty() && options.metadata_file != "-") {
    if (error = WriteMetadataFile(options.metadata_file, run, tally.Snapshot()); !error.empty()) {
      return Fail("flag --metadata-file: " + error);
    }
  }

  // Signals go to the supervisor thread only: block them before any thread starts.
  BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);

  ScanFeed feed(&input, &*policy, FeedOptions(options), &sink, &tally,
                resume ? &resume->state : nullptr, std::move(domains), domains_unavailable);
  ScheduleAdmission admission({.rate_per_second = options.rate,
                               .max_per_ip = static_cast<uint32_t>(options.max_per_ip),
                               .max_per_prefix = static_cast<uint32_t>(options.max_per_prefix),
                               .back_off_ms = static_cast<int64_t>(options.backoff_s * 1000)});
  config.admission = &admission;
  config.extension = &feed;
  // SNI and the hostname check use the MX name ('ip,name' lines, MX records).
  config.server_name = [&feed](const Endpoint& endpoint) { return feed.ServerNameFor(endpoint); };

  ScanEngine engine;
  Supervisor supervisor(&engine, &tally, &log,
                        SupervisorOptions{!options.quiet, status_csv.get(), options.max_runtime_s,
                                          [&sink] { sink.Flush(); }});
  supervisor.Start();
  std::string record;
  auto on_result = [&](const ScanResult& result) {
    if (result.fetch != nullptr) {
      feed.PolicyFetched(result.endpoint, result.policy_domain, *result.fetch);
      return;
    }
    const SessionResult& session = result.session;
    if (feed.Retry(result.endpoint, session, MonotonicNowNs())) return;
    HostContext context = feed.TakeHost(result.endpoint);
    record.clear();
    AppendHostRecord(result.endpoint, context, session, result.started_unix_ms, &record);
    sink.Write(record);
    const ConversationVerdict& verdict = session.verdict;
    tally.CountHost(session.status, verdict.cls, verdict.anomalies, context.from_input);
    feed.HostFinished(result.endpoint, HostOutcomeOf(session));
  };
  std::string engine_error;
  bool engine_ok = engine.Run(feed, config, on_result, &engine_error);
  supervisor.Finish();

  // Whatever was taken in but never started is listed, so nothing is silently lost.
  run.not_started = feed.TakeUnstarted();
  for (const EngineTarget& target : engine.TakeUnstarted()) {
    if (!target.is_policy_fetch()) run.not_started.push_back(target.endpoint.ToString());
  }
  run.input_lines_read = feed.lines_handled();
  run.input = feed.input_counts();
  run.input_sha256 = feed.input_digest();
  run.domain_work = feed.domain_work();
  run.loop_lag = engine.loop_lag();
  run.end_unix_ms = NowUnixMs();
  run.running = false;
  std::string input_error = feed.input_error();
  bool flushed = sink.Flush();
  bool bounded = feed.max_targets_reached() || supervisor.runtime_reached();
  run.completed =
      engine_ok && supervisor.signals() == 0 && input_error.empty() && flushed && !bounded;
  run.stop_reason.clear();
  if (feed.max_targets_reached()) run.stop_reason = "--max-targets reached";
  if (supervisor.runtime_reached()) run.stop_reason = "--max-runtime reached";
  if (!engine_ok) run.stop_reason = engine_error;
  if (supervisor.signals() > 0) run.stop_reason = "stopped by signal";
  if (!input_error.empty()) run.stop_reason = "reading input: " + input_error;
  if (!flushed) run.stop_reason = "writing output failed";

  if (!options.metadata_file.empty()) {
    std::string metadata_error = WriteMetadataFile(options.metadata_file, run, tally.Snapshot());
    if (!metadata_error.empty()) {
      log.Line("--metadata-file: " + metadata_error);
      return kExitMetadataUnwritten;
    }
  }
  if (!run.completed) {
    log.Line("scan incomplete: " + run.stop_reason + " (" + std::to_string(run.not_started.size()) +
             " targets not started" +
             (options.metadata_file.empty() ? "" : ", listed in the metadata file") +
             "; --resume continues it)");
    bool asked_for = supervisor.signals() == 0 && engine_ok && input_error.empty() && flushed;
    return asked_for ? kExitOk : kExitFailed;
  }
  return kExitOk;
}

}  // namespace starttls
