#include "scanner/datasets/scan_diff.h"

#include <array>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "base/ip_address.h"
#include "output/error_record.h"
#include "output/json_writer.h"
#include "output/ndjson_reader.h"
#include "scanner/datasets/bad_line_log.h"
#include "scanner/datasets/record_facts.h"
#include "scanner/datasets/string_keys.h"

namespace starttls {
namespace {

namespace od = simdjson::ondemand;

// Small string tables (statuses, classes, versions): a byte per value; 0 = absent or null.
class Interner {
 public:
  uint8_t Intern(std::string_view name) {
    if (name.empty()) return 0;
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return static_cast<uint8_t>(i + 1);
    }
    if (names_.size() >= 254) return 255;  // "(other)": more distinct values than any field has
    names_.emplace_back(name);
    return static_cast<uint8_t>(names_.size());
  }
  std::string_view Name(uint8_t id) const {
    if (id == 0) return "";
    if (id == 255) return "(other)";
    return names_[id - 1];
  }

 private:
  std::vector<std::string> names_;
};

using Fingerprint = std::array<uint8_t, 32>;

std::optional<Fingerprint> ParseFingerprint(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Fingerprint out{};
  for (size_t i = 0; i < 64; ++i) {
    const char c = hex[i];
    const int nibble = c >= '0' && c <= '9'   ? c - '0'
                       : c >= 'a' && c <= 'f' ? c - 'a' + 10
                       : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
    if (nibble < 0) return std::nullopt;
    out[i / 2] = static_cast<uint8_t>(out[i / 2] << 4 | nibble);
  }
  return out;
}

std::string FingerprintHex(const Fingerprint& fp) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : fp) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// One side of a host or domain, compact.
struct Side {
  uint8_t status = 0, cls = 0, version = 0, verdict = 0;
  uint8_t trusted = 0;       // 0 unknown, 1 false, 2 true
  uint32_t fingerprint = 0;  // 0 none, else index + 1 into the fingerprint table
};

struct HostEntry {
  Endpoint key;
  Side side;
  bool seen = false;
};

struct DomainEntry {
  std::string_view key;  // in the arena
  Side side;
  bool seen = false;
};

// Domain names, stored once in large blocks (no per-name allocation).
class Arena {
 public:
  std::string_view Store(std::string_view text) {
    if (blocks_.empty() || used_ + text.size() > kBlock) {
      blocks_.push_back(std::make_unique<char[]>(std::max(kBlock, text.size())));
      used_ = 0;
    }
    char* at = blocks_.back().get() + used_;
    std::memcpy(at, text.data(), text.size());
    used_ += text.size();
    return std::string_view(at, text.size());
  }

 private:
  static constexpr size_t kBlock = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t used_ = 0;
};

}  // namespace

struct ScanDiff::State {
  Interner statuses, classes, versions, verdicts;
  std::vector<Fingerprint> fingerprints;
  std::vector<HostEntry> hosts;
  absl::flat_hash_map<Endpoint, uint32_t> host_index;
  std::vector<DomainEntry> domains;
  absl::flat_hash_map<std::string_view, uint32_t, StringKeyHash, StringKeyEq> domain_index;
  Arena arena;
  DiffSummary summary;
  RecordFacts facts;
  std::string line;

  std::optional<Endpoint> HostKey(const RecordFacts& r) const {
    std::optional<IpAddress> ip = IpAddress::Parse(r.ip);
    if (!ip) return std::nullopt;
    const int64_t port = r.port >= 0 && r.port <= 65535 ? r.port : 0;
    return Endpoint{*ip, static_cast<uint16_t>(port)};
  }

  Side HostSide(const RecordFacts& r, bool store_fingerprint) {
    Side side;
    side.status = statuses.Intern(r.status);
    side.cls = r.cls ? classes.Intern(*r.cls) : 0;
    side.version = versions.Intern(r.tls_version);
    side.trusted = r.trusted == Tristate::kUnknown ? 0 : r.trusted == Tristate::kTrue ? 2 : 1;
    if (std::optional<Fingerprint> fp = ParseFingerprint(r.leaf_sha256)) {
      if (store_fingerprint) {
        fingerprints.push_back(*fp);
        side.fingerprint = static_cast<uint32_t>(fingerprints.size());
      } else {
        pending_fingerprint = *fp;
        side.fingerprint = UINT32_MAX;  // the new side's, held in pending_fingerprint
      }
    }
    return side;
  }
  Fingerprint pending_fingerprint{};

