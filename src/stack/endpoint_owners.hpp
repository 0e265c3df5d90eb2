// Who owns a flow's local endpoint: the process, its executable and its
// user, for ALE_APP_ID, ALE_USER_ID and the process metadata
// (FWPS_METADATA_FIELD_PROCESS_ID, _PROCESS_PATH, _TOKEN). A capture cannot
// tell; a live data source can (live/process_lookup.hpp). The stack asks
// once, when a flow begins, on its own thread.
#pragma once

#include <cstdint>

#include "flow/flow_key.hpp"
#include "openwfp/value.hpp"

namespace openwfp::stack {

struct EndpointOwner {
  uint64_t processId = 0;
  const ByteBlob* appId = nullptr;                // the executable's path (UTF-8, no terminator)
  const TokenAccessInformation* user = nullptr;  // its credentials
};

class EndpointOwners {
 public:
  static constexpr uint32_t kUnknown = UINT32_MAX;
  virtual ~EndpointOwners() = default;
  // The owner of `key`'s local endpoint (`outbound`: the local side sent the
  // flow's first packet), as an index for owner(); kUnknown when not found.
  // What an index names never changes while the stack lives.
  virtual uint32_t find(const flow::FlowKey& key, bool outbound) noexcept = 0;
  virtual const EndpointOwner& owner(uint32_t index) const noexcept = 0;
};

}  // namespace openwfp::stack
