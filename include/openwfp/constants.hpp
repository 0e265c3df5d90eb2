// WFP constants with their WFP names and values: action types, classify-out
// rights and flags, filter flags, callout flags, condition flags.
#pragma once

#include <cstdint>
#include <string_view>

namespace openwfp {

// FWP_ACTION_TYPE
inline constexpr uint32_t FWP_ACTION_FLAG_TERMINATING = 0x00001000;
inline constexpr uint32_t FWP_ACTION_FLAG_NON_TERMINATING = 0x00002000;
inline constexpr uint32_t FWP_ACTION_FLAG_CALLOUT = 0x00004000;
inline constexpr uint32_t FWP_ACTION_BLOCK = 0x00000001 | FWP_ACTION_FLAG_TERMINATING;
inline constexpr uint32_t FWP_ACTION_PERMIT = 0x00000002 | FWP_ACTION_FLAG_TERMINATING;
inline constexpr uint32_t FWP_ACTION_CALLOUT_TERMINATING =
    0x00000003 | FWP_ACTION_FLAG_CALLOUT | FWP_ACTION_FLAG_TERMINATING;
inline constexpr uint32_t FWP_ACTION_CALLOUT_INSPECTION =
    0x00000004 | FWP_ACTION_FLAG_CALLOUT | FWP_ACTION_FLAG_NON_TERMINATING;
inline constexpr uint32_t FWP_ACTION_CALLOUT_UNKNOWN = 0x00000005 | FWP_ACTION_FLAG_CALLOUT;
inline constexpr uint32_t FWP_ACTION_CONTINUE = 0x00000006 | FWP_ACTION_FLAG_NON_TERMINATING;
inline constexpr uint32_t FWP_ACTION_NONE = 0x00000007;
inline constexpr uint32_t FWP_ACTION_NONE_NO_MATCH = 0x00000008;

// "BLOCK", "PERMIT", "CALLOUT_TERMINATING", ... (without the FWP_ACTION_ prefix).
std::string_view action_type_name(uint32_t action_type) noexcept;

// FWPS_CLASSIFY_OUT0.rights
inline constexpr uint32_t FWPS_RIGHT_ACTION_WRITE = 0x00000001;

// FWPS_CLASSIFY_OUT0.flags
inline constexpr uint32_t FWPS_CLASSIFY_OUT_FLAG_ABSORB = 0x00000001;
inline constexpr uint32_t FWPS_CLASSIFY_OUT_FLAG_BUFFER_LIMIT_REACHED = 0x00000002;
inline constexpr uint32_t FWPS_CLASSIFY_OUT_FLAG_NO_MORE_DATA = 0x00000004;
inline constexpr uint32_t FWPS_CLASSIFY_OUT_FLAG_ALE_FAST_CACHE_CHECK = 0x00000008;
inline constexpr uint32_t FWPS_CLASSIFY_OUT_FLAG_ALE_FAST_CACHE_POSSIBLE = 0x00000010;
// openwfp's own flag (WFP has none): a callout's Block at
// ALE_FLOW_ESTABLISHED closes the connection after an error that is a
// security risk, so the verifier does not report it (C3).
inline constexpr uint32_t CLASSIFY_OUT_FLAG_SECURITY_ERROR = 0x80000000;

// FWPM_FILTER0.flags
inline constexpr uint32_t FWPM_FILTER_FLAG_NONE = 0x00000000;
inline constexpr uint32_t FWPM_FILTER_FLAG_PERSISTENT = 0x00000001;
inline constexpr uint32_t FWPM_FILTER_FLAG_BOOTTIME = 0x00000002;
inline constexpr uint32_t FWPM_FILTER_FLAG_HAS_PROVIDER_CONTEXT = 0x00000004;
inline constexpr uint32_t FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT = 0x00000008;
inline constexpr uint32_t FWPM_FILTER_FLAG_PERMIT_IF_CALLOUT_UNREGISTERED = 0x00000010;
inline constexpr uint32_t FWPM_FILTER_FLAG_DISABLED = 0x00000020;
inline constexpr uint32_t FWPM_FILTER_FLAG_INDEXED = 0x00000040;

// FWPM_SUBLAYER0.flags, FWPM_PROVIDER0.flags, FWPM_CALLOUT0.flags
inline constexpr uint32_t FWPM_SUBLAYER_FLAG_PERSISTENT = 0x00000001;
inline constexpr uint32_t FWPM_PROVIDER_FLAG_PERSISTENT = 0x00000001;
inline constexpr uint32_t FWPM_CALLOUT_FLAG_PERSISTENT = 0x00010000;

// FWPS_CALLOUT.flags
inline constexpr uint32_t FWP_CALLOUT_FLAG_CONDITIONAL_ON_FLOW = 0x00000001;
inline constexpr uint32_t FWP_CALLOUT_FLAG_ALLOW_OFFLOAD = 0x00000002;
inline constexpr uint32_t FWP_CALLOUT_FLAG_ENABLE_COMMIT_ADD_NOTIFY = 0x00000004;
inline constexpr uint32_t FWP_CALLOUT_FLAG_ALLOW_MID_STREAM_INSPECTION = 0x00000008;
inline constexpr uint32_t FWP_CALLOUT_FLAG_ALLOW_RECLASSIFY = 0x00000010;

// Values of the FLAGS field (FWP_CONDITION_FLAG_*).
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_LOOPBACK = 0x00000001;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_IPSEC_SECURED = 0x00000002;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_REAUTHORIZE = 0x00000004;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_WILDCARD_BIND = 0x00000008;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_RAW_ENDPOINT = 0x00000010;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_FRAGMENT = 0x00000020;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_FRAGMENT_GROUP = 0x00000040;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_IPSEC_NATT_RECLASSIFY = 0x00000080;
inline constexpr uint32_t FWP_CONDITION_FLAG_REQUIRES_ALE_CLASSIFY = 0x00000100;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_IMPLICIT_BIND = 0x00000200;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_REASSEMBLED = 0x00000400;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_NAME_APP_SPECIFIED = 0x00004000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_PROMISCUOUS = 0x00008000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_AUTH_FW = 0x00010000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_RECLASSIFY = 0x00020000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_OUTBOUND_PASS_THRU = 0x00040000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_INBOUND_PASS_THRU = 0x00080000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_CONNECTION_REDIRECTED = 0x00100000;
inline constexpr uint32_t FWP_CONDITION_FLAG_IS_PROXY_CONNECTION = 0x00200000;

// A named bit of a flag set, for parsing and printing.
struct FlagName {
  std::string_view name;  // without prefix, e.g. "IS_LOOPBACK"
  uint32_t value;
};
// FWP_CONDITION_FLAG_* (the FLAGS field), FWPM_FILTER_FLAG_*, FWP_CALLOUT_FLAG_*.
const FlagName* condition_flag_names(size_t* count) noexcept;
const FlagName* filter_flag_names(size_t* count) noexcept;
const FlagName* callout_flag_names(size_t* count) noexcept;
// Parses "IS_LOOPBACK|IS_FRAGMENT" (prefix optional) against a table; false
// on an unknown name.
bool parse_flag_set(std::string_view text, const FlagName* table, size_t count, std::string_view prefix,
                    uint32_t* out) noexcept;

// FWP_DIRECTION
inline constexpr uint32_t FWP_DIRECTION_OUTBOUND = 0;
inline constexpr uint32_t FWP_DIRECTION_INBOUND = 1;

}  // namespace openwfp
