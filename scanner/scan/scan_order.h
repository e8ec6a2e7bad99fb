// ScanOrder: the order in which a shard's targets are scanned. Targets arrive in input order
// (often sorted, so a run of lines hits one network); a seeded WindowShuffler holds up to
// `window` of them and releases a randomly chosen held one for each new one, so consecutive
// targets come from far apart in the input while memory stays bounded. The same input and
// seed give the same order, byte for byte — `--dryrun` prints it through this very class.
//
// A live pipe (`zmap ... | starttls-scan -f -`) may pause: once it has given nothing for
// kInputPause, held targets are released without waiting for the window to fill, so the
// scan starts on what has arrived (a paused input's order then depends on its timing).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "scanner/scan/input_targets.h"
#include "scanner/schedule/window_shuffler.h"

namespace starttls {

class ScanOrder {
 public:
  static constexpr int64_t kInputPauseNs = 1'000'000'000;

  struct Hooks {
    // A target of this shard entered the window (before any order is given to it).
    std::function<void(const InputTarget&)> entered;
    // A repeated 'ip,name' line: the name may join that address's record.
    std::function<void(const InputTarget&)> duplicate_name;
    // An invalid line whose error record this shard writes.
    std::function<void(const TargetRecord&)> invalid_line;
  };

  ScanOrder(InputTargets* input, uint64_t seed, size_t window, Hooks hooks);

  enum class Step : uint8_t {
    kTarget,  // *out is the next target to scan
    kWait,    // the input has nothing ready yet (ask again later)
    kEnd,     // every target was given out
  };
  Step Next(int64_t now_ns, InputTarget* out);

  // Stops reading input (--max-targets reached, or the scan stops). Returns the targets the
  // window still held; they were never given out.
  std::vector<InputTarget> Close();

  const InputTargets& input() const { return *input_; }
  size_t held() const { return window_.size(); }

 private:
  InputTargets* input_;
  Hooks hooks_;
  WindowShuffler<InputTarget> window_;
  InputTarget scratch_;
  int64_t waiting_since_ns_ = 0;  // when the input last said "not yet" after giving something
  bool closed_ = false;
};

}  // namespace starttls