  const Fingerprint* FingerprintOf(const Side& side) const {
    if (side.fingerprint == 0) return nullptr;
    if (side.fingerprint == UINT32_MAX) return &pending_fingerprint;
    return &fingerprints[side.fingerprint - 1];
  }

  static std::string_view ClassName(const Interner& classes, const Side* side) {
    if (side == nullptr) return "absent";
    std::string_view name = classes.Name(side->cls);
    return name.empty() ? "none" : name;
  }

  void WriteSide(bool host, const Side* side, JsonWriter* w) {
    if (side == nullptr) {
      w->Null();
      return;
    }
    auto text_or_null = [&](std::string_view key, std::string_view value) {
      if (value.empty()) {
        w->NullField(key);
      } else {
        w->StringField(key, value);
      }
    };
    w->BeginObject();
    if (host) {
      text_or_null("status", statuses.Name(side->status));
      text_or_null("class", classes.Name(side->cls));
      text_or_null("tls_version", versions.Name(side->version));
      if (side->trusted == 0) {
        w->NullField("trusted");
      } else {
        w->BoolField("trusted", side->trusted == 2);
      }
      const Fingerprint* fp = FingerprintOf(*side);
      text_or_null("fingerprint", fp ? FingerprintHex(*fp) : "");
    } else {
      text_or_null("verdict", verdicts.Name(side->verdict));
    }
    w->EndObject();
  }

  // Compares and, when anything changed, emits the change record.
  void Emit(bool host, std::string_view key, const Side* old_side, const Side* new_side,
            const std::function<void(std::string_view)>& on_change) {
    std::vector<std::string_view> what;
    if (old_side == nullptr) {
      what.push_back("appeared");
    } else if (new_side == nullptr) {
      what.push_back("disappeared");
    } else if (host) {
      if (old_side->status != new_side->status) what.push_back("status");
      if (old_side->cls != new_side->cls) what.push_back("class");
      if (old_side->version != new_side->version) what.push_back("tls_version");
      if (old_side->trusted != new_side->trusted) what.push_back("trusted");
      const Fingerprint* a = FingerprintOf(*old_side);
      const Fingerprint* b = FingerprintOf(*new_side);
      if ((a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b))
        what.push_back("fingerprint");
    } else if (old_side->verdict != new_side->verdict) {
      what.push_back("verdict");
    }
    if (host) {
      ++summary.host_class[std::string(ClassName(classes, old_side))]
                          [std::string(ClassName(classes, new_side))];
    } else {
      auto verdict = [&](const Side* side) -> std::string {
        if (side == nullptr) return "absent";
        std::string_view name = verdicts.Name(side->verdict);
        return name.empty() ? "none" : std::string(name);
      };
      ++summary.domain_verdict[verdict(old_side)][verdict(new_side)];
    }
    if (what.empty()) return;
    ++(host ? summary.host_changes : summary.domain_changes);
    for (std::string_view item : what) ++summary.changes_by_what[std::string(item)];
    if (!on_change) return;
    line.clear();
    JsonWriter w(&line);
    w.BeginObject();
    w.StringField("type", "change");
    w.IntField("schema", kRecordSchemaVersion);
    w.StringField("kind", host ? "host" : "domain");
    w.StringField("key", key);
    w.Key("what");
    w.BeginArray();
    for (std::string_view item : what) w.String(item);
    w.EndArray();
    w.Key("old");
    WriteSide(host, old_side, &w);
    w.Key("new");
    WriteSide(host, new_side, &w);
    w.EndObject();
    on_change(line);
  }

  static std::string KeyText(const Endpoint& endpoint) {
    if (endpoint.port == 0) return endpoint.ip.ToString();
    return endpoint.ToString();
  }

