#include "bench/lab/lab_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace starttls::lab {
namespace {

constexpr uint64_t kListenerTag = 1ULL << 32;
constexpr uint64_t kSignalTag = 2ULL << 32;
constexpr uint64_t kMs = 1'000'000;
constexpr size_t kSpareSessions = 1024;  // pooled sessions kept for reuse
constexpr int kEpollBatch = 1024;

// "mx-127-1-0-5.lab.test" into `out` without allocating (the accept path runs per connection).
std::string_view FormatMxName(char (&out)[40], uint32_t addr) {
  char* p = out;
  auto put = [&](std::string_view s) {
    for (char c : s) *p++ = c;
  };
  auto num = [&](unsigned v) {
    char digits[3];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n) *p++ = digits[--n];
  };
  put("mx-");
  for (int shift = 24; shift >= 0; shift -= 8) {
    num((addr >> shift) & 255);
    *p++ = shift ? '-' : '.';
  }
  put(kZoneOrigin);
  return std::string_view(out, static_cast<size_t>(p - out));
}

// How long ago the kernel completed this connection's handshake, from TCP_INFO: a new
// connection has received nothing since the handshake's last ACK (the client waits for the
// banner), so tcpi_last_ack_recv is its age (millisecond resolution; 0 if unknown).
uint64_t EstablishedAgeNs(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return uint64_t{info.tcpi_last_ack_recv} * kMs;
}

}  // namespace

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

LabServer::LabServer(const LabOptions& options, const Population& population, CertStore& certs,
                     SharedCounters& shared, uint64_t worker_seed)
    : opt_(options), population_(population), certs_(certs), shared_(shared), rng_(worker_seed) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

LabServer::~LabServer() {
  for (size_t fd = 0; fd < slots_.size(); ++fd)
    if (slots_[fd].session) CloseSession(static_cast<int>(fd), false);
  for (auto& l : listeners_) close(l.fd);
  if (reserve_fd_ >= 0) close(reserve_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool LabServer::AddListener(int family, const void* addr, size_t len, int behaviour, uint32_t addr4,
                            std::string mx, bool reuseport, bool bind_lo, std::string& error) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + strerror(errno);
    return false;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  // Accepted sockets inherit TCP_NODELAY from the listener: one setsockopt less per connection.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Wildcard listener: only the loopback device may reach it.
  if (bind_lo && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) != 0) {
    error = std::string("SO_BINDTODEVICE lo: ") + strerror(errno);
    close(fd);
    return false;
  }
  // A wildcard listener takes every host's connections: a survey's burst of 50,000 SYNs
  // overflows 4096 and the dropped ones look like connect timeouts. The kernel clamps the
  // backlog to net.core.somaxconn (bench/survey raises it in its own namespace).
  const int backlog = bind_lo ? 65535 : 4096;
  if (bind(fd, static_cast<const sockaddr*>(addr), static_cast<socklen_t>(len)) != 0 ||
      listen(fd, backlog) != 0) {
    error = std::string("bind/listen: ") + strerror(errno);
    close(fd);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerTag | static_cast<uint32_t>(fd);
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  if (listener_index_.size() <= static_cast<size_t>(fd)) listener_index_.resize(fd + 1, -1);
  listener_index_[fd] = static_cast<int>(listeners_.size());
  listeners_.push_back(Listener{fd, behaviour, addr4, std::move(mx)});
  return true;
}

bool LabServer::Listen(const std::vector<uint32_t>& addresses, uint32_t worker, uint32_t workers,
                       std::string& error) {
  auto all = AllBehaviours();
  if (opt_.wildcard) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(opt_.port);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    if (!AddListener(AF_INET, &sa, sizeof sa, -1, 0, {}, workers > 1, true, error)) return false;
  } else {
    for (size_t i = 0; i < addresses.size(); ++i) {
      if (i % workers != worker) continue;
      int behaviour = population_.BehaviourFor(addresses[i]);
      if (all[behaviour].opening == Opening::kNotListening) continue;
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(opt_.port);
      sa.sin_addr.s_addr = htonl(addresses[i]);
      if (!AddListener(AF_INET, &sa, sizeof sa, behaviour, addresses[i], MxName(addresses[i]),
                       false, false, error)) {
        error = Ipv4ToString(addresses[i]) + ": " + error;
        return false;
      }
    }
  }
  if (!opt_.ipv6_behaviour.empty() && worker == 0) {
    int behaviour = FindBehaviour(opt_.ipv6_behaviour);
    if (all[behaviour].opening != Opening::kNotListening) {
      sockaddr_in6 sa6{};
      sa6.sin6_family = AF_INET6;
      sa6.sin6_port = htons(opt_.port);
      sa6.sin6_addr = in6addr_loopback;
      if (!AddListener(AF_INET6, &sa6, sizeof sa6, behaviour, 0, "mx-ipv6-1.lab.test", false, false,
                       error)) {
        error = "[::1]: " + error;
        return false;
      }
    }
  }
  return true;
}

