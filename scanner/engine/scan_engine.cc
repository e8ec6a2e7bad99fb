#include "scanner/engine/scan_engine.h"

#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "scanner/engine/engine_feed.h"
#include "scanner/engine/engine_worker.h"

namespace starttls {

void EngineCounters::SessionOpened() {
  uint64_t open = open_sessions.fetch_add(1, std::memory_order_relaxed) + 1;
  uint64_t peak = peak_open_sessions.load(std::memory_order_relaxed);
  while (open > peak &&
         !peak_open_sessions.compare_exchange_weak(peak, open, std::memory_order_relaxed)) {
  }
}

EngineStats EngineCounters::Snapshot() const {
  EngineStats stats;
  stats.sessions_started = sessions_started.load(std::memory_order_relaxed);
  stats.sessions_finished = sessions_finished.load(std::memory_order_relaxed);
  stats.open_sessions = open_sessions.load(std::memory_order_relaxed);
  stats.peak_open_sessions = peak_open_sessions.load(std::memory_order_relaxed);
  stats.completions = completions.load(std::memory_order_relaxed);
  stats.stale_completions = stale_completions.load(std::memory_order_relaxed);
  stats.receive_buffer_shortages = receive_buffer_shortages.load(std::memory_order_relaxed);
  stats.rings = rings.load(std::memory_order_relaxed);
  for (size_t i = 0; i < by_status.size(); ++i) {
    stats.by_status[i] = by_status[i].load(std::memory_order_relaxed);
  }
  return stats;
}

uint32_t ScanEngine::RingsFor(const EngineConfig& config, uint32_t* sessions_per_ring) {
  uint32_t open = std::max<uint32_t>(1, config.max_open_sessions);
  uint32_t per_ring = config.sessions_per_ring;
  if (per_ring == 0) {
    // A ring's registered file table may not exceed RLIMIT_NOFILE; each ring has its own.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    rlim_t cap = limit.rlim_cur == RLIM_INFINITY ? 1'000'000 : limit.rlim_cur;
    per_ring = static_cast<uint32_t>(std::min<rlim_t>(cap, 1'000'000));
  }
  per_ring = std::max<uint32_t>(1, std::min(per_ring, open));
  uint32_t rings = std::max<uint32_t>((open + per_ring - 1) / per_ring,
                                      std::min(std::max<uint32_t>(1, config.threads), open));
  // Spread evenly: 50k over three rings is 16,667 each, not 20k + 20k + 10k.
  *sessions_per_ring = (open + rings - 1) / rings;
  return rings;
}

bool ScanEngine::Run(TargetSource& source, const EngineConfig& config,
                     const ResultCallback& on_result, std::string* error) {
  stop_.store(false, std::memory_order_relaxed);
  abort_.store(false, std::memory_order_relaxed);
  unstarted_.clear();
  uint32_t per_ring = 0;
  uint32_t rings = RingsFor(config, &per_ring);
  counters_.rings.store(rings, std::memory_order_relaxed);
  EngineFeed feed(source, config.admission, config.max_deferred, stop_, on_result);

  std::vector<std::unique_ptr<EngineWorker>> workers;
  for (uint32_t i = 0; i < rings; ++i) {
    workers.push_back(std::make_unique<EngineWorker>(config, per_ring, feed, counters_, abort_,
                                                     i == 0 ? config.extension : nullptr));
  }
  std::mutex error_mutex;
  std::string first_error;
  auto run_worker = [&](EngineWorker* worker) {
    std::string worker_error;
    if (!worker->Run(&worker_error)) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (first_error.empty()) first_error = worker_error;
      stop_.store(true, std::memory_order_relaxed);  // the other rings wind down too
    }
  };
  // Every ring on its own thread (IORING_SETUP_SINGLE_ISSUER binds a ring to its creator);
  // the calling thread drives the first.
  std::vector<std::thread> threads;
  for (uint32_t i = 1; i < rings; ++i) threads.emplace_back(run_worker, workers[i].get());
  run_worker(workers[0].get());
  for (std::thread& thread : threads) thread.join();
  lag_ = LoopLag();
  for (const auto& worker : workers) lag_.Merge(worker->lag());
  unstarted_ = feed.TakeDeferred();
  if (!first_error.empty()) {
    *error = first_error;
    return false;
  }
  return true;
}

}  // namespace starttls
