#include "scanner/scan/scan_command.h"

#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <thread>

#include "absl/time/clock.h"
#include "scanner/engine/scan_engine.h"
#include "scanner/scan/host_record.h"
#include "scanner/scan/record_sink.h"
#include "scanner/scan/resume.h"
#include "scanner/scan/scan_feed.h"
#include "scanner/scan/scan_metadata.h"
#include "scanner/scan/scan_options.h"
#include "scanner/scan/status_line.h"

namespace starttls {
namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kHelp =
    "usage: starttls-scan [scan] [flags] [targets...]\n"
    "\n"
    "Connects to each target's SMTP port, reads the banner, sends EHLO (HELO if refused),\n"
    "classifies the reply (compliant / starttls_misordered / no_starttls), sends QUIT, and\n"
    "writes one NDJSON record per target. Never sends MAIL, RCPT, DATA, AUTH, VRFY or EXPN.\n"
    "Targets come from the arguments, or else --input-file (default stdin). A status line\n"
    "goes to stderr each second; SIGINT/SIGTERM stop starting sessions and let open ones\n"
    "finish (a second signal cuts them short), then flush and write the metadata.\n"
    "\n"
    "flags:\n";

int64_t NowUnixMs() { return absl::ToUnixMillis(absl::Now()); }

std::string ThisHostFqdn() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "localhost";
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* info = nullptr;
  std::string name = host;
  // A short lookup: /etc/hosts usually answers; without a network it fails fast.
  if (getaddrinfo(host, nullptr, &hints, &info) == 0 && info != nullptr) {
    if (info->ai_canonname != nullptr) name = info->ai_canonname;
    freeaddrinfo(info);
  }
  return name;
}

uint64_t RandomSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// Opens the input: positional targets become an in-memory file, so every target takes the
// same path (and gets a line number).
FILE* OpenInput(const ScanOptions& options, std::string* error) {
  if (!options.targets.empty()) {
    std::string text;
    for (const std::string& target : options.targets) text += target + "\n";
    FILE* memory = fmemopen(nullptr, text.size() + 1, "w+");
    if (memory == nullptr) {
      *error = std::strerror(errno);
      return nullptr;
    }
    std::fwrite(text.data(), 1, text.size(), memory);
    std::rewind(memory);
    return memory;
  }
  if (options.input_file == "-") return stdin;
  FILE* file = std::fopen(options.input_file.c_str(), "r");
  if (file == nullptr) {
    *error = "--input-file " + options.input_file + ": " + std::strerror(errno);
  }
  return file;
}

int OpenOutput(const ScanOptions& options, std::string* error) {
  if (options.output_file == "-") return STDOUT_FILENO;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.resume ? O_APPEND : O_TRUNC);
  int fd = open(options.output_file.c_str(), flags, 0644);
  if (fd < 0) *error = "--output-file " + options.output_file + ": " + std::strerror(errno);
  return fd;
}

std::optional<TargetPolicy> LoadPolicy(const ScanOptions& options, std::string* error) {
  CidrSet blocklist;
  std::optional<CidrSet> allowlist;
  if (!options.blocklist_file.empty()) {
    absl::StatusOr<CidrSet> loaded = CidrSet::LoadFile(options.blocklist_file);
    if (!loaded.ok()) {
      *error = "--blocklist-file: " + std::string(loaded.status().message());
      return std::nullopt;
    }
    blocklist = std::move(*loaded);
  }
  if (!options.allowlist_file.empty()) {
    absl::StatusOr<CidrSet> loaded = CidrSet::LoadFile(options.allowlist_file);
    if (!loaded.ok()) {
      *error = "--allowlist-file: " + std::string(loaded.status().message());
      return std::nullopt;
    }
    allowlist = std::move(*loaded);
  }
  return TargetPolicy(options.allow_reserved, std::move(blocklist), std::move(allowlist));
}

EngineConfig MakeEngineConfig(const ScanOptions& options) {
  SessionTimeouts timeouts;
  timeouts.connect_ms = static_cast<int64_t>(options.connect_timeout_s * 1000);
  timeouts.banner_ms = static_cast<int64_t>(options.banner_timeout_s * 1000);
  timeouts.command_ms = static_cast<int64_t>(options.command_timeout_s * 1000);
  timeouts.session_ms = static_cast<int64_t>(options.session_timeout_s * 1000);
  EngineConfig config;
  config.session = SessionConfig(options.ehlo_name, timeouts);
  config.max_open_sessions = static_cast<uint32_t>(options.concurrency);
  config.threads = static_cast<uint32_t>(options.threads);
  return config;
}

