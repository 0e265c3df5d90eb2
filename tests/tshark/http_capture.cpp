#include "http_capture.hpp"

#include <pcap/pcap.h>

#include <cstdio>

#include "io/pcap_file.hpp"

namespace openwfp::testing {
namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
constexpr uint8_t kTcp = 6;
// Large enough for any segment size in a spec, small enough that the IPv4
// total length and the IPv6 payload length still fit in 16 bits.
constexpr uint32_t kLargestSegment = 65000;

void set_error(std::string* error, const std::string& what) {
  if (error != nullptr) *error = what;
}

// Builds frames in order, one timestamp step apart, tracking both sides'
// next sequence numbers.
class ConversationBuilder {
 public:
  ConversationBuilder(const HttpCaptureSpec& spec, HttpConversation* out) : spec_(spec), out_(out) {
    clientNext_ = spec.clientIsn;
    serverNext_ = spec.serverIsn;
  }

  // A segment from one side carrying `data`; SYN and FIN take one sequence
  // number each. `ack` is added when the ACK flag is set.
  void send(bool fromClient, uint8_t flags, const std::string& data = {}) {
    uint32_t& next = fromClient ? clientNext_ : serverNext_;
    const uint32_t ack = (flags & kAck) != 0 ? (fromClient ? serverNext_ : clientNext_) : 0;
    craft::TcpOptions options;
    if ((flags & kSyn) != 0) options = craft::TcpOptions{1460, 7, 64240};
    const craft::Bytes segment =
        craft::tcp(fromClient ? spec_.clientPort : spec_.serverPort, fromClient ? spec_.serverPort : spec_.clientPort,
                   next, ack, flags, craft::text(data), options);
    craft::Bytes ip;
    if (spec_.ipVersion == 4) {
      const uint32_t client = craft::v4(10, 0, 0, 2), server = craft::v4(198, 51, 100, 10);
      ip = craft::ipv4(fromClient ? client : server, fromClient ? server : client, kTcp, segment, ipId_++);
    } else {
      const ByteArray16 client = craft::v6("2001:db8:1::2"), server = craft::v6("2001:db8:2::10");
      ip = craft::ipv6(fromClient ? client : server, fromClient ? server : client, kTcp, segment);
    }
    HttpFrame frame;
    frame.fromClient = fromClient;
    frame.ipOffset = spec_.ethernet ? 14 : 0;
    frame.tcpOffset = frame.ipOffset + (spec_.ipVersion == 4 ? 20 : 40);
    frame.payloadLength = static_cast<uint32_t>(data.size());
    frame.data = spec_.ethernet ? craft::ethernet(ip, fromClient) : ip;
    frame.timestampNs = (spec_.startUs + 1000 * out_->frames.size()) * 1000;
    out_->frames.push_back(std::move(frame));
    next += static_cast<uint32_t>(data.size()) + ((flags & (kSyn | kFin)) != 0 ? 1 : 0);
  }

 private:
  const HttpCaptureSpec& spec_;
  HttpConversation* out_;
  uint32_t clientNext_ = 0, serverNext_ = 0;
  uint16_t ipId_ = 1;
};

}  // namespace

std::string default_http_response() {
  std::string body;
  for (int line = 1; body.size() < 3000; ++line) {
    char text[96];
    std::snprintf(text, sizeof text, "openwfp response line %04d: the quick brown fox jumps over the lazy dog\n", line);
    body += text;
  }
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

bool make_http_conversation(const HttpCaptureSpec& spec, HttpConversation* out, std::string* error) {
  if (spec.ipVersion != 4 && spec.ipVersion != 6) {
    set_error(error, "IP version " + std::to_string(spec.ipVersion) + " (expected 4 or 6)");
    return false;
  }
  if (spec.request.empty() || spec.requestSegments == 0 || spec.requestSegments > spec.request.size()) {
    set_error(error, "the request needs at least one byte per segment");
    return false;
  }
  if (spec.responseSegmentSize == 0 || spec.responseSegmentSize > kLargestSegment ||
      spec.request.size() / spec.requestSegments + 1 > kLargestSegment) {
    set_error(error, "segment size out of range (1 to " + std::to_string(kLargestSegment) + " bytes)");
    return false;
  }
  *out = HttpConversation{};
  out->linkType = spec.ethernet ? DLT_EN10MB : DLT_RAW;
  out->request = spec.request;
  out->response = spec.response.empty() ? default_http_response() : spec.response;

  ConversationBuilder b(spec, out);
  b.send(true, kSyn);
  b.send(false, kSyn | kAck);
  b.send(true, kAck);
  // The request in nearly equal pieces, the remainder spread over the first ones.
  const size_t pieces = spec.requestSegments, base = spec.request.size() / pieces, extra = spec.request.size() % pieces;
  for (size_t i = 0, at = 0; i < pieces; ++i) {
    const size_t len = base + (i < extra ? 1 : 0);
    b.send(true, static_cast<uint8_t>(kAck | (i + 1 == pieces ? kPsh : 0)), spec.request.substr(at, len));
    at += len;
  }
  b.send(false, kAck);
  const std::string& response = out->response;
  const size_t size = spec.responseSegmentSize;
  for (size_t at = 0, n = 1; at < response.size(); at += size, ++n) {
    const bool last = at + size >= response.size();
    b.send(false, static_cast<uint8_t>(kAck | (last ? kPsh : 0)), response.substr(at, size));
    if (n % 2 == 0 || last) b.send(true, kAck);  // a delayed ACK every second segment
  }
  b.send(true, kFin | kAck);
  b.send(false, kFin | kAck);
  b.send(true, kAck);
  return true;
}

bool write_frames(const std::string& path, uint32_t linkType, const std::vector<HttpFrame>& frames,
                  std::string* error) {
  std::string why;
  io::CaptureWriter writer;
  if (!writer.open(path, linkType, 262144, &why)) {
    set_error(error, why);
    return false;
  }
  for (const HttpFrame& f : frames) {
    io::Frame frame;
    frame.timestampNs = f.timestampNs;
    frame.caplen = frame.wireLength = static_cast<uint32_t>(f.data.size());
    frame.data = f.data.data();
    if (!writer.write(frame)) {
      set_error(error, path + ": cannot write a frame");
      return false;
    }
  }
  if (!writer.close(&why)) {
    set_error(error, path + ": " + why);
    return false;
  }
  return true;
}

bool write_http_capture(const std::string& path, const HttpCaptureSpec& spec, std::string* error) {
  HttpConversation conversation;
  return make_http_conversation(spec, &conversation, error) &&
         write_frames(path, conversation.linkType, conversation.frames, error);
}

}  // namespace openwfp::testing
