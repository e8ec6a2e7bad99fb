#include "scanner/scan/scan_setup.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace starttls {

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

namespace {

// An in-memory FILE* that closes with its reader.
class MemoryFileSource : public InputSource {
 public:
  explicit MemoryFileSource(FILE* file) : file_(file), stdio_(file) {}
  ~MemoryFileSource() override { std::fclose(file_); }
  InputRead Read(char* buffer, size_t capacity, size_t* got) override {
    return stdio_.Read(buffer, capacity, got);
  }
  std::string error() const override { return stdio_.error(); }

 private:
  FILE* file_;
  StdioSource stdio_;
};

// A descriptor that closes with its reader.
class OwnedFdSource : public InputSource {
 public:
  explicit OwnedFdSource(int fd) : fd_(fd), inner_(SourceForDescriptor(fd)) {}
  ~OwnedFdSource() override {
    inner_.reset();
    close(fd_);
  }
  InputRead Read(char* buffer, size_t capacity, size_t* got) override {
    return inner_->Read(buffer, capacity, got);
  }
  std::string error() const override { return inner_->error(); }
  int64_t last_arrival_ns() const override { return inner_->last_arrival_ns(); }

 private:
  int fd_;
  std::unique_ptr<InputSource> inner_;
};

}  // namespace

