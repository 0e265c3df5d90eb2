#include "flow-monitor/report_file.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "openwfp/constants.hpp"

namespace openwfp::callouts::flow_monitor {
namespace {

// Enough for the longest line: two IPv6 addresses and six 20-digit numbers.
constexpr size_t kLineBytes = 512;

const char* address_text(const FlowRecord& r, const std::array<uint8_t, 16>& address, char* out, socklen_t size) {
  const char* text = inet_ntop(r.ipVersion == 4 ? AF_INET : AF_INET6, address.data(), out, size);
  return text != nullptr ? text : "";
}

}  // namespace

size_t format_flow_line(const FlowRecord& r, char* out, size_t size) noexcept {
  int n = 0;
  if (r.hasTuple) {
    char local[INET6_ADDRSTRLEN];
    char remote[INET6_ADDRSTRLEN];
    n = std::snprintf(out, size,
                      "{\"flow\":%llu,\"ip_version\":%u,\"protocol\":%u,\"local\":\"%s\",\"local_port\":%u,"
                      "\"remote\":\"%s\",\"remote_port\":%u,\"direction\":\"%s\",\"bytes_sent\":%llu,"
                      "\"bytes_received\":%llu,\"missed_bytes\":%llu}\n",
                      static_cast<unsigned long long>(r.flowHandle), unsigned{r.ipVersion}, unsigned{r.protocol},
                      address_text(r, r.local, local, sizeof local), unsigned{r.localPort},
                      address_text(r, r.remote, remote, sizeof remote), unsigned{r.remotePort},
                      r.direction == FWP_DIRECTION_OUTBOUND ? "outbound" : "inbound",
                      static_cast<unsigned long long>(r.bytesSent), static_cast<unsigned long long>(r.bytesReceived),
                      static_cast<unsigned long long>(r.missedBytes));
  } else {
    n = std::snprintf(out, size, "{\"flow\":%llu,\"bytes_sent\":%llu,\"bytes_received\":%llu,\"missed_bytes\":%llu}\n",
                      static_cast<unsigned long long>(r.flowHandle), static_cast<unsigned long long>(r.bytesSent),
                      static_cast<unsigned long long>(r.bytesReceived), static_cast<unsigned long long>(r.missedBytes));
  }
  return n > 0 && static_cast<size_t>(n) < size ? static_cast<size_t>(n) : 0;
}

ReportFile::~ReportFile() { close(); }

bool ReportFile::open(const std::string& path, std::string* error) {
  close();
  file_ = std::fopen(path.c_str(), "w");
  if (file_ == nullptr) {
    *error = "cannot open '" + path + "' for writing: " + std::strerror(errno);
    return false;
  }
  buffer_ = std::make_unique<char[]>(kBufferBytes);
  if (std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferBytes) != 0) {
    *error = "cannot give '" + path + "' its buffer";
    close();
    return false;
  }
  return true;
}

bool ReportFile::write_flow(const FlowRecord& record) noexcept {
  char line[kLineBytes];
  const size_t length = format_flow_line(record, line, sizeof line);
  if (file_ == nullptr || length == 0 || std::fwrite(line, 1, length, file_) != length) {
    writeErrors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  lines_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool ReportFile::close() noexcept {
  if (file_ == nullptr) return true;
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  buffer_.reset();
  return ok;
}

}  // namespace openwfp::callouts::flow_monitor
