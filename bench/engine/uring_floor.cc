// The kernel's floor for one SMTP probe, measured beside the scanner (issue 4, benchmark 5):
// a minimal io_uring loop that does only socket, connect, recv (banner), send (EHLO),
// recv (reply), close — no parsing, no timers, no records. Whatever CPU it spends per
// session is what the kernel and loopback TCP cost; the scanner's CPU is compared to it.
// With --quit the session also sends QUIT and receives the 221 before it closes, as every
// session of the scanner must (SPEC.md: "always ends with QUIT"): the same exchanges, so
// that the ratio measures the scanner's overhead and not the protocol's.
//
//   uring-floor --targets FILE --port N [--concurrency C] [--quit]
// prints one JSON line: sessions, failures, wall seconds, user+sys CPU seconds.
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

enum Op : uint64_t {
  kSocket,
  kConnect,
  kRecvBanner,
  kSend,
  kRecvReply,
  kSendQuit,
  kRecvQuit,
  kClose
};

struct Conn {
  int fd = -1;
  sockaddr_in address{};
  char buffer[4096];
};

constexpr char kEhlo[] = "EHLO floor.example\r\n";
constexpr char kQuit[] = "QUIT\r\n";

uint64_t Cookie(uint32_t index, Op op) { return (static_cast<uint64_t>(index) << 8) | op; }

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  std::string targets_path;
  int port = 25;
  unsigned concurrency = 1000;
  bool quit = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quit") quit = true;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--targets") targets_path = argv[i + 1];
    if (flag == "--port") port = std::atoi(argv[i + 1]);
    if (flag == "--concurrency") concurrency = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  std::vector<in_addr> targets;
  std::ifstream in(targets_path);
  for (std::string line; std::getline(in, line);) {
    in_addr address{};
    std::string ip = line.substr(0, line.find(','));
    if (inet_pton(AF_INET, ip.c_str(), &address) == 1) targets.push_back(address);
  }
  if (targets.empty()) {
    std::fprintf(stderr, "uring-floor: no IPv4 targets in '%s'\n", targets_path.c_str());
    return 2;
  }
  concurrency = std::min<unsigned>(concurrency, static_cast<unsigned>(targets.size()));

  io_uring ring;
  if (io_uring_queue_init(4096, &ring, 0) != 0) {
    std::perror("io_uring_queue_init");
    return 1;
  }
  std::vector<Conn> conns(concurrency);
  size_t next_target = 0, done = 0, failures = 0;
  auto sqe = [&]() {
    io_uring_sqe* entry = io_uring_get_sqe(&ring);
    while (entry == nullptr) {
      io_uring_submit(&ring);
      entry = io_uring_get_sqe(&ring);
    }
    return entry;
  };
  auto start = [&](uint32_t index) {
    if (next_target >= targets.size()) return;
    Conn& conn = conns[index];
    conn.address.sin_family = AF_INET;
    conn.address.sin_port = htons(static_cast<uint16_t>(port));
    conn.address.sin_addr = targets[next_target++];
    io_uring_sqe* entry = sqe();
    io_uring_prep_socket(entry, AF_INET, SOCK_STREAM, 0, 0);
    io_uring_sqe_set_data64(entry, Cookie(index, kSocket));
  };
  auto finish = [&](uint32_t index, bool ok) {
    Conn& conn = conns[index];
    failures += ok ? 0 : 1;
    ++done;
    if (conn.fd >= 0) {
      io_uring_sqe* entry = sqe();
      io_uring_prep_close(entry, conn.fd);
      io_uring_sqe_set_data64(entry, Cookie(index, kClose));
      conn.fd = -1;
    } else {
      start(index);
    }
  };

  auto wall_start = std::chrono::steady_clock::now();
  double cpu_start = CpuSeconds();
  for (uint32_t i = 0; i < concurrency; ++i) start(i);
  while (done < targets.size()) {
    io_uring_submit_and_wait(&ring, 1);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      auto index = static_cast<uint32_t>(cqe->user_data >> 8);
      auto op = static_cast<Op>(cqe->user_data & 0xff);
      Conn& conn = conns[index];
      int res = cqe->res;
      switch (op) {
        case kSocket: {
          if (res < 0) {
            finish(index, false);
            break;
          }
          conn.fd = res;
          io_uring_sqe* entry = sqe();
          io_uring_prep_connect(entry, conn.fd, reinterpret_cast<sockaddr*>(&conn.address),
                                sizeof(conn.address));
          io_uring_sqe_set_data64(entry, Cookie(index, kConnect));
          break;
        }
        case kConnect:
        case kSend:
        case kSendQuit: {
          if (res < 0) {
            finish(index, false);
            break;
          }
          Op next = op == kConnect ? kRecvBanner : op == kSend ? kRecvReply : kRecvQuit;
          io_uring_sqe* entry = sqe();
          io_uring_prep_recv(entry, conn.fd, conn.buffer, sizeof(conn.buffer), 0);
          io_uring_sqe_set_data64(entry, Cookie(index, next));
          break;
        }
        case kRecvBanner: {
          if (res <= 0) {
            finish(index, false);
            break;
          }
          io_uring_sqe* entry = sqe();
          io_uring_prep_send(entry, conn.fd, kEhlo, sizeof(kEhlo) - 1, 0);
          io_uring_sqe_set_data64(entry, Cookie(index, kSend));
          break;
        }
        case kRecvReply: {
          if (!quit || res <= 0) {
            finish(index, res > 0);
            break;
          }
          io_uring_sqe* entry = sqe();
          io_uring_prep_send(entry, conn.fd, kQuit, sizeof(kQuit) - 1, 0);
          io_uring_sqe_set_data64(entry, Cookie(index, kSendQuit));
          break;
        }
        case kRecvQuit:
          finish(index, res > 0);
          break;
        case kClose:
          start(index);
          break;
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
  double cpu = CpuSeconds() - cpu_start;
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::printf(
      "{\"program\":\"uring-floor\",\"quit\":%s,\"sessions\":%zu,\"failures\":%zu,\"wall_s\":%.3f,"
      "\"cpu_s\":%.3f,\"cpu_us_per_session\":%.2f,\"sessions_per_s\":%.0f}\n",
      quit ? "true" : "false", done, failures, wall, cpu, cpu * 1e6 / static_cast<double>(done),
      static_cast<double>(done) / wall);
  io_uring_queue_exit(&ring);
  return 0;
}