  absl::Status Read(const std::vector<std::string>& files, const std::string& command,
                    const std::function<void(const RecordFacts&)>& on_record) {
    BadLineLog bad_lines(command);
    for (const std::string& path : files) {
      auto reader = OpenNdjson(path);
      if (!reader.ok()) return reader.status();
      absl::Status status = (*reader)->Run(
          [&](NdjsonRecord& record) -> std::string {
            od::object object;
            if (record.doc.get_object().get(object))
              return "line " + std::to_string(record.line) + ": not a JSON object";
            if (auto error = ReadRecordFacts(object, &facts, FactsScope::kDiff)) {
              return "line " + std::to_string(record.line) + ": " + simdjson::error_message(error);
            }
            on_record(facts);
            return "";
          },
          [&](const NdjsonBadLine& bad) { bad_lines.Add(path, bad); });
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
};

ScanDiff::ScanDiff() : state_(std::make_unique<State>()) {}
ScanDiff::~ScanDiff() = default;

const DiffSummary& ScanDiff::summary() const { return state_->summary; }

absl::Status ScanDiff::LoadOld(const std::vector<std::string>& files, const std::string& command) {
  State& s = *state_;
  s.summary.old_label = files.empty() ? "" : files.front();
  return s.Read(files, command, [&](const RecordFacts& r) {
    if (r.type == "host" || r.type == "classify") {
      std::optional<Endpoint> key = s.HostKey(r);
      if (!key) return;
      ++s.summary.hosts_old;
      auto [it, inserted] = s.host_index.emplace(*key, static_cast<uint32_t>(s.hosts.size()));
      if (!inserted) {
        ++s.summary.duplicate_keys_old;
        return;
      }
      s.hosts.push_back(HostEntry{*key, s.HostSide(r, true), false});
    } else if (r.type == "domain" && !r.domain.empty()) {
      ++s.summary.domains_old;
      if (s.domain_index.contains(r.domain)) {
        ++s.summary.duplicate_keys_old;
        return;
      }
      Side side;
      side.verdict = s.verdicts.Intern(r.verdict);
      std::string_view key = s.arena.Store(r.domain);
      s.domain_index.emplace(key, static_cast<uint32_t>(s.domains.size()));
      s.domains.push_back(DomainEntry{key, side, false});
    }
  });
}

absl::Status ScanDiff::CompareNew(const std::vector<std::string>& files, const std::string& command,
                                  const std::function<void(std::string_view)>& on_change) {
  State& s = *state_;
  s.summary.new_label = files.empty() ? "" : files.front();
  absl::Status status = s.Read(files, command, [&](const RecordFacts& r) {
    if (r.type == "host" || r.type == "classify") {
      std::optional<Endpoint> key = s.HostKey(r);
      if (!key) return;
      ++s.summary.hosts_new;
      Side side = s.HostSide(r, false);
      auto it = s.host_index.find(*key);
      HostEntry* old = it == s.host_index.end() ? nullptr : &s.hosts[it->second];
      if (old != nullptr && old->seen) {
        ++s.summary.duplicate_keys_new;
        return;
      }
      if (old != nullptr) old->seen = true;
      s.Emit(true, State::KeyText(*key), old ? &old->side : nullptr, &side, on_change);
    } else if (r.type == "domain" && !r.domain.empty()) {
      ++s.summary.domains_new;
      Side side;
      side.verdict = s.verdicts.Intern(r.verdict);
      auto it = s.domain_index.find(r.domain);
      DomainEntry* old = it == s.domain_index.end() ? nullptr : &s.domains[it->second];
      if (old != nullptr && old->seen) {
        ++s.summary.duplicate_keys_new;
        return;
      }
      if (old != nullptr) old->seen = true;
      s.Emit(false, r.domain, old ? &old->side : nullptr, &side, on_change);
    }
  });
  if (!status.ok()) return status;
  // Note: a target named twice in the new scan but absent from the old one is not detected as
  // a duplicate there (only keys of the old scan are remembered).
  for (const HostEntry& entry : s.hosts) {
    if (!entry.seen) s.Emit(true, State::KeyText(entry.key), &entry.side, nullptr, on_change);
  }
  for (const DomainEntry& entry : s.domains) {
    if (!entry.seen) s.Emit(false, entry.key, &entry.side, nullptr, on_change);
  }
  return absl::OkStatus();
}

}  // namespace starttls
