#include "live/nfqueue.hpp"

// The C library's network headers before the kernel's (they clash the
// other way round).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
extern "C" {
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter/nfnetlink_queue.h>
}

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace openwfp::live {

namespace {

// One received message: the netlink header and attributes, then a packet of
// up to 64 KiB.
constexpr size_t kBufferSize = 65536 + 1024;
constexpr size_t kSendBufferSize = 512 * 1024;
constexpr size_t kMaxBatch = 256;
constexpr size_t kControlBufferSize = 8192;

constexpr size_t align4(size_t n) noexcept { return (n + 3) & ~size_t{3}; }

}  // namespace

Queue::Queue(const QueueConfig& config) : config_(config) {
  if (config_.batch == 0) config_.batch = 1;
  if (config_.batch > kMaxBatch) config_.batch = kMaxBatch;
}

Queue::~Queue() {
  if (socket_ != nullptr) mnl_socket_close(socket_);  // the kernel unbinds the queue
}

bool Queue::open(const QueueConfig& config, std::unique_ptr<Queue>* out, std::string* error) {
  std::unique_ptr<Queue> q(new Queue(config));
  q->socket_ = mnl_socket_open(NETLINK_NETFILTER);
  if (q->socket_ == nullptr) {
    *error = std::string("netlink socket: ") + std::strerror(errno);
    return false;
  }
  if (mnl_socket_bind(q->socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
    *error = std::string("netlink bind: ") + std::strerror(errno);
    return false;
  }
  q->portId_ = mnl_socket_get_portid(q->socket_);
  const int fd = mnl_socket_get_fd(q->socket_);
  int size = static_cast<int>(q->config_.socketBuffer);
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  q->receiveBuffers_.resize(kBufferSize * q->config_.batch);
  q->sendBuffer_.resize(kSendBufferSize);
  if (!q->configure(error)) return false;
  *out = std::move(q);
  return true;
}

bool Queue::request(void* message, std::string* error) {
  auto* nlh = static_cast<nlmsghdr*>(message);
  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = ++sequence_;
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) {
    *error = std::string("netlink send: ") + std::strerror(errno);
    return false;
  }
  std::vector<char> answer(kControlBufferSize);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_, answer.data(), answer.size());
    if (n < 0) {
      *error = std::string("netlink receive: ") + std::strerror(errno);
      return false;
    }
    const int r = mnl_cb_run(answer.data(), static_cast<size_t>(n), sequence_, portId_, nullptr, nullptr);
    if (r == MNL_CB_ERROR) {
      *error = std::strerror(errno);
      return false;
    }
    if (r == MNL_CB_STOP || r == MNL_CB_OK) return true;
  }
}

bool Queue::configure(std::string* error) {
  std::vector<char> buf(kControlBufferSize);
  const uint16_t num = config_.number;
  const std::string name = "NFQUEUE " + std::to_string(num);

  nlmsghdr* nlh = nfq_nlmsg_put(buf.data(), NFQNL_MSG_CONFIG, num);
  nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
  std::string why;
  if (!request(nlh, &why)) {
    if (why == std::strerror(EPERM)) why += " (binding a queue needs CAP_NET_ADMIN: run as root)";
    if (why == std::strerror(EBUSY)) why += " (another process has this queue)";
    *error = name + ": bind: " + why;
    return false;
  }
  nlh = nfq_nlmsg_put(buf.data(), NFQNL_MSG_CONFIG, num);
  nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
  uint32_t flags = NFQA_CFG_F_UID_GID;
  if (config_.failOpen) flags |= NFQA_CFG_F_FAIL_OPEN;
  mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
  mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_UID_GID | NFQA_CFG_F_FAIL_OPEN));
  nfq_nlmsg_cfg_put_qmaxlen(nlh, config_.maxQueued);
  if (!request(nlh, &why)) {
    *error = name + ": configure: " + why;
    return false;
  }
  return true;
}