void LabServer::Accept(const Listener& l, uint64_t now) {
  auto all = AllBehaviours();
  for (int n = 0; n < 256; ++n) {
    int fd = accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: accept with the reserve and drop, so the backlog cannot spin us.
        ++stats_.accept_errors;
        close(reserve_fd_);
        int victim = accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (victim >= 0) close(victim);
        reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
      }
      return;
    }
    int behaviour = l.behaviour;
    uint32_t addr = l.addr;
    char mx_buf[40];
    std::string_view mx = l.mx;
    if (behaviour < 0) {
      sockaddr_storage local{};
      socklen_t len = sizeof local;
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
      const auto* sin = reinterpret_cast<const sockaddr_in*>(&local);
      addr = local.ss_family == AF_INET ? ntohl(sin->sin_addr.s_addr) : 0;
      if ((addr >> 24) != 127) {  // not loopback: never serve it
        close(fd);
        continue;
      }
      behaviour = population_.BehaviourFor(addr);
      mx = FormatMxName(mx_buf, addr);
    }
    ++stats_.connections;
    if (++stats_.active > stats_.max_concurrent) stats_.max_concurrent = stats_.active;

    SessionConfig cfg;
    uint64_t span = opt_.latency_max_ms - opt_.latency_min_ms;
    uint64_t ms = opt_.latency_min_ms + (span ? rng_() % (span + 1) : 0);
    cfg.latency_ns = ms * kMs;
    cfg.greeting_delay_ns = uint64_t{opt_.greeting_delay_ms} * kMs;
    cfg.late_banner_ns = uint64_t{opt_.late_banner_ms} * kMs;
    cfg.drip_gap_ns = uint64_t{opt_.drip_gap_ms} * kMs;
    cfg.idle_timeout_ns = uint64_t{opt_.idle_timeout_s} * 1000 * kMs;
    cfg.established_age_ns = EstablishedAgeNs(fd);
    if (opt_.drop_fraction > 0 &&
        static_cast<double>(rng_() >> 11) * 0x1.0p-53 < opt_.drop_fraction) {
      cfg.dropped = true;
      ++stats_.dropped;
    }
    if (addr != 0 && !all[behaviour].banner_first.empty())
      cfg.first_contact = shared_.FirstContact(addr);
    if (slots_.size() <= static_cast<size_t>(fd)) slots_.resize(fd + 1024);
    Slot& slot = slots_[fd];
    slot.addr = addr;
    slot.counted = addr != 0;
    slot.counted_ip = slot.counted && shared_.Open(addr);
    slot.events = 0;
    if (spare_sessions_.empty()) {
      slot.session = std::make_unique<Session>(ctx_);
    } else {
      slot.session = std::move(spare_sessions_.back());
      spare_sessions_.pop_back();
    }
    slot.session->Begin(fd, all[behaviour], mx, cfg, now);
    AfterEvent(fd, now);
  }
}

void LabServer::CloseSession(int fd, bool reset) {
  Slot& slot = slots_[fd];
  if (reset) {
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ++stats_.resets;
  }
  close(fd);  // also removes it from epoll
  if (slot.counted) shared_.Close(slot.addr, slot.counted_ip);
  slot.counted = slot.counted_ip = false;
  timers_.Remove(fd);
  slot.session->Release();
  if (spare_sessions_.size() < kSpareSessions) spare_sessions_.push_back(std::move(slot.session));
  slot.session.reset();
  --stats_.active;
}

