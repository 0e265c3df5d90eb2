// Options shared by the two views of the store file (PersistentStore and
// EventTable).
#pragma once

#include <cstddef>

namespace openwfp::store {

struct StoreOptions {
  // The event table never holds more rows than this; the oldest go first.
  size_t maxEvents = 100000;
  // How long a writer waits for another connection's transaction to end
  // before giving up with DEVICE_BUSY.
  int busyTimeoutMs = 5000;
  // Runs PRAGMA quick_check when the file is opened, so that a damaged file
  // is refused at start instead of failing at some later write.
  bool checkIntegrity = true;
};

}  // namespace openwfp::store
