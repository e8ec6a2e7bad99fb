// UringLoop against the kernel: what it hands the engine and when.
#include "scanner/engine/uring_loop.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace starttls {
namespace {

// With DEFER_TASKRUN a receive the kernel has finished stays deferred work until the thread
// enters to wait; a loop busy past a deadline must be able to post it before firing the
// deadline (EngineWorker::Run, step 1b). PostDeferred does so without waiting.
TEST(UringLoop, PostDeferredPostsAFinishedReceiveWithoutWaiting) {
  UringLoop loop;
  UringOptions options;
  options.sq_entries = 16;
  options.cq_entries = 64;
  options.files = 4;
  options.buffer_count = 8;
  std::string error;
  ASSERT_TRUE(loop.Init(options, &error)) << error;
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  ASSERT_EQ(loop.InstallFile(0, fds[0]), 0);
  close(fds[0]);
  loop.PrepRecvMultishot(0, 42);
  ASSERT_EQ(loop.Submit(), 1);
  const std::string banner = "220 mx.example ESMTP\r\n";
  ASSERT_EQ(write(fds[1], banner.data(), banner.size()), static_cast<ssize_t>(banner.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (loop.ready() != 0) GTEST_SKIP() << "this kernel posts completions without DEFER_TASKRUN";
  loop.PostDeferred();
  ASSERT_EQ(loop.ready(), 1u);
  std::string got;
  loop.DrainCompletions(1, [&](const io_uring_cqe& cqe) {
    EXPECT_EQ(cqe.user_data, 42u);
    ASSERT_GT(cqe.res, 0);
    ASSERT_TRUE(cqe.flags & IORING_CQE_F_BUFFER);
    got = loop.BufferBytes(static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT),
                           static_cast<size_t>(cqe.res));
  });
  EXPECT_EQ(got, banner);
  close(fds[1]);
}

}  // namespace
}  // namespace starttls