size_t Queue::receive(QueuedPacket* out, size_t max, int timeoutMs) noexcept {
  const int fd = mnl_socket_get_fd(socket_);
  pollfd p = {fd, POLLIN, 0};
  if (::poll(&p, 1, timeoutMs) <= 0) return 0;
  const size_t want = std::min(max, std::min<size_t>(config_.batch, kMaxBatch));
  mmsghdr messages[kMaxBatch];
  iovec iov[kMaxBatch];
  for (size_t i = 0; i < want; ++i) {
    iov[i] = {receiveBuffers_.data() + i * kBufferSize, kBufferSize};
    std::memset(&messages[i], 0, sizeof messages[i]);
    messages[i].msg_hdr.msg_iov = &iov[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  const int got = ::recvmmsg(fd, messages, static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
  if (got < 0) {
    if (errno == ENOBUFS) ++stats_.overruns;
    return 0;
  }
  size_t n = 0;
  for (int i = 0; i < got; ++i) {
    parse(receiveBuffers_.data() + static_cast<size_t>(i) * kBufferSize, messages[i].msg_len, out, max, &n);
  }
  stats_.received += n;
  return n;
}

void Queue::parse(const uint8_t* data, size_t length, QueuedPacket* out, size_t max, size_t* n) noexcept {
  auto* nlh = reinterpret_cast<const nlmsghdr*>(data);
  auto remaining = static_cast<int>(length);
  for (; mnl_nlmsg_ok(nlh, remaining); nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      const auto* e = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (e->error != 0) ++stats_.errors;
      continue;
    }
    if ((nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET || *n >= max) continue;
    nlattr* attr[NFQA_MAX + 1] = {};
    if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == nullptr || attr[NFQA_PAYLOAD] == nullptr) {
      ++stats_.malformed;
      continue;
    }
    const auto* hdr = static_cast<const nfqnl_msg_packet_hdr*>(mnl_attr_get_payload(attr[NFQA_PACKET_HDR]));
    QueuedPacket& p = out[(*n)++];
    p = QueuedPacket{};
    p.id = ntohl(hdr->packet_id);
    p.hook = hdr->hook;
    p.hwProtocol = ntohs(hdr->hw_protocol);
    if (attr[NFQA_MARK] != nullptr) p.mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
    if (attr[NFQA_IFINDEX_INDEV] != nullptr) p.inIf = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
    if (attr[NFQA_IFINDEX_OUTDEV] != nullptr) p.outIf = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
    if (attr[NFQA_UID] != nullptr) p.uid = ntohl(mnl_attr_get_u32(attr[NFQA_UID]));
    if (attr[NFQA_GID] != nullptr) p.gid = ntohl(mnl_attr_get_u32(attr[NFQA_GID]));
    p.data = static_cast<const uint8_t*>(mnl_attr_get_payload(attr[NFQA_PAYLOAD]));
    p.length = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
  }
}

char* Queue::reserve(size_t bytes) noexcept {
  if (sendUsed_ + bytes > sendBuffer_.size()) flush();
  return sendBuffer_.data() + sendUsed_;
}

void Queue::verdict(uint32_t id, uint32_t verdict, const uint8_t* packet, uint32_t length) noexcept {
  char* at = reserve(align4(sizeof(nlmsghdr)) + 256 + align4(length));
  nlmsghdr* nlh = nfq_nlmsg_put(at, NFQNL_MSG_VERDICT, config_.number);
  nfq_nlmsg_verdict_put(nlh, static_cast<int>(id), static_cast<int>(verdict));
  if (packet != nullptr) {
    nfq_nlmsg_verdict_put_pkt(nlh, packet, length);
    ++stats_.modified;
  }
  sendUsed_ += align4(nlh->nlmsg_len);
  ++stats_.verdicts;
}

void Queue::verdict_up_to(uint32_t id, uint32_t verdict) noexcept {
  char* at = reserve(align4(sizeof(nlmsghdr)) + 256);
  nlmsghdr* nlh = nfq_nlmsg_put(at, NFQNL_MSG_VERDICT_BATCH, config_.number);
  nfq_nlmsg_verdict_put(nlh, static_cast<int>(id), static_cast<int>(verdict));
  sendUsed_ += align4(nlh->nlmsg_len);
  ++stats_.verdicts;
  ++stats_.batchVerdicts;
}

void Queue::flush() noexcept {
  if (sendUsed_ == 0) return;
  if (mnl_socket_sendto(socket_, sendBuffer_.data(), sendUsed_) < 0) ++stats_.errors;
  sendUsed_ = 0;
}

}  // namespace openwfp::live