std::unique_ptr<TargetReader> OpenInput(const ScanOptions& options, std::string* error) {
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
    return std::make_unique<TargetReader>(std::make_unique<MemoryFileSource>(memory));
  }
  if (options.input_file == "-") {
    return std::make_unique<TargetReader>(SourceForDescriptor(STDIN_FILENO));
  }
  int fd = open(options.input_file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (fd >= 0 && fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    close(fd);
    *error = "flag --input-file: " + options.input_file + " is a directory";
    return nullptr;
  }
  if (fd < 0) {
    *error = "flag --input-file: " + options.input_file + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<TargetReader>(std::make_unique<OwnedFdSource>(fd));
}

std::string CheckSourceAddresses(const ScanOptions& options) {
  for (const std::optional<IpAddress>& source : {options.source_v4, options.source_v6}) {
    if (!source.has_value()) continue;
    int fd = socket(source->is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "flag --source-ip: socket: " + std::string(std::strerror(errno));
    sockaddr_storage address{};
    socklen_t length = Endpoint{*source, 0}.ToSockaddr(&address);
    int rc = bind(fd, reinterpret_cast<const sockaddr*>(&address), length);
    int err = errno;
    close(fd);
    if (rc != 0) {
      return "flag --source-ip: " + source->ToString() + " is not usable here (" +
             std::strerror(err) + (err == EADDRNOTAVAIL ? ": not an address of this machine" : "") +
             ")";
    }
  }
  return "";
}

int OpenOutput(const ScanOptions& options, std::string* error) {
  if (options.output_file == "-") return STDOUT_FILENO;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options.resume ? O_APPEND : O_TRUNC);
  int fd = open(options.output_file.c_str(), flags, 0644);
  if (fd < 0) *error = "flag --output-file: " + options.output_file + ": " + std::strerror(errno);
  return fd;
}

std::optional<RecordFormat> MakeRecordFormat(const ScanOptions& options, std::string* error) {
  RecordFormat format;
  format.compression = CompressionForFileName(options.output_file);
  if (options.output_format != "csv") return format;
  const std::vector<std::string> types = {"host", "domain", "error"};
  if (options.output_fields.empty()) {
    format.csv = CsvLayout::Default(types);
    return format;
  }
  absl::StatusOr<CsvLayout> layout =
      CsvLayout::FromNames(SplitNameList(options.output_fields), types);
  if (!layout.ok()) {
    *error = "flag --output-fields: " + std::string(layout.status().message());
    return std::nullopt;
  }
  format.csv = std::move(*layout);
  return format;
}

std::optional<TargetPolicy> LoadPolicy(const ScanOptions& options, std::string* error) {
  CidrSet blocklist;
  std::optional<CidrSet> allowlist;
  if (!options.blocklist_file.empty()) {
    absl::StatusOr<CidrSet> loaded = CidrSet::LoadFile(options.blocklist_file);
    if (!loaded.ok()) {
      *error = "flag --blocklist-file: " + std::string(loaded.status().message());
      return std::nullopt;
    }
    blocklist = std::move(*loaded);
  }
  if (!options.allowlist_file.empty()) {
    absl::StatusOr<CidrSet> loaded = CidrSet::LoadFile(options.allowlist_file);
    if (!loaded.ok()) {
      *error = "flag --allowlist-file: " + std::string(loaded.status().message());
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
  timeouts.tls_ms = static_cast<int64_t>(options.tls_timeout_s * 1000);
  EngineConfig config;
  config.session = SessionConfig(options.ehlo_name, timeouts);
  config.max_open_sessions = static_cast<uint32_t>(options.concurrency);
  // Replies are small and copied out at once, so a modest pool per ring suffices; every
  // buffer the kernel fills stays resident, so the pool is what a burst of replies costs.
  config.buffer_count = 1024;
  config.buffer_size = 2048;
  config.threads = static_cast<uint32_t>(options.threads);
  config.source_v4 = options.source_v4;
  config.source_v6 = options.source_v6;
  return config;
}

std::string SetUpTls(const ScanOptions& options, std::unique_ptr<TlsClientContext>* context,
                     SessionConfig* session) {
  SessionTlsSettings settings;
  // Policy fetches speak TLS even when the SMTP sessions are told not to.
  if (options.starttls != "never" || options.policy == "all") {
    TlsClientOptions tls_options;
    if (!options.ca_file.empty()) {
      tls_options.ca_file = options.ca_file;
      tls_options.ca_file_required = true;
    }
    std::string error;
    *context = TlsClientContext::Create(tls_options, &error);
    if (*context == nullptr) return error;
  }
  settings.context = context->get();
  settings.policy = options.starttls == "always"  ? StarttlsPolicy::kAlways
                    : options.starttls == "never" ? StarttlsPolicy::kNever
                                                  : StarttlsPolicy::kOffered;
  settings.chain_der = options.tls_chain == "full"   ? TlsChainDer::kFull
                       : options.tls_chain == "leaf" ? TlsChainDer::kLeaf
                                                     : TlsChainDer::kNone;
  settings.keep_chain_for_policy = options.policy == "all";
  session->set_tls(settings);
  return "";
}

std::string SetUpDomainTargets(const ScanOptions& options, RecordSink* sink, ScanTally* tally,
                               std::unique_ptr<DomainTargets>* targets, std::string* unavailable) {
  ResolverOptions resolver;
  for (const std::string& text : options.resolvers) {
    absl::StatusOr<Endpoint> server = ParseResolverAddress(text);
    if (!server.ok()) {
      return "flag " + std::string(server.status().message());
    }
    resolver.servers.push_back(*server);
  }
  resolver.queries_per_second = options.dns_rate;
  resolver.timeout_ms = static_cast<int>(options.dns_timeout_s * 1000);
  resolver.tries = static_cast<int>(options.dns_tries);
  resolver.max_queries_in_flight = options.dns_queries_in_flight;
  resolver.families = options.address_families == "ipv4"   ? AddressFamilies::kIpv4Only
                      : options.address_families == "ipv6" ? AddressFamilies::kIpv6Only
                                                           : AddressFamilies::kBoth;
  resolver.policy = options.policy == "all";
  absl::StatusOr<std::unique_ptr<DomainTargets>> created = DomainTargets::Create(
      resolver, static_cast<uint16_t>(options.mx_port), static_cast<uint16_t>(options.mta_sts_port),
      options.max_domains_in_flight, sink, tally);
  if (!created.ok()) {
    *unavailable = "no DNS resolver could be set up: " + std::string(created.status().message());
    if (!options.resolvers.empty()) return "flag --resolver: " + *unavailable;
    return "";
  }
  *targets = std::move(*created);
  return "";
}

}  // namespace starttls
