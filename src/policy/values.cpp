#include "policy/values.hpp"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "openwfp/constants.hpp"

namespace openwfp::policy {
namespace {

// 'text', for messages (built by appending: g++ 12 at -O3 misreads
// "'" + std::string(...) as an overlapping copy, GCC bug 105329).
std::string quoted(std::string_view text) {
  std::string s = "'";
  s += text;
  s += '\'';
  return s;
}

using nlohmann::json;

bool fail(ValueError* e, Status s, std::string message) {
  e->status = s;
  e->message = std::move(message);
  return false;
}

bool parse_u64(std::string_view text, uint64_t* out) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, base);
  return ec == std::errc{} && end == text.data() + text.size();
}

struct Named {
  std::string_view name;
  uint64_t value;
};

constexpr Named kProtocols[] = {{"icmp", 1},  {"igmp", 2},   {"tcp", 6},     {"udp", 17}, {"gre", 47},
                                {"esp", 50},  {"ah", 51},    {"icmpv6", 58}, {"sctp", 132}, {"udplite", 136}};
constexpr Named kDirections[] = {{"OUTBOUND", FWP_DIRECTION_OUTBOUND},
                                 {"FWP_DIRECTION_OUTBOUND", FWP_DIRECTION_OUTBOUND},
                                 {"INBOUND", FWP_DIRECTION_INBOUND},
                                 {"FWP_DIRECTION_INBOUND", FWP_DIRECTION_INBOUND}};
// NL_ADDRESS_TYPE
constexpr Named kAddressTypes[] = {{"UNSPECIFIED", 0}, {"UNICAST", 1}, {"ANYCAST", 2},
                                   {"MULTICAST", 3},   {"BROADCAST", 4}, {"INVALID", 5}};

template <size_t N>
bool lookup(const Named (&table)[N], std::string_view name, uint64_t* out) {
  for (const Named& n : table) {
    if (n.name == name) {
      *out = n.value;
      return true;
    }
  }
  return false;
}

std::string field_name(const LayerInfo& layer, uint16_t index) {
  return std::string(field_info(layer.field_at(index)).name);
}

uint64_t type_max(DataType t) {
  const unsigned bits = integer_bits(t);
  return bits >= 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
}

// A named constant or number for an integer field.
bool parse_integer_text(std::string_view text, const LayerInfo& layer, uint16_t index, uint64_t* out,
                        ValueError* e) {
  const std::string_view name = field_info(layer.field_at(index)).name;
  const DataType type = layer.data_type(index);
  uint64_t v = 0;
  bool ok = parse_u64(text, &v);
  if (!ok && name == "IP_PROTOCOL") ok = lookup(kProtocols, text, &v);
  if (!ok && name == "DIRECTION") ok = lookup(kDirections, text, &v);
  if (!ok && name.ends_with("ADDRESS_TYPE")) ok = lookup(kAddressTypes, text, &v);
  if (!ok && name == "FLAGS") {
    size_t count = 0;
    const FlagName* table = condition_flag_names(&count);
    uint32_t flags = 0;
    ok = parse_flag_set(text, table, count, "FWP_CONDITION_FLAG_", &flags);
    v = flags;
    if (!ok) {
      return fail(e, Status::FWP_TYPE_MISMATCH,
                  quoted(text) + " is not a set of FWP_CONDITION_FLAG_ names (e.g. IS_LOOPBACK|IS_FRAGMENT)");
    }
  }
  if (!ok) {
    return fail(e, Status::FWP_TYPE_MISMATCH,
                quoted(text) + " is not a number for " + field_name(layer, index) + " (" +
                    std::string(data_type_name(type)) + ")");
  }
  if (v > type_max(type)) {
    return fail(e, Status::FWP_OUT_OF_BOUNDS,
                std::to_string(v) + " is out of range for " + field_name(layer, index) + " (" +
                    std::string(data_type_name(type)) + ", at most " + std::to_string(type_max(type)) + ")");
  }
  *out = v;
  return true;
}

