#include "scanner/engine/uring_loop.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace starttls {
namespace {

std::string Failure(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

UringLoop::~UringLoop() {
  if (ring_ready_) {
    if (buffer_ring_registered_) io_uring_unregister_buf_ring(&ring_, options_.buffer_group);
    io_uring_queue_exit(&ring_);
  }
  if (buffer_ring_ != nullptr) munmap(buffer_ring_, buffer_ring_bytes_);
  if (buffers_ != nullptr) munmap(buffers_, buffers_bytes_);
}

bool UringLoop::Init(const UringOptions& options, std::string* error) {
  options_ = options;
  if (options.buffer_count == 0 || options.buffer_count > 32768 ||
      (options.buffer_count & (options.buffer_count - 1)) != 0) {
    *error = "buffer_count must be a power of two up to 32768";
    return false;
  }
  io_uring_params params{};
  params.cq_entries = options.cq_entries;
  // Fewer interrupts and task-work runs only when we wait: this thread alone drives the ring.
  // TASKRUN_FLAG: the kernel says when deferred completions are still waiting to run
  // (SubmitAndWait drains them).
  unsigned base = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  params.flags =
      base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  int rc = io_uring_queue_init_params(options.sq_entries, &ring_, &params);
  if (rc == -EINVAL) {
    params = io_uring_params{};
    params.cq_entries = options.cq_entries;
    params.flags = base | IORING_SETUP_COOP_TASKRUN;
    rc = io_uring_queue_init_params(options.sq_entries, &ring_, &params);
  }
  if (rc < 0) {
    *error = Failure("io_uring_queue_init", -rc);
    return false;
  }
  ring_ready_ = true;

  rc = io_uring_register_files_sparse(&ring_, options.files);
  if (rc < 0) {
    *error = Failure("io_uring_register_files_sparse", -rc);
    return false;
  }

  // The buffer ring: a page-aligned array of io_uring_buf the kernel takes buffers from.
  buffer_ring_bytes_ = options.buffer_count * sizeof(io_uring_buf);
  void* ring_memory =
      mmap(nullptr, buffer_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_memory == MAP_FAILED) {
    *error = Failure("mmap buffer ring", errno);
    return false;
  }
  buffer_ring_ = static_cast<io_uring_buf_ring*>(ring_memory);
  buffers_bytes_ = size_t{options.buffer_count} * options.buffer_size;
  void* buffer_memory =
      mmap(nullptr, buffers_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (buffer_memory == MAP_FAILED) {
    *error = Failure("mmap buffers", errno);
    return false;
  }
  buffers_ = static_cast<char*>(buffer_memory);

  io_uring_buf_reg registration{};
  registration.ring_addr = reinterpret_cast<uintptr_t>(buffer_ring_);
  registration.ring_entries = options.buffer_count;
  registration.bgid = options.buffer_group;
  rc = io_uring_register_buf_ring(&ring_, &registration, 0);
  if (rc < 0) {
    *error = Failure("io_uring_register_buf_ring", -rc);
    return false;
  }
  buffer_ring_registered_ = true;
  io_uring_buf_ring_init(buffer_ring_);
  int mask = io_uring_buf_ring_mask(options.buffer_count);
  for (unsigned i = 0; i < options.buffer_count; ++i) {
    io_uring_buf_ring_add(buffer_ring_, buffers_ + size_t{i} * options.buffer_size,
                          options.buffer_size, static_cast<unsigned short>(i), mask,
                          static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buffer_ring_, static_cast<int>(options.buffer_count));
  return true;
}

io_uring_sqe* UringLoop::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringLoop::ReserveSqes(unsigned count) {
  // A link only holds inside one submission: make room so a pair is not split.
  if (io_uring_sq_space_left(&ring_) < count) io_uring_submit(&ring_);
}

void UringLoop::PrepSocketAndConnect(unsigned file, const sockaddr* address, socklen_t length,
                                     uint64_t socket_data, uint64_t connect_data) {
  ReserveSqes(2);
  io_uring_sqe* socket = GetSqe();
  // No SOCK_CLOEXEC: a direct descriptor is in no fd table (the kernel refuses the flag).
  io_uring_prep_socket_direct(socket, address->sa_family, SOCK_STREAM, 0, file, 0);
  socket->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data64(socket, socket_data);
  io_uring_sqe* connect = GetSqe();
  io_uring_prep_connect(connect, static_cast<int>(file), address, length);
  connect->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(connect, connect_data);
}

int UringLoop::InstallFile(unsigned file, int fd) {
  int rc = io_uring_register_files_update(&ring_, file, &fd, 1);
  if (rc < 0) return rc;
  return rc == 1 ? 0 : -EIO;
}

void UringLoop::PrepConnect(unsigned file, const sockaddr* address, socklen_t length,
                            uint64_t connect_data) {
  io_uring_sqe* connect = GetSqe();
  io_uring_prep_connect(connect, static_cast<int>(file), address, length);
  connect->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(connect, connect_data);
}

void UringLoop::PrepRecvMultishot(unsigned file, uint64_t user_data) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_recv_multishot(sqe, static_cast<int>(file), nullptr, 0, 0);
  sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
  sqe->buf_group = options_.buffer_group;
  io_uring_sqe_set_data64(sqe, user_data);
}

void UringLoop::PrepSend(unsigned file, std::string_view bytes, uint64_t user_data) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_send(sqe, static_cast<int>(file), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  sqe->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(sqe, user_data);
}

void UringLoop::PrepCancel(uint64_t target, uint64_t cancel_data) {
  io_uring_sqe* sqe = GetSqe();
  // Not IORING_ASYNC_CANCEL_ALL: a cookie names at most one pending request (a receive is
  // re-armed only after its last shot), and ALL walks the hash bucket once more to find no
  // other; at 50,000 armed receives (256 buckets at most) these walks were 5-7% of a
  // survey's CPU (bench/README.md).
  io_uring_prep_cancel64(sqe, target, 0);
  io_uring_sqe_set_data64(sqe, cancel_data);
}

void UringLoop::PrepPollAdd(int fd, unsigned poll_mask, uint64_t user_data) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_poll_add(sqe, fd, poll_mask);
  io_uring_sqe_set_data64(sqe, user_data);
}

void UringLoop::PrepCloseDirect(unsigned file, uint64_t close_data) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_close_direct(sqe, file);
  io_uring_sqe_set_data64(sqe, close_data);
}

void UringLoop::WakeNoLaterThan(int64_t at_ns, uint64_t timer_data, uint64_t update_data) {
  if (timer_armed_ && timer_at_ns_ <= at_ns) return;
  timer_spec_.tv_sec = at_ns / 1'000'000'000;
  timer_spec_.tv_nsec = at_ns % 1'000'000'000;
  io_uring_sqe* sqe = GetSqe();
  if (timer_armed_) {
    io_uring_prep_timeout_update(sqe, &timer_spec_, timer_data, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(sqe, update_data);
  } else {
    io_uring_prep_timeout(sqe, &timer_spec_, 0, IORING_TIMEOUT_ABS);
    io_uring_sqe_set_data64(sqe, timer_data);
  }
  timer_armed_ = true;
  timer_at_ns_ = at_ns;
}

int UringLoop::SubmitAndWait() {
  int rc = io_uring_submit_and_wait(&ring_, 1);
  PostDeferred();
  return rc;
}

void UringLoop::PostDeferred() {
  // Recent kernels (6.18 here) run at most a batch of 20 deferred completions per wait
  // (IO_LOCAL_TW_DEFAULT_MAX). At 50,000 sessions more arrive per pass, the backlog grew,
  // and connects the kernel had completed reached us after their 10 s deadline
  // (bench/README.md, survey benchmark: 7% `connection-timeout`). Run what is pending, up
  // to a batch the pass can take.
  for (int runs = 0;
       runs < kMaxDrainRuns && (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN) != 0 &&
       io_uring_cq_ready(&ring_) < kDrainUntilReady;
       ++runs) {
    if (io_uring_get_events(&ring_) < 0) break;
  }
}

std::string_view UringLoop::BufferBytes(uint16_t id, size_t length) const {
  if (id >= options_.buffer_count) return {};
  if (length > options_.buffer_size) length = options_.buffer_size;
  return std::string_view(buffers_ + size_t{id} * options_.buffer_size, length);
}

void UringLoop::RecycleBuffer(uint16_t id) {
  if (id >= options_.buffer_count) return;
  io_uring_buf_ring_add(buffer_ring_, buffers_ + size_t{id} * options_.buffer_size,
                        options_.buffer_size, id, io_uring_buf_ring_mask(options_.buffer_count),
                        pending_recycled_);
  ++pending_recycled_;
}

void UringLoop::CommitRecycledBuffers() {
  if (pending_recycled_ == 0) return;
  io_uring_buf_ring_advance(buffer_ring_, pending_recycled_);
  pending_recycled_ = 0;
}

}  // namespace starttls
