// Where the engine pulls endpoints from: the CLI feeds it from the streaming target parser
// and the seeded permutation; tests from a list. Pulled lazily, one endpoint at a time, so an
// Internet-wide target list never sits in memory.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/ip_address.h"

namespace starttls {

// What the engine connects to: an SMTP session with `endpoint`, or — when `policy_domain` is
// set — the fetch of that domain's MTA-STS policy from its policy host at `endpoint`.
struct EngineTarget {
  Endpoint endpoint;
  std::string policy_domain;

  bool is_policy_fetch() const { return !policy_domain.empty(); }
};

class TargetSource {
 public:
  virtual ~TargetSource() = default;
  // The next target; false when there is none right now. Called from the engine's threads,
  // never concurrently (the engine serialises calls).
  virtual bool Next(EngineTarget* out) = 0;
  // After Next() said false: true when no endpoint will ever come again; false when more
  // may come later (domains still resolving), so the engine asks again soon.
  virtual bool Done() const { return true; }
};

// A fixed list, in order (tests, small runs).
class VectorTargetSource : public TargetSource {
 public:
  explicit VectorTargetSource(std::vector<Endpoint> endpoints) : endpoints_(std::move(endpoints)) {}
  bool Next(EngineTarget* out) override {
    if (next_ >= endpoints_.size()) return false;
    out->endpoint = endpoints_[next_++];
    out->policy_domain.clear();
    return true;
  }

 private:
  std::vector<Endpoint> endpoints_;
  size_t next_ = 0;
};

}  // namespace starttls
