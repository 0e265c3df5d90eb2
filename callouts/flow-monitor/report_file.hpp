// The flow-monitor report: one JSON line per flow, written as flows end.
//
// The file is opened by the control plane (open) and given a buffer
// allocated there; write_flow formats a line on the stack and hands it to
// stdio, which copies it into that buffer, so nothing is allocated per
// flow. stdio locks the file for each call, so lines from several threads
// never interleave. When the buffer fills, stdio writes it out from the
// calling thread: acceptable for a sample (see README.md), not for a real
// driver, which would queue the lines to a worker thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "flow-monitor/record_pool.hpp"

namespace openwfp::callouts::flow_monitor {

class ReportFile {
 public:
  ReportFile() = default;
  ~ReportFile();  // close()
  ReportFile(const ReportFile&) = delete;
  ReportFile& operator=(const ReportFile&) = delete;

  // Creates (or empties) the file. False with `error` set when it cannot.
  bool open(const std::string& path, std::string* error);
  // Appends the line of one ended flow. False when stdio refused the write
  // (counted in write_errors()).
  bool write_flow(const FlowRecord& record) noexcept;
  // Writes out what is buffered and closes the file. False when the data
  // could not all be written.
  bool close() noexcept;

  uint64_t lines() const noexcept { return lines_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const noexcept { return writeErrors_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kBufferBytes = 64 * 1024;
  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;  // stdio's buffer for file_; outlives it
  std::atomic<uint64_t> lines_{0};
  std::atomic<uint64_t> writeErrors_{0};
};

// The JSON line of one flow, newline included, into `out` (NUL-terminated).
// Returns its length without the NUL, or 0 when `size` is too small.
size_t format_flow_line(const FlowRecord& record, char* out, size_t size) noexcept;

}  // namespace openwfp::callouts::flow_monitor
