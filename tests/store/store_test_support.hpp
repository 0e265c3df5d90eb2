// Shared by the store tests: a temporary directory removed at the end, GUID
// keys made from numbers, reading a file's bytes.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

#include "store/persistent_store.hpp"

namespace openwfp::store::test {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/openwfp-store-XXXXXX";
    if (char* made = ::mkdtemp(pattern)) path_ = made;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  bool ok() const { return !path_.empty(); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A canonical GUID whose last group is n in hex.
inline std::string key_of(uint64_t n) {
  char text[48];
  std::snprintf(text, sizeof text, "00000000-0000-0000-0000-%012llx", static_cast<unsigned long long>(n));
  return text;
}

inline StoredObject object(std::string kind, uint64_t n, uint64_t id, std::string layer = "") {
  return StoredObject{kind, key_of(n), id, std::move(layer),
                      "{\"kind\":\"" + kind + "\",\"n\":" + std::to_string(n) + "}"};
}

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace openwfp::store::test
