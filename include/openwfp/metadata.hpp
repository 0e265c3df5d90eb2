// Classification metadata (FWPS_INCOMING_METADATA_VALUES0): values that are
// not filtering fields, each present only when its bit is set in
// currentMetadataValues. Absent is absent: the stack never invents a value.
#pragma once

#include <cstdint>

#include "openwfp/value.hpp"

namespace openwfp {

// FWPS_METADATA_FIELD_*
inline constexpr uint32_t FWPS_METADATA_FIELD_DISCARD_REASON = 0x00000001;
inline constexpr uint32_t FWPS_METADATA_FIELD_FLOW_HANDLE = 0x00000002;
inline constexpr uint32_t FWPS_METADATA_FIELD_IP_HEADER_SIZE = 0x00000004;
inline constexpr uint32_t FWPS_METADATA_FIELD_TRANSPORT_HEADER_SIZE = 0x00000008;
inline constexpr uint32_t FWPS_METADATA_FIELD_PROCESS_PATH = 0x00000010;
inline constexpr uint32_t FWPS_METADATA_FIELD_TOKEN = 0x00000020;
inline constexpr uint32_t FWPS_METADATA_FIELD_PROCESS_ID = 0x00000040;
inline constexpr uint32_t FWPS_METADATA_FIELD_SYSTEM_FLAGS = 0x00000080;
inline constexpr uint32_t FWPS_METADATA_FIELD_SOURCE_INTERFACE_INDEX = 0x00000200;
inline constexpr uint32_t FWPS_METADATA_FIELD_DESTINATION_INTERFACE_INDEX = 0x00000400;
inline constexpr uint32_t FWPS_METADATA_FIELD_COMPARTMENT_ID = 0x00000800;
inline constexpr uint32_t FWPS_METADATA_FIELD_FRAGMENT_DATA = 0x00001000;
inline constexpr uint32_t FWPS_METADATA_FIELD_PATH_MTU = 0x00002000;
inline constexpr uint32_t FWPS_METADATA_FIELD_COMPLETION_HANDLE = 0x00004000;
inline constexpr uint32_t FWPS_METADATA_FIELD_TRANSPORT_ENDPOINT_HANDLE = 0x00008000;
inline constexpr uint32_t FWPS_METADATA_FIELD_TRANSPORT_CONTROL_DATA = 0x00010000;
inline constexpr uint32_t FWPS_METADATA_FIELD_REMOTE_SCOPE_ID = 0x00020000;
inline constexpr uint32_t FWPS_METADATA_FIELD_PACKET_DIRECTION = 0x00040000;
// No value: present on an inbound transport-layer packet that opens a flow
// and so goes on to ALE classification (with FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY).
inline constexpr uint32_t FWPS_METADATA_FIELD_ALE_CLASSIFY_REQUIRED = 0x00400000;

// FWPS_DISCARD_METADATA0
struct DiscardMetadata {
  uint32_t discardModule = 0;
  uint32_t discardReason = 0;
  uint64_t filterId = 0;
};

// FWPS_INBOUND_FRAGMENT_METADATA0
struct FragmentMetadata {
  uint32_t fragmentIdentification = 0;
  uint16_t fragmentOffset = 0;
  uint32_t fragmentLength = 0;
};

// FWPS_INCOMING_METADATA_VALUES0, with the members openwfp fills. On Linux the
// "token" is the process's credentials and the process path its executable.
struct IncomingMetadata {
  uint32_t currentMetadataValues = 0;
  uint32_t flags = 0;
  DiscardMetadata discardMetadata;
  uint64_t flowHandle = 0;
  uint32_t ipHeaderSize = 0;
  uint32_t transportHeaderSize = 0;
  const ByteBlob* processPath = nullptr;
  const TokenAccessInformation* token = nullptr;
  uint64_t processId = 0;
  uint32_t sourceInterfaceIndex = 0;
  uint32_t destinationInterfaceIndex = 0;
  uint32_t compartmentId = 0;
  FragmentMetadata fragmentMetadata;
  uint32_t pathMtu = 0;
  uint64_t completionHandle = 0;
  uint64_t transportEndpointHandle = 0;
  uint32_t remoteScopeId = 0;
  uint32_t packetDirection = 0;  // FWP_DIRECTION

  bool has(uint32_t field) const noexcept { return (currentMetadataValues & field) == field; }
};

}  // namespace openwfp