bool lookup_user(std::string_view name, uint32_t* uid, uint32_t* gid) {
  const std::string n(name);
  passwd pw{};
  passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(n.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) return false;
  *uid = pw.pw_uid;
  if (gid != nullptr) *gid = pw.pw_gid;
  return true;
}

bool lookup_group(std::string_view name, uint32_t* gid) {
  const std::string n(name);
  group gr{};
  group* result = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(n.c_str(), &gr, buf.data(), buf.size(), &result) != 0 || result == nullptr) return false;
  *gid = gr.gr_gid;
  return true;
}

// "1000", "uid:1000", "user:alice", "alice", "gid:27", "group:sudo"; "!" in
// front makes a deny entry.
bool parse_access_entry(std::string_view text, AccessEntry* out, ValueError* e) {
  AccessEntry entry;
  if (!text.empty() && text.front() == '!') {
    entry.allow = false;
    text.remove_prefix(1);
  }
  uint64_t n = 0;
  auto numeric = [&](std::string_view t) { return parse_u64(t, &n) && n <= UINT32_MAX; };
  if (text.starts_with("uid:") && numeric(text.substr(4))) {
    entry.id = static_cast<uint32_t>(n);
  } else if (text.starts_with("gid:") && numeric(text.substr(4))) {
    entry.kind = AccessEntry::Kind::GROUP;
    entry.id = static_cast<uint32_t>(n);
  } else if (text.starts_with("group:")) {
    entry.kind = AccessEntry::Kind::GROUP;
    if (!lookup_group(text.substr(6), &entry.id)) {
      return fail(e, Status::FWP_TYPE_MISMATCH, "no group named '" + std::string(text.substr(6)) + "'");
    }
  } else if (numeric(text)) {
    entry.id = static_cast<uint32_t>(n);
  } else {
    const std::string_view user = text.starts_with("user:") ? text.substr(5) : text;
    if (!lookup_user(user, &entry.id, nullptr)) {
      return fail(e, Status::FWP_TYPE_MISMATCH, "no user named '" + std::string(user) + "'");
    }
  }
  *out = entry;
  return true;
}

bool parse_access_list(const json& j, SecurityDescriptor* sd, bool allow, ValueError* e) {
  auto one = [&](const json& item) {
    AccessEntry entry;
    if (item.is_number_unsigned()) {
      const uint64_t v = item.get<uint64_t>();
      if (v > UINT32_MAX) return fail(e, Status::FWP_OUT_OF_BOUNDS, "a uid is at most 4294967295");
      entry.id = static_cast<uint32_t>(v);
    } else if (item.is_string()) {
      if (!parse_access_entry(item.get<std::string>(), &entry, e)) return false;
    } else {
      return fail(e, Status::FWP_TYPE_MISMATCH, "a user or group is a uid number or a string like \"uid:1000\", \"user:alice\", \"group:sudo\"");
    }
    if (!allow) entry.allow = false;
    sd->entries.push_back(entry);
    return true;
  };
  if (j.is_array()) {
    for (const json& item : j) {
      if (!one(item)) return false;
    }
    return true;
  }
  return one(j);
}

bool parse_security_descriptor(const json& j, ConditionValue* out, ValueError* e) {
  SecurityDescriptor sd;
  if (j.is_object()) {
    for (const auto& [key, v] : j.items()) {
      if (key == "allow") {
        if (!parse_access_list(v, &sd, true, e)) return false;
      } else if (key == "deny") {
        if (!parse_access_list(v, &sd, false, e)) return false;
      } else {
        return fail(e, Status::FWP_TYPE_MISMATCH, "unknown key '" + key + "' in a user list (use \"allow\" and \"deny\")");
      }
    }
  } else if (!parse_access_list(j, &sd, true, e)) {
    return false;
  }
  if (sd.entries.empty()) return fail(e, Status::FWP_ZERO_LENGTH_ARRAY, "the user/group list is empty");
  *out = ConditionValue::of_security_descriptor(std::move(sd));
  return true;
}

