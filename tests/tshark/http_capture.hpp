// A complete HTTP/1.1 conversation over TCP, built with the project's packet
// builder: handshake, a request split over several segments, the server's
// ACK, a response in fixed-size segments with the client ACKing every second
// one, a FIN from each side and the last ACK. Every checksum is right and
// every sequence and acknowledgement number follows from the data, so an
// independent analyser sees a clean conversation; tests then break copies
// of it on purpose. Client 10.0.0.2 (2001:db8:1::2), server 198.51.100.10
// (2001:db8:2::10), frames 1 ms apart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "craft/craft.hpp"

namespace openwfp::testing {

struct HttpCaptureSpec {
  int ipVersion = 4;  // 4 or 6
  std::string request = "GET /index.html HTTP/1.1\r\nHost: example.test\r\nUser-Agent: openwfp-test\r\n\r\n";
  std::string response;  // empty: default_http_response()
  uint32_t requestSegments = 2, responseSegmentSize = 1000;
  uint32_t clientIsn = 1000, serverIsn = 5000;
  uint16_t clientPort = 40000, serverPort = 80;
  bool ethernet = true;  // Ethernet frames, else raw IP (DLT_RAW)
  uint64_t startUs = 1'700'000'000'000'000;
};

// An HTTP/1.1 200 response with a text/plain body of about 3000 bytes of
// numbered lines, so any byte out of place is visible in a failure message.
std::string default_http_response();

// One frame of the conversation with where its headers start, so tests can
// damage a chosen field.
struct HttpFrame {
  uint64_t timestampNs = 0;
  craft::Bytes data;
  bool fromClient = true;
  uint32_t ipOffset = 0;        // the IP header within `data`
  uint32_t tcpOffset = 0;       // the TCP header within `data`
  uint32_t payloadLength = 0;   // TCP payload bytes
};

struct HttpConversation {
  uint32_t linkType = 0;  // pcap DLT value for CaptureWriter::open
  std::string request, response;  // exactly what the segments carry
  std::vector<HttpFrame> frames;
};

// False with `error` set when the spec cannot be built (IP version, zero
// segment counts or sizes, a segment too large for one datagram).
bool make_http_conversation(const HttpCaptureSpec& spec, HttpConversation* out, std::string* error = nullptr);

// Writes `frames` as a pcap file with link type `linkType`.
bool write_frames(const std::string& path, uint32_t linkType, const std::vector<HttpFrame>& frames,
                  std::string* error = nullptr);

// make_http_conversation then write_frames.
bool write_http_capture(const std::string& path, const HttpCaptureSpec& spec, std::string* error = nullptr);

}  // namespace openwfp::testing
