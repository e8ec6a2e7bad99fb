// libFuzzer target: --resume's reader (scanner/scan/resume.cc) over an output file of fuzzer
// bytes, the way a scan killed mid-write (or a damaged disk) leaves it.
//
// Input: a control byte (the longest record line: 32 + 16 * byte), then the file's bytes.
// Bytes that start as gzip or zstd are also read as the compressed output of a scan
// (--output-file x.ndjson.gz / .zst, output/compressed_frames.h), through a name that says so.
//
// Oracles (abort on violation):
//   - it never crashes; it fails only on a file whose first bytes are gzip or zstd (the
//     scratch file's name asks for plain NDJSON), and then leaves it untouched;
//   - it truncates exactly after the last of the leading lines that are complete (LF-ended),
//     within the record cap and valid JSON: never inside a line, never keeping a line it
//     cannot parse, never dropping one before the first it cannot;
//   - it keeps no record from what it cut: loading the truncated file again cuts nothing and
//     finds the same endpoints, error lines, domains and counts;
//   - compressed: it fails only on a whole frame a scan does not write (over the cap, or not
//     whole JSON lines), and then leaves the file untouched; else it keeps a prefix whose
//     frames all decode to whole lines, and loading again cuts nothing and finds the same.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "output/byte_source.h"
#include "output/compressed_frames.h"
#include "output/ndjson_reader.h"
#include "scanner/scan/resume.h"

