#include "resolver/dns_channel.h"

#include <ares.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "resolver/dns_answer.h"
#include "resolver/dns_query.h"

namespace starttls {
namespace {

// Calls of ares_process_fd per readiness of one socket (see OnReadable).
constexpr int kMaxReadsPerReadiness = 256;

double EffectiveBurst(const ResolverOptions& options) {
  if (options.burst >= 1) return options.burst;
  return std::max(1.0, options.queries_per_second / 20);
}

uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) seed = reinterpret_cast<uintptr_t>(&seed);
  return seed;
}

// At most this many callback records are kept for reuse.
constexpr size_t kMaxSpare = 4096;

}  // namespace

absl::StatusOr<std::unique_ptr<DnsChannel>> DnsChannel::Create(const ResolverOptions& options,
                                                               AnswerFn on_answer,
                                                               SocketFn on_socket) {
  static const int library_status = ares_library_init(ARES_LIB_INIT_ALL);
  if (library_status != ARES_SUCCESS) {
    return absl::InternalError(std::string("c-ares: ") + ares_strerror(library_status));
  }
  if (options.timeout_ms <= 0 || options.tries <= 0) {
    return absl::InvalidArgumentError("resolver timeout and tries must be positive");
  }
  std::unique_ptr<DnsChannel> channel(
      new DnsChannel(options, std::move(on_answer), std::move(on_socket)));
  ares_options opts;
  std::memset(&opts, 0, sizeof(opts));
  // NOCHECKRESP: a SERVFAIL or REFUSED answer is the result we record (and SERVFAIL from a
  // validating resolver means "bogus"), instead of c-ares retrying and reporting ECONNREFUSED.
  // EDNS with our payload size: answers over 512 octets (DNSSEC) are not taken as truncated.
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS;
  opts.ednspsz = std::max(512, options.edns_payload_bytes);
  opts.timeout = options.timeout_ms;
  opts.tries = options.tries;
  opts.sock_state_cb = &DnsChannel::SocketStateThunk;
  opts.sock_state_cb_data = channel.get();
  opts.socket_receive_buffer_size = options.udp_receive_buffer_bytes;
  int mask = ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
             ARES_OPT_SOCK_STATE_CB;
  if (options.udp_receive_buffer_bytes > 0) mask |= ARES_OPT_SOCK_RCVBUF;
  int status = ares_init_options(&channel->channel_, &opts, mask);
  if (status != ARES_SUCCESS) {
    channel->channel_ = nullptr;
    return absl::InternalError(std::string("c-ares init: ") + ares_strerror(status));
  }
  if (!options.servers.empty()) {
    std::vector<ares_addr_port_node> nodes(options.servers.size());
    for (size_t i = 0; i < options.servers.size(); ++i) {
      const Endpoint& server = options.servers[i];
      ares_addr_port_node& node = nodes[i];
      std::memset(&node, 0, sizeof(node));
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      node.udp_port = server.port;
      node.tcp_port = server.port;
      if (server.ip.is_v4()) {
        node.family = AF_INET;
        std::memcpy(&node.addr.addr4, server.ip.bytes().data(), 4);
      } else {
        node.family = AF_INET6;
        std::memcpy(&node.addr.addr6, server.ip.bytes().data(), 16);
      }
    }
    status = ares_set_servers_ports(channel->channel_, nodes.data());
    if (status != ARES_SUCCESS) {
      return absl::InternalError(std::string("c-ares servers: ") + ares_strerror(status));
    }
  }
  return channel;
}

DnsChannel::DnsChannel(const ResolverOptions& options, AnswerFn on_answer, SocketFn on_socket)
    : options_(options),
      on_answer_(std::move(on_answer)),
      on_socket_(std::move(on_socket)),
      bucket_(options.queries_per_second, EffectiveBurst(options)),
      random_(RandomSeed()) {
  options_.max_queries_in_flight = std::max<size_t>(1, options_.max_queries_in_flight);
  // In-flight IDs must stay unique: never more queries at once than half the ID space.
  options_.max_queries_in_flight = std::min<size_t>(options_.max_queries_in_flight, 32768);
}

// Every query still queued or in flight comes back to its owner (ARES_EDESTRUCTION), so the
// owner can free what the token points to.
DnsChannel::~DnsChannel() {
  destroying_ = true;
  if (channel_ != nullptr) ares_destroy(channel_);
  for (const Pending& pending : queue_) on_answer_(pending.token, ARES_EDESTRUCTION, nullptr, 0);
}

void DnsChannel::SocketStateThunk(void* data, int fd, int readable, int writable) {
  auto* self = static_cast<DnsChannel*>(data);
  const uint8_t bits = static_cast<uint8_t>((readable ? 1 : 0) | (writable ? 2 : 0));
  if (bits == 0) {
    self->sockets_.erase(fd);
  } else {
    self->sockets_[fd] = bits;
  }
  if (self->on_socket_) self->on_socket_(fd, readable != 0, writable != 0);
}

void DnsChannel::Send(std::string_view name, uint16_t qtype, void* token) {
  queue_.push_back(Pending{std::string(name), qtype, token});
}

