// One io_uring ring with what the scanner needs from it: a sparse registered file table
// (sockets live only as direct descriptors, so a ring holds as many as RLIMIT_NOFILE and each
// ring of a process gets its own table), a provided-buffer ring for receives (a waiting
// session holds no receive buffer), one kernel timeout for the timer wheel, and batched
// submission / completion handling. Not thread-safe: one ring per thread.
#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace starttls {

struct UringOptions {
  unsigned sq_entries = 4096;
  unsigned cq_entries = 65536;
  unsigned files = 1024;         // registered (direct) descriptor slots
  unsigned buffer_count = 4096;  // provided receive buffers; a power of two ≤ 32768
  unsigned buffer_size = 4096;
  uint16_t buffer_group = 1;
};

class UringLoop {
 public:
  UringLoop() = default;
  UringLoop(const UringLoop&) = delete;
  UringLoop& operator=(const UringLoop&) = delete;
  ~UringLoop();

  // Sets up the ring, the sparse file table and the buffer ring. Must run on the thread that
  // will drive the ring (IORING_SETUP_SINGLE_ISSUER). False with *error on failure.
  bool Init(const UringOptions& options, std::string* error);

  // An SQE, submitting queued ones first when the SQ is full. Never nullptr.
  io_uring_sqe* GetSqe();

  // Preparations. `file` is a registered file index; `user_data` an encoded Cookie.
  // Creates a socket straight into `file` and connects it, linked: the connect only runs
  // once the socket exists (and fails with ECANCELED when it could not be created).
  void PrepSocketAndConnect(unsigned file, const sockaddr* address, socklen_t length,
                            uint64_t socket_data, uint64_t connect_data);
  // Puts plain descriptor `fd` into registered file `file` (the table takes its own
  // reference: the caller closes fd afterwards). 0, or -errno.
  int InstallFile(unsigned file, int fd);
  // Connects the socket already in registered file `file`.
  void PrepConnect(unsigned file, const sockaddr* address, socklen_t length, uint64_t connect_data);
  void PrepRecvMultishot(unsigned file, uint64_t user_data);
  void PrepSend(unsigned file, std::string_view bytes, uint64_t user_data);
  // Cancels the request submitted with user_data `target` (a multishot one with all its
  // shots). By user_data, not by file: the kernel finds it by hash, where a by-file cancel
  // walks every pending request.
  void PrepCancel(uint64_t target, uint64_t cancel_data);
  // Closes registered file `file` (pending requests keep their own reference until done).
  void PrepCloseDirect(unsigned file, uint64_t close_data);
  // One-shot readiness of a plain (not registered) descriptor: the loop extension's sockets.
  void PrepPollAdd(int fd, unsigned poll_mask, uint64_t user_data);

  // Makes sure the one kernel timeout fires no later than `at_ns` (CLOCK_MONOTONIC).
  void WakeNoLaterThan(int64_t at_ns, uint64_t timer_data, uint64_t update_data);
  // To be called with the completion of that timeout (it fired or was removed).
  void OnTimerCompletion() { timer_armed_ = false; }

  // Submits and waits for at least one completion (or the armed timeout), then posts what the
  // kernel holds as deferred work (PostDeferred).
  int SubmitAndWait();
  // Posts the completions the kernel has finished but holds as deferred work: with
  // DEFER_TASKRUN it runs them only when this thread enters to wait, so a busy loop would not
  // see a reply that came before a deadline it is about to fire. Stops once a pass's worth of
  // completions is ready.
  void PostDeferred();

  // Calls fn(const io_uring_cqe&) for at most `max` ready completions, then marks them seen.
  template <typename Fn>
  unsigned DrainCompletions(unsigned max, Fn&& fn) {
    unsigned head;
    unsigned count = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      if (count == max) break;
      fn(*cqe);
      ++count;
    }
    io_uring_cq_advance(&ring_, count);
    CommitRecycledBuffers();
    return count;
  }
  // Completions waiting to be drained.
  unsigned ready() { return io_uring_cq_ready(&ring_); }
  // Submits what is queued without waiting.
  int Submit() { return io_uring_submit(&ring_); }

  // The bytes of provided buffer `id` (from the CQE flags), `length` of them.
  std::string_view BufferBytes(uint16_t id, size_t length) const;
  // Hands buffer `id` back to the kernel (made visible in batches).
  void RecycleBuffer(uint16_t id);

  unsigned files() const { return options_.files; }

 private:
  // PostDeferred's runs of deferred completions: each run takes at most 20 of them; stop
  // once a pass's worth of completions is ready.
  static constexpr int kMaxDrainRuns = 1024;
  static constexpr unsigned kDrainUntilReady = 8192;

  void CommitRecycledBuffers();
  void ReserveSqes(unsigned count);

  io_uring ring_{};
  bool ring_ready_ = false;
  UringOptions options_;
  io_uring_buf_ring* buffer_ring_ = nullptr;
  size_t buffer_ring_bytes_ = 0;
  char* buffers_ = nullptr;
  size_t buffers_bytes_ = 0;
  bool buffer_ring_registered_ = false;
  int pending_recycled_ = 0;
  bool timer_armed_ = false;
  int64_t timer_at_ns_ = 0;
  __kernel_timespec timer_spec_{};
};

}  // namespace starttls