// The signal and status thread: SIGINT/SIGTERM are blocked everywhere and taken here with
// sigtimedwait, so no handler runs inside the engine. First signal: stop starting sessions;
// second: cut open ones short.
class Supervisor {
 public:
  Supervisor(ScanEngine* engine, const ScanTally* tally, bool print_status)
      : engine_(engine), tally_(tally), print_status_(print_status) {}

  void Start() { thread_ = std::thread([this] { Loop(); }); }
  void Finish() {
    done_.store(true);
    thread_.join();
  }
  int signals() const { return signals_.load(); }

 private:
  void Loop() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    absl::Time start = absl::Now();
    absl::Time next_status = start + absl::Seconds(1);
    while (!done_.load()) {
      timespec wait{0, 200'000'000};
      int signal = sigtimedwait(&set, nullptr, &wait);
      if (signal == SIGINT || signal == SIGTERM) {
        int count = ++signals_;
        std::fprintf(stderr, "starttls-scan: %s: %s\n", strsignal(signal),
                     count == 1 ? "no new sessions; open ones finish (signal again to cut them short)"
                                : "cutting open sessions short");
        if (count == 1) {
          engine_->Stop();
        } else {
          engine_->Abort();
        }
      }
      if (print_status_ && absl::Now() >= next_status) {
        next_status += absl::Seconds(1);
        StatusInputs inputs;
        inputs.elapsed_s = absl::ToDoubleSeconds(absl::Now() - start);
        inputs.open_sessions = engine_->stats().open_sessions;
        inputs.tally = tally_->Snapshot();
        std::fprintf(stderr, "%s\n", FormatStatusLine(inputs).c_str());
      }
    }
  }

  ScanEngine* engine_;
  const ScanTally* tally_;
  bool print_status_;
  std::atomic<bool> done_{false};
  std::atomic<int> signals_{0};
  std::thread thread_;
};

}  // namespace

int RunScanCommand(int argc, char** argv, int first) {
  ScanOptions options;
  std::vector<FlagSpec> flags = ScanFlagTable(&options);
  auto positional = ParseFlags(flags, argc, argv, first);
  if (!positional.ok()) {
    std::cerr << "starttls-scan: " << positional.status().message() << "\n";
    return 2;
  }
  if (options.help) {
    std::cout << kHelp << FlagHelp(flags);
    return 0;
  }
  options.targets = std::move(*positional);
  if (std::string error = ValidateScanOptions(options); !error.empty()) {
    std::cerr << "starttls-scan: " << error << "\n";
    return 2;
  }
  if (!options.seed_given) options.seed = RandomSeed();
  if (options.ehlo_name.empty()) options.ehlo_name = ThisHostFqdn();
  if (!SessionConfig::IsValidEhloName(options.ehlo_name)) {
    std::cerr << "starttls-scan: flag --ehlo-name: not a valid name: " << options.ehlo_name
              << "\n";
    return 2;
  }

  std::string error;
  std::optional<TargetPolicy> policy = LoadPolicy(options, &error);
  if (!policy.has_value()) {
    std::cerr << "starttls-scan: " << error << "\n";
    return 2;
  }
  std::optional<ResumeState> resume;
  if (options.resume) {
    absl::StatusOr<ResumeState> loaded =
        LoadResumeState(options.output_file, static_cast<uint16_t>(options.port));
    if (!loaded.ok()) {
      std::cerr << "starttls-scan: " << loaded.status().message() << "\n";
      return 2;
    }
    resume = std::move(*loaded);
  }
  FILE* input = OpenInput(options, &error);
  if (input == nullptr) {
    std::cerr << "starttls-scan: " << error << "\n";
    return 2;
  }
  int output_fd = OpenOutput(options, &error);
  if (output_fd < 0) {
    std::cerr << "starttls-scan: " << error << "\n";
    return 2;
  }

  // Signals go to the supervisor thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ScanRunInfo run;
  run.version = std::string(kVersion);
  run.flags = options.given;
  run.seed = options.seed;
  run.shards = static_cast<uint32_t>(options.shards);
  run.shard = static_cast<uint32_t>(options.shard);
  run.start_unix_ms = NowUnixMs();

  RecordSink sink(output_fd, output_fd != STDOUT_FILENO);
  ScanTally tally;
  TargetReader reader(input);
  ScanFeedOptions feed_options;
  feed_options.port = static_cast<uint16_t>(options.port);
  feed_options.seed = options.seed;
  feed_options.shards = run.shards;
  feed_options.shard = run.shard;
  ScanFeed feed(&reader, &*policy, feed_options, &sink, &tally, resume ? &*resume : nullptr);

  ScheduleAdmission admission({.rate_per_second = options.rate,
                               .max_per_ip = static_cast<uint32_t>(options.max_per_ip),
                               .back_off_ms = static_cast<int64_t>(options.backoff_s * 1000)});
  EngineConfig config = MakeEngineConfig(options);
  config.admission = &admission;

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