// "10.0.0.0/8", "2001:db8::/32", or a plain address.
bool parse_address_text(std::string_view text, bool v6, ConditionValue* out, ValueError* e) {
  const size_t slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  const bool looks_v6 = addr.find(':') != std::string_view::npos;
  if (looks_v6 != v6) {
    return fail(e, Status::FWP_TYPE_MISMATCH,
                quoted(text) + " is an " + (looks_v6 ? "IPv6" : "IPv4") + " address at a " +
                    (v6 ? "V6" : "V4") + " layer");
  }
  uint64_t prefix = 0;
  if (slash != std::string_view::npos) {
    if (!parse_u64(text.substr(slash + 1), &prefix)) {
      return fail(e, Status::FWP_INVALID_NET_MASK, quoted(text) + " has a bad prefix length");
    }
    if (prefix > (v6 ? 128u : 32u)) {
      return fail(e, Status::FWP_INVALID_NET_MASK,
                  "prefix length " + std::to_string(prefix) + " is over " + (v6 ? "128" : "32"));
    }
  }
  if (v6) {
    ByteArray16 a;
    if (!parse_ipv6(addr, &a)) return fail(e, Status::FWP_TYPE_MISMATCH, "'" + std::string(addr) + "' is not an IPv6 address");
    *out = slash == std::string_view::npos ? ConditionValue::of_bytes16(a)
                                           : ConditionValue::of_v6_prefix(a, static_cast<uint8_t>(prefix));
  } else {
    uint32_t a = 0;
    if (!parse_ipv4(addr, &a)) return fail(e, Status::FWP_TYPE_MISMATCH, "'" + std::string(addr) + "' is not an IPv4 address");
    *out = slash == std::string_view::npos ? ConditionValue::of_uint(DataType::FWP_UINT32, a)
                                           : ConditionValue::of_v4_prefix(a, static_cast<unsigned>(prefix));
  }
  return true;
}

bool parse_mac(std::string_view text, ByteArray6* out) {
  if (text.size() != 17) return false;
  for (int i = 0; i < 6; ++i) {
    uint64_t b = 0;
    const std::string_view part = text.substr(static_cast<size_t>(i) * 3, 2);
    if (std::from_chars(part.data(), part.data() + 2, b, 16).ec != std::errc{}) return false;
    if (i < 5 && text[static_cast<size_t>(i) * 3 + 2] != ':' && text[static_cast<size_t>(i) * 3 + 2] != '-') {
      return false;
    }
    out->byteArray6[i] = static_cast<uint8_t>(b);
  }
  return true;
}

// One scalar value (not a range) from JSON.
bool parse_single(const json& j, const LayerInfo& layer, uint16_t index, ConditionValue* out, ValueError* e) {
  const FieldKind kind = field_info(layer.field_at(index)).kind;
  const DataType type = layer.data_type(index);
  if (kind == FieldKind::TOKEN_ACCESS_INFORMATION || kind == FieldKind::TOKEN_INFORMATION) {
    return parse_security_descriptor(j, out, e);
  }
  if (j.is_number_integer() || j.is_number_unsigned()) {
    if (integer_bits(type) == 0) {
      return fail(e, Status::FWP_TYPE_MISMATCH,
                  field_name(layer, index) + " takes " + std::string(data_type_name(type)) + " values, not a number");
    }
    if (j.is_number_integer() && !j.is_number_unsigned()) {
      return fail(e, Status::FWP_OUT_OF_BOUNDS, "negative value for " + field_name(layer, index));
    }
    const uint64_t v = j.get<uint64_t>();
    if (v > type_max(type)) {
      return fail(e, Status::FWP_OUT_OF_BOUNDS,
                  std::to_string(v) + " is out of range for " + field_name(layer, index) + " (" +
                      std::string(data_type_name(type)) + ", at most " + std::to_string(type_max(type)) + ")");
    }
    *out = ConditionValue::of_uint(type, v);
    return true;
  }
  if (j.is_string()) return parse_value_text(j.get<std::string>(), layer, index, out, e);
  return fail(e, Status::FWP_TYPE_MISMATCH,
              "a value for " + field_name(layer, index) + " is a number or a string, not " + std::string(j.type_name()));
}