namespace {

using namespace starttls;

#define FUZZ_CHECK(condition)                                                             \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "resume_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

// The "output file" lives in memory (memfd): no disk I/O per input, and its
// /proc/self/fd path opens like any file. Symbolic links named .gz and .zst lead to it too.
struct Scratch {
  int fd = -1;
  std::string path;
  std::string dir;
  std::string gz_path;
  std::string zst_path;
};

// Never destroyed, so the exit handler that removes the links can still read it.
const Scratch& TheScratch() {
  static const Scratch* scratch = [] {
    auto* made = new Scratch;
    made->fd = memfd_create("resume_fuzzer", 0);
    FUZZ_CHECK(made->fd >= 0);
    made->path = "/proc/self/fd/" + std::to_string(made->fd);
    char dir[] = "/tmp/resume_fuzzer.XXXXXX";
    FUZZ_CHECK(mkdtemp(dir) != nullptr);
    made->dir = dir;
    made->gz_path = made->dir + "/out.ndjson.gz";
    made->zst_path = made->dir + "/out.ndjson.zst";
    FUZZ_CHECK(symlink(made->path.c_str(), made->gz_path.c_str()) == 0);
    FUZZ_CHECK(symlink(made->path.c_str(), made->zst_path.c_str()) == 0);
    return made;
  }();
  static const bool cleanup_registered = std::atexit([] {
                                           unlink(scratch->gz_path.c_str());
                                           unlink(scratch->zst_path.c_str());
                                           rmdir(scratch->dir.c_str());
                                         }) == 0;
  (void)cleanup_registered;
  return *scratch;
}

void WriteFile(std::string_view bytes) {
  int fd = TheScratch().fd;
  FUZZ_CHECK(ftruncate(fd, 0) == 0);
  FUZZ_CHECK(pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
}

uint64_t FileSize() {
  struct stat info {};
  FUZZ_CHECK(fstat(TheScratch().fd, &info) == 0);
  return static_cast<uint64_t>(info.st_size);
}

// The length of the leading run of complete, parseable record lines.
uint64_t KeptPrefix(std::string_view bytes, size_t cap) {
  uint64_t kept = 0;
  while (true) {
    size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos || lf > cap) return kept;
    std::string error = ParseOneJsonText(bytes.substr(0, lf), [](auto) { return std::string(); });
    if (!error.empty()) return kept;
    kept += lf + 1;
    bytes.remove_prefix(lf + 1);
  }
}

bool SameLoad(const ResumeLoad& a, const ResumeLoad& b) {
  const TallySnapshot& x = a.counts;
  const TallySnapshot& y = b.counts;
  if (x.by_status != y.by_status || x.by_class != y.by_class || x.by_anomaly != y.by_anomaly ||
      x.hosts_done != y.hosts_done || x.hosts_from_mx != y.hosts_from_mx ||
      x.input_errors != y.input_errors || x.domains != y.domains) {
    return false;
  }
  if (a.state.recorded_error_lines != b.state.recorded_error_lines ||
      a.state.recorded_domains != b.state.recorded_domains ||
      a.state.recorded_endpoints.size() != b.state.recorded_endpoints.size()) {
    return false;
  }
  for (const auto& [endpoint, host] : a.state.recorded_endpoints) {
    auto it = b.state.recorded_endpoints.find(endpoint);
    if (it == b.state.recorded_endpoints.end()) return false;
    const RecordedHost& other = it->second;
    if (host.from_input != other.from_input || host.outcome.status != other.outcome.status ||
        host.outcome.cls != other.outcome.cls ||
        (host.outcome.tls == nullptr) != (other.outcome.tls == nullptr)) {
      return false;
    }
    if (host.outcome.tls != nullptr &&
        (host.outcome.tls->handshake_ok != other.outcome.tls->handshake_ok ||
         host.outcome.tls->leaf_names.names != other.outcome.tls->leaf_names.names)) {
      return false;
    }
  }
  return true;
}

// The whole frames of the kept prefix, decoded: every one holds complete lines only.
bool KeptFramesAreWholeLines(Compression compression, uint64_t kept) {
  int fd = TheScratch().fd;
  FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
  uint64_t end_seen = 0;
  bool whole = true;
  absl::Status status =
      ReadWholeFrames(fd, compression, 64 << 20, [&](std::string_view text, uint64_t end) {
        if (end > kept) return false;
        whole = whole && !text.empty() && text.back() == '\n';
        end_seen = end;
        return true;
      });
  return status.ok() && whole && end_seen == kept;
}

void CheckCompressed(Compression compression, std::string_view bytes, size_t cap) {
  const Scratch& scratch = TheScratch();
  const std::string& named = compression == Compression::kZstd ? scratch.zst_path : scratch.gz_path;
  absl::StatusOr<ResumeLoad> first = LoadResumeState(named, cap);
  if (!first.ok()) {  // only a whole frame another program wrote: the file is left as it was
    FUZZ_CHECK(first.status().message().find("not written by a scan") != std::string::npos);
    FUZZ_CHECK(FileSize() == bytes.size());
    return;
  }
  const uint64_t kept = FileSize();
  FUZZ_CHECK(kept <= bytes.size());
  FUZZ_CHECK(KeptFramesAreWholeLines(compression, kept));
  absl::StatusOr<ResumeLoad> second = LoadResumeState(named, cap);
  FUZZ_CHECK(second.ok());
  FUZZ_CHECK(FileSize() == kept);
  FUZZ_CHECK(SameLoad(*first, *second));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t cap = 32 + 16 * size_t{data[0]};
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string& path = TheScratch().path;
  WriteFile(bytes);

  absl::StatusOr<ResumeLoad> first = LoadResumeState(path, cap);
  const Compression compression =
      bytes.size() >= 4 ? DetectCompression(bytes.substr(0, 4)) : Compression::kNone;
  if (compression != Compression::kNone) {
    FUZZ_CHECK(!first.ok());
    FUZZ_CHECK(FileSize() == bytes.size());
    CheckCompressed(compression, bytes, cap);
    return 0;
  }
  FUZZ_CHECK(first.ok());
  const uint64_t kept = FileSize();
  FUZZ_CHECK(kept == KeptPrefix(bytes, cap));
  const TallySnapshot& counts = first->counts;
  uint64_t lines = 0;
  for (char c : bytes.substr(0, kept)) lines += c == '\n' ? 1 : 0;
  FUZZ_CHECK(counts.hosts_done + counts.input_errors + counts.domains <= lines);
  FUZZ_CHECK(first->state.recorded_endpoints.size() <= counts.hosts_done);

  absl::StatusOr<ResumeLoad> second = LoadResumeState(path, cap);
  FUZZ_CHECK(second.ok());
  FUZZ_CHECK(FileSize() == kept);
  FUZZ_CHECK(SameLoad(*first, *second));
  return 0;
}
