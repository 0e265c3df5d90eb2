// One NFQUEUE queue, over a netlink socket of its own (libmnl, with
// libnetfilter_queue's message builders): packets come in by the batch
// (recvmmsg into buffers made once), verdicts go out by the batch (one
// sendmsg for many verdict messages; a run of accepts as one
// NFQNL_MSG_VERDICT_BATCH when nothing older is still held). A queue is read
// by one thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct mnl_socket;

namespace openwfp::live {

// NF_INET_* hooks.
inline constexpr uint8_t kHookLocalIn = 1, kHookForward = 2, kHookLocalOut = 3;
// NF_DROP and NF_ACCEPT.
inline constexpr uint32_t kVerdictDrop = 0, kVerdictAccept = 1;

struct QueuedPacket {
  uint32_t id = 0;
  uint8_t hook = 0;
  uint16_t hwProtocol = 0;  // ETH_P_IP or ETH_P_IPV6
  uint32_t mark = 0;
  uint32_t inIf = 0, outIf = 0;
  int64_t uid = -1, gid = -1;  // the sending socket's (OUTPUT), when known
  const uint8_t* data = nullptr;  // the IP packet, valid until the next receive()
  uint32_t length = 0;
};

struct QueueConfig {
  uint16_t number = 0;
  uint32_t maxQueued = 4096;          // packets the kernel holds for this queue before it drops (or accepts, fail-open)
  bool failOpen = true;               // NFQA_CFG_F_FAIL_OPEN: accept what the queue cannot hold
  uint32_t batch = 64;                // packets taken per receive()
  uint32_t socketBuffer = 8u << 20;   // SO_RCVBUFFORCE
};

struct QueueStats {
  uint64_t received = 0;
  uint64_t verdicts = 0;         // verdict messages sent (one batch verdict counts once)
  uint64_t batchVerdicts = 0;    // of which NFQNL_MSG_VERDICT_BATCH
  uint64_t modified = 0;         // verdicts that carried a changed packet
  uint64_t overruns = 0;         // ENOBUFS: the socket could not take what the kernel sent
  uint64_t errors = 0;           // netlink errors answered to verdicts, failed sends
  uint64_t malformed = 0;        // messages without a packet header or payload
};

class Queue {
 public:
  // Binds the queue; false with `error` (EPERM: not root; EBUSY: another
  // process has it).
  static bool open(const QueueConfig& config, std::unique_ptr<Queue>* out, std::string* error);
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Waits up to `timeoutMs` for packets, then takes what is there (up to
  // the batch size) into `out`. Returns how many (0 on timeout).
  size_t receive(QueuedPacket* out, size_t max, int timeoutMs) noexcept;

  // Verdicts are gathered and sent by flush(). `packet` (when given)
  // replaces the packet's bytes.
  void verdict(uint32_t id, uint32_t verdict, const uint8_t* packet = nullptr, uint32_t length = 0) noexcept;
  // Every packet of this queue with an id up to `id` not yet given a verdict.
  void verdict_up_to(uint32_t id, uint32_t verdict) noexcept;
  void flush() noexcept;

  uint16_t number() const noexcept { return config_.number; }
  const QueueStats& stats() const noexcept { return stats_; }

 private:
  explicit Queue(const QueueConfig& config);
  bool configure(std::string* error);
  bool request(void* message, std::string* error);  // sends with an ack and reads it
  void parse(const uint8_t* data, size_t length, QueuedPacket* out, size_t max, size_t* n) noexcept;
  char* reserve(size_t bytes) noexcept;

  QueueConfig config_;
  mnl_socket* socket_ = nullptr;
  uint32_t portId_ = 0;
  uint32_t sequence_ = 0;
  std::vector<uint8_t> receiveBuffers_;  // batch buffers of kBufferSize
  std::vector<char> sendBuffer_;
  size_t sendUsed_ = 0;
  QueueStats stats_;
};

}  // namespace openwfp::live