ScalarValue as_bound(const ConditionValue& v) { return v.scalar; }

}  // namespace

bool parse_value_text(std::string_view text, const LayerInfo& layer, uint16_t index, ConditionValue* out,
                      ValueError* e) {
  const FieldKind kind = field_info(layer.field_at(index)).kind;
  const DataType type = layer.data_type(index);
  switch (kind) {
    case FieldKind::ADDRESS: return parse_address_text(text, layer.isV6, out, e);
    case FieldKind::UINT8:
    case FieldKind::UINT16:
    case FieldKind::UINT32:
    case FieldKind::UINT64: {
      uint64_t v = 0;
      if (!parse_integer_text(text, layer, index, &v, e)) return false;
      *out = ConditionValue::of_uint(type, v);
      return true;
    }
    case FieldKind::BYTE_BLOB:
    case FieldKind::SID: {
      *out = ConditionValue::of_blob(text);
      out->type = type;
      return true;
    }
    case FieldKind::UNICODE_STRING: *out = ConditionValue::of_string(text); return true;
    case FieldKind::BYTE_ARRAY6: {
      ByteArray6 mac;
      if (!parse_mac(text, &mac)) return fail(e, Status::FWP_TYPE_MISMATCH, quoted(text) + " is not a MAC address");
      *out = ConditionValue::of_bytes6(mac);
      return true;
    }
    case FieldKind::TOKEN_ACCESS_INFORMATION:
    case FieldKind::TOKEN_INFORMATION: {
      // "uid:1000,gid:100,gid:27" or "alice" (comma-separated entries)
      json list = json::array();
      size_t start = 0;
      while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        list.push_back(std::string(text.substr(start, comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return parse_security_descriptor(list, out, e);
    }
    default: break;
  }
  return fail(e, Status::FWP_TYPE_MISMATCH,
              field_name(layer, index) + " (" + std::string(field_kind_name(kind)) + ") cannot be set here");
}

bool parse_condition_value(const json& value, const LayerInfo& layer, uint16_t index, bool match_given,
                           MatchType* match, ConditionValue* out, ValueError* e) {
  const DataType type = layer.data_type(index);
  const FieldKind kind = field_info(layer.field_at(index)).kind;
  const bool user_field = kind == FieldKind::TOKEN_ACCESS_INFORMATION || kind == FieldKind::TOKEN_INFORMATION;
  if (value.is_array() && !user_field) {
    if (value.size() != 2) {
      return fail(e, Status::FWP_INVALID_RANGE, "a range is [low, high], with exactly two values");
    }
    if (!match_given) *match = MatchType::FWP_MATCH_RANGE;
    if (*match != MatchType::FWP_MATCH_RANGE) {
      return fail(e, Status::FWP_MATCH_TYPE_MISMATCH,
                  "a [low, high] range needs match RANGE, not " + std::string(match_type_name(*match)));
    }
    ConditionValue low;
    ConditionValue high;
    if (!parse_single(value[0], layer, index, &low, e) || !parse_single(value[1], layer, index, &high, e)) return false;
    if (low.type != type || high.type != type) {
      return fail(e, Status::FWP_TYPE_MISMATCH, "range bounds must be single values (no prefixes)");
    }
    *out = ConditionValue::of_range(as_bound(low), as_bound(high));
  } else {
    if (*match == MatchType::FWP_MATCH_RANGE) {
      return fail(e, Status::FWP_MATCH_TYPE_MISMATCH, "match RANGE needs a [low, high] value");
    }
    if (!parse_single(value, layer, index, out, e)) return false;
  }
  std::string why;
  const Status s = validate_condition(type, *match, *out, &why);
  if (s != Status::SUCCESS) return fail(e, s, why);
  return true;
}

IncomingStore::IncomingStore(const LayerInfo& layer) : layer_(layer), storage_(layer.fields.size()) {
  values_.layerId = layer.id;
  values_.valueCount = static_cast<uint32_t>(storage_.size());
  values_.incomingValue = storage_.data();
}

void IncomingStore::set(uint16_t index, const ConditionValue& v) {
  if (index >= storage_.size()) return;
  Value& out = storage_[index].value;
  const DataType type = layer_.data_type(index);
  switch (type) {
    case DataType::FWP_BYTE_ARRAY16_TYPE:
      arrays_.push_back(v.scalar.array);
      out = Value::bytes16(&arrays_.back());
      return;
    case DataType::FWP_BYTE_BLOB_TYPE:
    case DataType::FWP_SID:
    case DataType::FWP_UNICODE_STRING_TYPE:
    case DataType::FWP_BYTE_ARRAY6_TYPE:
      bytes_.push_back(v.bytes);
      blobs_.push_back(ByteBlob{static_cast<uint32_t>(bytes_.back().size()), bytes_.back().data()});
      if (type == DataType::FWP_BYTE_ARRAY6_TYPE) {
        out = Value::bytes6(reinterpret_cast<const ByteArray6*>(bytes_.back().data()));
      } else {
        out = Value::blob(&blobs_.back());
        out.type = type;
      }
      return;
    case DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE:
    case DataType::FWP_TOKEN_INFORMATION_TYPE: {
      // A token: the first user entry is the uid, the first group entry the
      // primary gid, further groups supplementary.
      TokenAccessInformation t;
      std::vector<uint32_t> groups;
      bool have_gid = false;
      for (const AccessEntry& e : v.securityDescriptor.entries) {
        if (e.kind == AccessEntry::Kind::USER) {
          t.uid = e.id;
        } else if (!have_gid) {
          t.gid = e.id;
          have_gid = true;
        } else {
          groups.push_back(e.id);
        }
      }
      groups_.push_back(std::move(groups));
      t.groupCount = static_cast<uint32_t>(groups_.back().size());
      t.groups = groups_.back().data();
      tokens_.push_back(t);
      out = Value::token(&tokens_.back());
      out.type = type;
      return;
    }
    default: break;
  }
  switch (type) {
    case DataType::FWP_UINT8: out = Value::u8(static_cast<uint8_t>(v.scalar.bits)); return;
    case DataType::FWP_UINT16: out = Value::u16(static_cast<uint16_t>(v.scalar.bits)); return;
    case DataType::FWP_UINT32: out = Value::u32(static_cast<uint32_t>(v.scalar.bits)); return;
    case DataType::FWP_UINT64: out = Value::u64(v.scalar.bits); return;
    default: out = Value{}; return;
  }
}

namespace {

bool valid_utf8(const std::vector<uint8_t>& bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const uint8_t b = bytes[i];
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > bytes.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// One scalar (a range bound or a single value) in the policy form.
bool format_scalar_json(const ScalarValue& v, FieldKind kind, bool v6, json* out, ValueError* e) {
  if (kind == FieldKind::ADDRESS) {
    if (v6) {
      if (v.type != DataType::FWP_BYTE_ARRAY16_TYPE) return fail(e, Status::FWP_TYPE_MISMATCH, "not an IPv6 address");
      *out = format_ipv6(v.array);
    } else {
      if (v.type != DataType::FWP_UINT32) return fail(e, Status::FWP_TYPE_MISMATCH, "not an IPv4 address");
      *out = format_ipv4(static_cast<uint32_t>(v.bits));
    }
    return true;
  }
  if (integer_bits(v.type) == 0) return fail(e, Status::FWP_TYPE_MISMATCH, "not a number");
  *out = v.bits;
  return true;
}

// Whether a condition value of `type` is one a policy writes for a field of `kind`.
bool written_for(FieldKind kind, DataType type, bool v6) {
  if (type == DataType::FWP_RANGE_TYPE) {
    return kind == FieldKind::ADDRESS || kind == FieldKind::UINT8 || kind == FieldKind::UINT16 ||
           kind == FieldKind::UINT32 || kind == FieldKind::UINT64;
  }
  switch (kind) {
    case FieldKind::ADDRESS:
      return v6 ? type == DataType::FWP_BYTE_ARRAY16_TYPE || type == DataType::FWP_V6_ADDR_MASK
                : type == DataType::FWP_UINT32 || type == DataType::FWP_V4_ADDR_MASK;
    case FieldKind::UINT8:
    case FieldKind::UINT16:
    case FieldKind::UINT32:
    case FieldKind::UINT64: return integer_bits(type) > 0;
    case FieldKind::BYTE_BLOB:
    case FieldKind::SID:
    case FieldKind::UNICODE_STRING:
      return type == DataType::FWP_BYTE_BLOB_TYPE || type == DataType::FWP_SID ||
             type == DataType::FWP_UNICODE_STRING_TYPE;
    case FieldKind::BYTE_ARRAY6: return type == DataType::FWP_BYTE_ARRAY6_TYPE;
    case FieldKind::TOKEN_ACCESS_INFORMATION:
    case FieldKind::TOKEN_INFORMATION: return type == DataType::FWP_SECURITY_DESCRIPTOR_TYPE;
    default: return false;
  }
}

}  // namespace

bool format_condition_value(const ConditionValue& c, const LayerInfo& layer, uint16_t index, json* out,
                            ValueError* e) {
  const FieldKind kind = field_info(layer.field_at(index)).kind;
  if (!written_for(kind, c.type, layer.isV6)) {
    return fail(e, Status::FWP_TYPE_MISMATCH,
                field_name(layer, index) + " takes no " + std::string(data_type_name(c.type)) + " value in a policy");
  }
  switch (c.type) {
    case DataType::FWP_RANGE_TYPE: {
      json low, high;
      if (!format_scalar_json(c.scalar, kind, layer.isV6, &low, e)) return false;
      if (!format_scalar_json(c.high, kind, layer.isV6, &high, e)) return false;
      *out = json::array({low, high});
      return true;
    }
    case DataType::FWP_V4_ADDR_MASK: {
      unsigned length = 0;
      while (length < 32 && (c.v4Mask & (0x80000000u >> length)) != 0) ++length;
      const uint32_t contiguous = length == 0 ? 0 : ~uint32_t{0} << (32 - length);
      if (c.v4Mask != contiguous) return fail(e, Status::FWP_INVALID_NET_MASK, "a mask that is not a prefix");
      *out = format_ipv4(c.v4Address) + "/" + std::to_string(length);
      return true;
    }
    case DataType::FWP_V6_ADDR_MASK:
      *out = format_ipv6(c.v6Address) + "/" + std::to_string(c.v6PrefixLength);
      return true;
    case DataType::FWP_BYTE_BLOB_TYPE:
    case DataType::FWP_SID:
    case DataType::FWP_UNICODE_STRING_TYPE:
      if (!valid_utf8(c.bytes)) return fail(e, Status::FWP_TYPE_MISMATCH, "bytes that are not UTF-8 text");
      *out = std::string(c.bytes.begin(), c.bytes.end());
      return true;
    case DataType::FWP_BYTE_ARRAY6_TYPE: {
      if (c.bytes.size() != 6) return fail(e, Status::FWP_TYPE_MISMATCH, "a MAC address is 6 bytes");
      char text[18];
      std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", c.bytes[0], c.bytes[1], c.bytes[2],
                    c.bytes[3], c.bytes[4], c.bytes[5]);
      *out = std::string(text);
      return true;
    }
    case DataType::FWP_SECURITY_DESCRIPTOR_TYPE: {
      json list = json::array();
      for (const AccessEntry& entry : c.securityDescriptor.entries) {
        list.push_back(std::string(entry.allow ? "" : "!") + (entry.kind == AccessEntry::Kind::USER ? "uid:" : "gid:") +
                       std::to_string(entry.id));
      }
      *out = std::move(list);
      return true;
    }
    default:
      return format_scalar_json(c.scalar, kind, layer.isV6, out, e);
  }
}

}  // namespace openwfp::policy
