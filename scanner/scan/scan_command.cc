#include "scanner/scan/scan_command.h"

#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "absl/time/clock.h"
#include "scanner/engine/scan_engine.h"
#include "scanner/scan/host_record.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/resume.h"
#include "scanner/scan/scan_feed.h"
#include "scanner/scan/scan_metadata.h"
#include "scanner/scan/scan_options.h"
#include "scanner/scan/scan_setup.h"
#include "scanner/scan/supervisor.h"

namespace starttls {
namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kHelp =
    "usage: starttls-scan [scan] [flags] [targets...]\n"
    "\n"
    "Targets are IPs, CIDRs, 'ip,mx-name' lines or mail domains (resolved as a sending MTA\n"
    "does: MX, then A/AAAA). For each distinct (ip, port): connect, read the banner, EHLO\n"
    "(HELO if refused), classify the reply (compliant / starttls_misordered / no_starttls),\n"
    "STARTTLS and a TLS handshake when offered (as a probe when misordered), EHLO again over\n"
    "TLS, QUIT. One NDJSON record per target: `host` for addresses, `domain` for names.\n"
    "Never sends MAIL, RCPT, DATA, AUTH, VRFY or EXPN.\n"
    "Targets come from the arguments, or else --input-file (default stdin). A status line\n"
    "goes to stderr each second; SIGINT/SIGTERM stop starting sessions and let open ones\n"
    "finish (a second signal cuts them short), then flush and write the metadata.\n"
    "\n"
    "flags:\n";

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

int Fail(const std::string& error) {
  std::cerr << "starttls-scan: " << error << "\n";
  return 2;
}

}  // namespace

int RunScanCommand(int argc, char** argv, int first) {
  ScanOptions options;
  std::vector<FlagSpec> flags = ScanFlagTable(&options);
  auto positional = ParseFlags(flags, argc, argv, first);
  if (!positional.ok()) return Fail(std::string(positional.status().message()));
  if (options.help) {
    std::cout << kHelp << FlagHelp(flags);
    return 0;
  }
  options.targets = std::move(*positional);
  if (std::string error = ValidateScanOptions(options); !error.empty()) return Fail(error);
  if (!options.seed_given) options.seed = RandomSeed();
  if (options.ehlo_name.empty()) options.ehlo_name = ThisHostFqdn();
  if (!SessionConfig::IsValidEhloName(options.ehlo_name)) {
    return Fail("flag --ehlo-name: not a valid name: " + options.ehlo_name);
  }

  std::string error;
  std::optional<TargetPolicy> policy = LoadPolicy(options, &error);
  if (!policy.has_value()) return Fail(error);
  EngineConfig config = MakeEngineConfig(options);
  std::unique_ptr<TlsClientContext> tls_context;
  if (error = SetUpTls(options, &tls_context, &config.session); !error.empty()) return Fail(error);
  std::optional<ResumeState> resume;
  if (options.resume) {
    absl::StatusOr<ResumeState> loaded =
        LoadResumeState(options.output_file, static_cast<uint16_t>(options.port));
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    resume = std::move(*loaded);
  }
  FILE* input = OpenInput(options, &error);
  if (input == nullptr) return Fail(error);
  int output_fd = OpenOutput(options, &error);
  if (output_fd < 0) return Fail(error);
  RecordSink sink(output_fd, output_fd != STDOUT_FILENO);
  ScanTally tally;
  std::unique_ptr<DomainTargets> domains;
  std::string domains_unavailable;
  error = SetUpDomainTargets(options, &sink, &tally, &domains, &domains_unavailable);
  if (!error.empty()) return Fail(error);

  // Signals go to the supervisor thread only: block them before any thread starts.
  BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);

  ScanRunInfo run;
  run.version = std::string(kVersion);
  run.flags = options.given;
  run.seed = options.seed;
  run.shards = static_cast<uint32_t>(options.shards);
  run.shard = static_cast<uint32_t>(options.shard);
  run.start_unix_ms = NowUnixMs();

  TargetReader reader(input);
  ScanFeedOptions feed_options;
  feed_options.port = static_cast<uint16_t>(options.port);
  feed_options.seed = options.seed;
  feed_options.shards = run.shards;
  feed_options.shard = run.shard;
  ScanFeed feed(&reader, &*policy, feed_options, &sink, &tally, resume ? &*resume : nullptr,
                std::move(domains), domains_unavailable);

  ScheduleAdmission admission({.rate_per_second = options.rate,
                               .max_per_ip = static_cast<uint32_t>(options.max_per_ip),
                               .back_off_ms = static_cast<int64_t>(options.backoff_s * 1000)});
  config.admission = &admission;
  config.extension = &feed;
  // SNI and the hostname check use the MX name ('ip,name' lines, MX records).
  config.server_name = [&feed](const Endpoint& endpoint) { return feed.ServerNameFor(endpoint); };

  ScanEngine engine;
  Supervisor supervisor(&engine, &tally, !options.quiet);
  supervisor.Start();
  std::string record;
  auto on_result = [&](const ScanResult& result) {
    std::vector<std::string> names = feed.TakeNames(result.endpoint);
    record.clear();
    AppendHostRecord(result.endpoint, names, result.session, result.started_unix_ms, &record);
    sink.Write(record);
    const ConversationVerdict& verdict = result.session.verdict;
    tally.CountHost(result.session.status, verdict.cls, verdict.anomalies);
    feed.HostFinished(result.endpoint, result.session.status, verdict.cls);
  };
  std::string engine_error;
  bool engine_ok = engine.Run(feed, config, on_result, &engine_error);
  supervisor.Finish();

  // Whatever was read but never started is listed, so nothing is silently lost.
  for (const Endpoint& endpoint : feed.TakeUnstarted()) run.not_started.push_back(endpoint.ToString());
  for (const Endpoint& endpoint : engine.TakeUnstarted()) run.not_started.push_back(endpoint.ToString());
  run.input_lines_read = feed.lines_handled();
  run.end_unix_ms = NowUnixMs();
  std::string input_error = feed.input_error();
  bool flushed = sink.Flush();
  run.completed = engine_ok && supervisor.signals() == 0 && input_error.empty() && flushed;
  if (!engine_ok) run.stop_reason = engine_error;
  if (supervisor.signals() > 0) run.stop_reason = "stopped by signal";
  if (!input_error.empty()) run.stop_reason = "reading input: " + input_error;
  if (!flushed) run.stop_reason = "writing output failed";
  if (input != stdin) std::fclose(input);

  if (!options.metadata_file.empty()) {
    std::string metadata_error = WriteMetadataFile(options.metadata_file, run, tally.Snapshot());
    if (!metadata_error.empty()) {
      std::cerr << "starttls-scan: --metadata-file: " << metadata_error << "\n";
      return 3;
    }
  }
  if (!run.completed) {
    std::cerr << "starttls-scan: scan incomplete: " << run.stop_reason << " ("
              << run.not_started.size() << " targets not started"
              << (options.metadata_file.empty() ? "" : ", listed in the metadata file")
              << ")\n";
    return 1;
  }
  return 0;
}

}  // namespace starttls