uint16_t DnsChannel::TakeId() {
  auto id = static_cast<uint16_t>(random_.Next());
  // At most half the IDs are in use (see the constructor): a free one is always near.
  while (ids_in_use_[id >> 6] & (uint64_t{1} << (id & 63))) ++id;
  ids_in_use_[id >> 6] |= uint64_t{1} << (id & 63);
  return id;
}

void DnsChannel::SendNow(const Pending& pending) {
  std::string error;
  uint16_t id = TakeId();
  DnsQueryOptions query_options;
  query_options.udp_payload_bytes =
      static_cast<uint16_t>(std::max(512, options_.edns_payload_bytes));
  std::unique_ptr<InFlight> record;
  if (spare_.empty()) {
    record = std::make_unique<InFlight>();
  } else {
    record = std::move(spare_.back());
    spare_.pop_back();
  }
  record->channel = this;
  record->token = pending.token;
  record->id = id;
  ++in_flight_;
  ++stats_.queries_sent;
  stats_.peak_in_flight = std::max<uint64_t>(stats_.peak_in_flight, in_flight_);
  if (!BuildDnsQuery(id, pending.name, pending.qtype, query_options, &query_, &error)) {
    AnswerThunk(record.release(), ARES_EBADNAME, 0, nullptr, 0);
    return;
  }
  ares_send(channel_, query_.data(), static_cast<int>(query_.size()), &DnsChannel::AnswerThunk,
            record.release());
}

void DnsChannel::Pump(int64_t now_ns) {
  if (pumping_) return;  // an answer delivered inside ares_send: the outer loop goes on
  pumping_ = true;
  const uint64_t sent_before = stats_.queries_sent;
  while (!queue_.empty() && in_flight_ < options_.max_queries_in_flight &&
         bucket_.TryTake(now_ns)) {
    Pending pending = std::move(queue_.front());
    queue_.pop_front();
    SendNow(pending);
  }
  pumping_ = false;
  // A new query times out no earlier than now + timeout: the remembered deadline stays a
  // bound c-ares' real one never comes before (see NextTimeout).
  if (deadline_known_ && stats_.queries_sent != sent_before) {
    const int64_t first_try = now_ns + int64_t{options_.timeout_ms} * 1000000;
    deadline_ = std::min(deadline_.value_or(first_try), first_try);
  }
}

void DnsChannel::AnswerThunk(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  std::unique_ptr<InFlight> record(static_cast<InFlight*>(arg));
  DnsChannel* self = record->channel;
  if (self->destroying_) {
    self->on_answer_(record->token, ARES_EDESTRUCTION, nullptr, 0);
    return;
  }
  --self->in_flight_;
  self->ids_in_use_[record->id >> 6] &= ~(uint64_t{1} << (record->id & 63));
  ++self->stats_.queries_answered;
  if (status == ARES_ETIMEOUT) ++self->stats_.query_timeouts;
  self->stats_.try_timeouts += static_cast<uint64_t>(std::max(0, timeouts));
  size_t length = abuf != nullptr && alen > 0 ? static_cast<size_t>(alen) : 0;
  if (length >= 4 && (abuf[3] & 0x20) != 0) ++self->stats_.authenticated;
  void* token = record->token;
  if (self->spare_.size() < kMaxSpare) self->spare_.push_back(std::move(record));
  self->on_answer_(token, status, abuf, length);
}

// c-ares 1.18 reads at most one piece of one TCP message per call: the two length octets,
// or the rest of a message. At one readiness per loop pass, answers queued on the TCP
// connection (truncated UDP answers retried there) came two passes each, so under load,
// when a pass takes tens of ms, hundreds of them timed out behind one another. Reading on
// while the socket holds bytes (a bounded number of times) takes them as they come.
void DnsChannel::OnReadable(int fd) {
  for (int call = 0; call < kMaxReadsPerReadiness; ++call) {
    ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
    int pending = 0;
    if (ioctl(fd, FIONREAD, &pending) != 0 || pending <= 0) return;
  }
}

void DnsChannel::OnWritable(int fd) { ares_process_fd(channel_, ARES_SOCKET_BAD, fd); }

void DnsChannel::OnTimer(int64_t now_ns) {
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  // The earliest query was retried or given up: c-ares' next timeout must be asked again.
  deadline_known_ = false;
  Pump(now_ns);
}

std::optional<int64_t> DnsChannel::NextTimeout(int64_t now_ns) const {
  std::optional<int64_t> deadline;
  if (in_flight_ > 0) {
    if (!deadline_known_) {
      // c-ares keeps absolute deadlines: the absolute time stays right until timeouts run.
      timeval tv;
      deadline_.reset();
      if (ares_timeout(channel_, nullptr, &tv) != nullptr) {
        deadline_ = now_ns + static_cast<int64_t>(tv.tv_sec) * 1000000000 +
                    static_cast<int64_t>(tv.tv_usec) * 1000;
      }
      deadline_known_ = true;
    }
    deadline = deadline_;
  }
  if (!queue_.empty() && in_flight_ < options_.max_queries_in_flight) {
    const int64_t at = now_ns + bucket_.NanosUntilNext(now_ns);
    deadline = deadline ? std::min(*deadline, at) : at;
  }
  return deadline;
}

}  // namespace starttls