void LabServer::AfterEvent(int fd, uint64_t now) {
  Slot& slot = slots_[fd];
  Session& s = *slot.session;
  if (s.end() != Session::End::kOpen) {
    CloseSession(fd, s.end() == Session::End::kReset);
    return;
  }
  // EPOLLRDHUP always: a peer's FIN that comes with its last bytes is seen in the same batch.
  uint32_t want = EPOLLRDHUP | (s.wants_read() ? EPOLLIN : 0u) | (s.wants_write() ? EPOLLOUT : 0u);
  if (want != slot.events) {
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = static_cast<uint32_t>(fd);
    epoll_ctl(epoll_fd_, slot.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
    slot.events = want;
  }
  // Something already due runs on the next turn of the loop (after epoll with no wait), so a
  // session that keeps itself busy cannot starve the others.
  uint64_t wake = std::max(s.NextWake(), now + 1);
  if (!timers_.Armed(fd) || timers_.When(fd) != wake) timers_.Set(fd, wake);
}

void LabServer::FireTimers(uint64_t now) {
  while (!timers_.empty() && timers_.next_when() <= now) {
    uint64_t late = now - timers_.next_when();
    if (late > stats_.timer_late_max_ns) stats_.timer_late_max_ns = late;
    if (late > 1'000'000'000) ++stats_.timers_late_over_1s;
    int fd = timers_.next_key();
    Session& s = *slots_[fd].session;
    s.OnTimer(now);
    AfterEvent(fd, now);  // re-arms at > now, or closes (and removes the timer)
  }
}

void LabServer::Run(int signal_fd) {
  epoll_event sev{};
  sev.events = EPOLLIN;
  sev.data.u64 = kSignalTag;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd, &sev);
  std::vector<epoll_event> events(kEpollBatch);
  std::vector<int> ready_listeners;
  // Let the kernel fire timers up to 250 µs late so that wake-ups close together share one
  // epoll return (replies due within that window go out together): still 4 times finer than
  // the millisecond timeouts of epoll_wait, for far fewer wake-ups than exact ones.
  prctl(PR_SET_TIMERSLACK, 250'000UL, 0, 0, 0);
  bool stop = false;
  while (!stop) {
    // Nanosecond timeout (epoll_pwait2): a reply held 100 ms leaves after 100 ms, not up to a
    // millisecond later.
    timespec timeout{1, 0};
    if (!timers_.empty()) {
      uint64_t now = NowNs();
      uint64_t wait = timers_.next_when() > now ? timers_.next_when() - now : 0;
      if (wait < 1'000'000'000ULL) timeout = timespec{0, static_cast<long>(wait)};
    }
    int n = epoll_pwait2(epoll_fd_, events.data(), kEpollBatch, &timeout, nullptr);
    uint64_t now = NowNs();
    ready_listeners.clear();
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[i].data.u64 & ~0xffffffffULL;
      int fd = static_cast<int>(events[i].data.u64 & 0xffffffffULL);
      if (tag == kSignalTag) {
        stop = true;
      } else if (tag == kListenerTag) {
        ready_listeners.push_back(fd);
      } else if (static_cast<size_t>(fd) < slots_.size() && slots_[fd].session) {
        Session& s = *slots_[fd].session;
        if (events[i].events & EPOLLOUT) s.OnWritable(now);
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
          s.OnReadable(now, (events[i].events & (EPOLLHUP | EPOLLRDHUP)) != 0);
        }
        AfterEvent(fd, now);
      }
    }
    // New connections after the closes of this batch, so a client that closes one connection
    // and opens the next is never counted twice at once (max_concurrent_per_ip / _per_24).
    for (int fd : ready_listeners) Accept(listeners_[listener_index_[fd]], now);
    FireTimers(NowNs());
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, signal_fd, nullptr);
  stats_.max_concurrent_per_24 = shared_.max_per_24();
  stats_.max_concurrent_per_ip = shared_.max_per_ip();
}

}  // namespace starttls::lab
