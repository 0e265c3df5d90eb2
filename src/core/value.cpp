#include "openwfp/value.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace openwfp {

std::string_view data_type_name(DataType type) noexcept {
  switch (type) {
    case DataType::FWP_EMPTY: return "FWP_EMPTY";
    case DataType::FWP_UINT8: return "FWP_UINT8";
    case DataType::FWP_UINT16: return "FWP_UINT16";
    case DataType::FWP_UINT32: return "FWP_UINT32";
    case DataType::FWP_UINT64: return "FWP_UINT64";
    case DataType::FWP_INT8: return "FWP_INT8";
    case DataType::FWP_INT16: return "FWP_INT16";
    case DataType::FWP_INT32: return "FWP_INT32";
    case DataType::FWP_INT64: return "FWP_INT64";
    case DataType::FWP_FLOAT: return "FWP_FLOAT";
    case DataType::FWP_DOUBLE: return "FWP_DOUBLE";
    case DataType::FWP_BYTE_ARRAY16_TYPE: return "FWP_BYTE_ARRAY16_TYPE";
    case DataType::FWP_BYTE_BLOB_TYPE: return "FWP_BYTE_BLOB_TYPE";
    case DataType::FWP_SID: return "FWP_SID";
    case DataType::FWP_SECURITY_DESCRIPTOR_TYPE: return "FWP_SECURITY_DESCRIPTOR_TYPE";
    case DataType::FWP_TOKEN_INFORMATION_TYPE: return "FWP_TOKEN_INFORMATION_TYPE";
    case DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE: return "FWP_TOKEN_ACCESS_INFORMATION_TYPE";
    case DataType::FWP_UNICODE_STRING_TYPE: return "FWP_UNICODE_STRING_TYPE";
    case DataType::FWP_BYTE_ARRAY6_TYPE: return "FWP_BYTE_ARRAY6_TYPE";
    case DataType::FWP_BITMAP_INDEX_TYPE: return "FWP_BITMAP_INDEX_TYPE";
    case DataType::FWP_BITMAP_ARRAY64_TYPE: return "FWP_BITMAP_ARRAY64_TYPE";
    case DataType::FWP_SINGLE_DATA_TYPE_MAX: return "FWP_SINGLE_DATA_TYPE_MAX";
    case DataType::FWP_V4_ADDR_MASK: return "FWP_V4_ADDR_MASK";
    case DataType::FWP_V6_ADDR_MASK: return "FWP_V6_ADDR_MASK";
    case DataType::FWP_RANGE_TYPE: return "FWP_RANGE_TYPE";
  }
  return "FWP_UNKNOWN";
}

namespace {
constexpr std::pair<MatchType, std::string_view> kMatchNames[] = {
    {MatchType::FWP_MATCH_EQUAL, "EQUAL"},
    {MatchType::FWP_MATCH_GREATER, "GREATER"},
    {MatchType::FWP_MATCH_LESS, "LESS"},
    {MatchType::FWP_MATCH_GREATER_OR_EQUAL, "GREATER_OR_EQUAL"},
    {MatchType::FWP_MATCH_LESS_OR_EQUAL, "LESS_OR_EQUAL"},
    {MatchType::FWP_MATCH_RANGE, "RANGE"},
    {MatchType::FWP_MATCH_FLAGS_ALL_SET, "FLAGS_ALL_SET"},
    {MatchType::FWP_MATCH_FLAGS_ANY_SET, "FLAGS_ANY_SET"},
    {MatchType::FWP_MATCH_FLAGS_NONE_SET, "FLAGS_NONE_SET"},
    {MatchType::FWP_MATCH_EQUAL_CASE_INSENSITIVE, "EQUAL_CASE_INSENSITIVE"},
    {MatchType::FWP_MATCH_NOT_EQUAL, "NOT_EQUAL"},
    {MatchType::FWP_MATCH_PREFIX, "PREFIX"},
    {MatchType::FWP_MATCH_NOT_PREFIX, "NOT_PREFIX"},
};
}  // namespace

std::string_view match_type_name(MatchType type) noexcept {
  for (const auto& [t, name] : kMatchNames) {
    if (t == type) return name;
  }
  return "UNKNOWN";
}

bool parse_match_type(std::string_view name, MatchType* out) noexcept {
  if (name.starts_with("FWP_MATCH_")) name.remove_prefix(10);
  for (const auto& [t, n] : kMatchNames) {
    if (n == name) {
      *out = t;
      return true;
    }
  }
  return false;
}

bool SecurityDescriptor::grants(const TokenAccessInformation& token) const noexcept {
  auto names = [&token](const AccessEntry& e) {
    if (e.kind == AccessEntry::Kind::USER) return e.id == token.uid;
    if (e.id == token.gid) return true;
    for (uint32_t i = 0; i < token.groupCount; ++i) {
      if (token.groups[i] == e.id) return true;
    }
    return false;
  };
  bool allowed = false;
  for (const AccessEntry& e : entries) {
    if (!names(e)) continue;
    if (!e.allow) return false;  // a deny entry always wins
    allowed = true;
  }
  return allowed;
}

bool operator==(const ScalarValue& a, const ScalarValue& b) noexcept {
  return a.type == b.type && a.bits == b.bits &&
         std::memcmp(a.array.byteArray16, b.array.byteArray16, 16) == 0;
}

unsigned integer_bits(DataType type) noexcept {
  switch (type) {
    case DataType::FWP_UINT8:
    case DataType::FWP_INT8: return 8;
    case DataType::FWP_UINT16:
    case DataType::FWP_INT16: return 16;
    case DataType::FWP_UINT32:
    case DataType::FWP_INT32: return 32;
    case DataType::FWP_UINT64:
    case DataType::FWP_INT64: return 64;
    default: return 0;
  }
}

bool is_signed_integer(DataType type) noexcept {
  return type == DataType::FWP_INT8 || type == DataType::FWP_INT16 || type == DataType::FWP_INT32 ||
         type == DataType::FWP_INT64;
}

ScalarValue scalar_uint(DataType type, uint64_t v) {
  ScalarValue s;
  s.type = type;
  s.bits = v;
  return s;
}

ScalarValue scalar_bytes16(const ByteArray16& v) {
  ScalarValue s;
  s.type = DataType::FWP_BYTE_ARRAY16_TYPE;
  s.array = v;
  return s;
}

ConditionValue ConditionValue::of_uint(DataType type, uint64_t v) {
  ConditionValue c;
  c.type = type;
  c.scalar = scalar_uint(type, v);
  return c;
}

ConditionValue ConditionValue::of_int(DataType type, int64_t v) {
  return of_uint(type, static_cast<uint64_t>(v));
}

ConditionValue ConditionValue::of_bytes16(const ByteArray16& v) {
  ConditionValue c;
  c.type = DataType::FWP_BYTE_ARRAY16_TYPE;
  c.scalar = scalar_bytes16(v);
  return c;
}

ConditionValue ConditionValue::of_v4_mask(uint32_t address, uint32_t mask) {
  ConditionValue c;
  c.type = DataType::FWP_V4_ADDR_MASK;
  c.v4Address = address;
  c.v4Mask = mask;
  return c;
}

ConditionValue ConditionValue::of_v4_prefix(uint32_t address, unsigned prefix_length) {
  const uint32_t mask = prefix_length == 0 ? 0u : ~uint32_t{0} << (32 - std::min(prefix_length, 32u));
  return of_v4_mask(address, mask);
}

ConditionValue ConditionValue::of_v6_prefix(const ByteArray16& address, uint8_t prefix_length) {
  ConditionValue c;
  c.type = DataType::FWP_V6_ADDR_MASK;
  c.v6Address = address;
  c.v6PrefixLength = prefix_length;
  return c;
}

ConditionValue ConditionValue::of_range(const ScalarValue& low, const ScalarValue& high) {
  ConditionValue c;
  c.type = DataType::FWP_RANGE_TYPE;
  c.scalar = low;
  c.high = high;
  return c;
}

ConditionValue ConditionValue::of_blob(std::string_view bytes) {
  ConditionValue c;
  c.type = DataType::FWP_BYTE_BLOB_TYPE;
  c.bytes.assign(bytes.begin(), bytes.end());
  return c;
}

ConditionValue ConditionValue::of_string(std::string_view utf8) {
  ConditionValue c = of_blob(utf8);
  c.type = DataType::FWP_UNICODE_STRING_TYPE;
  return c;
}

ConditionValue ConditionValue::of_bytes6(const ByteArray6& v) {
  ConditionValue c;
  c.type = DataType::FWP_BYTE_ARRAY6_TYPE;
  c.bytes.assign(v.byteArray6, v.byteArray6 + 6);
  return c;
}

ConditionValue ConditionValue::of_security_descriptor(SecurityDescriptor sd) {
  ConditionValue c;
  c.type = DataType::FWP_SECURITY_DESCRIPTOR_TYPE;
  c.securityDescriptor = std::move(sd);
  return c;
}

namespace {

// Integer bits of an incoming value, sign-extended for signed types.
bool incoming_integer(const Value& v, uint64_t* bits) noexcept {
  switch (v.type) {
    case DataType::FWP_UINT8: *bits = v.uint8; return true;
    case DataType::FWP_UINT16: *bits = v.uint16; return true;
    case DataType::FWP_UINT32: *bits = v.uint32; return true;
    case DataType::FWP_UINT64: *bits = v.uint64; return true;
    case DataType::FWP_INT8: *bits = static_cast<uint64_t>(int64_t{v.int8}); return true;
    case DataType::FWP_INT16: *bits = static_cast<uint64_t>(int64_t{v.int16}); return true;
    case DataType::FWP_INT32: *bits = static_cast<uint64_t>(int64_t{v.int32}); return true;
    case DataType::FWP_INT64: *bits = static_cast<uint64_t>(v.int64); return true;
    default: return false;
  }
}

// Three-way comparison of two integers of the same type.
int compare_integer(DataType type, uint64_t a, uint64_t b) noexcept {
  if (is_signed_integer(type)) {
    const auto sa = static_cast<int64_t>(a);
    const auto sb = static_cast<int64_t>(b);
    return sa < sb ? -1 : (sa > sb ? 1 : 0);
  }
  return a < b ? -1 : (a > b ? 1 : 0);
}

// The stored bits of a condition integer, sign-extended like incoming ones.
uint64_t condition_bits(const ScalarValue& s) noexcept {
  switch (s.type) {
    case DataType::FWP_INT8: return static_cast<uint64_t>(int64_t{static_cast<int8_t>(s.bits)});
    case DataType::FWP_INT16: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(s.bits)});
    case DataType::FWP_INT32: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(s.bits)});
    default: return s.bits;
  }
}

bool ordered_result(MatchType match, int cmp, bool* result) noexcept {
  switch (match) {
    case MatchType::FWP_MATCH_EQUAL: *result = cmp == 0; return true;
    case MatchType::FWP_MATCH_NOT_EQUAL: *result = cmp != 0; return true;
    case MatchType::FWP_MATCH_GREATER: *result = cmp > 0; return true;
    case MatchType::FWP_MATCH_LESS: *result = cmp < 0; return true;
    case MatchType::FWP_MATCH_GREATER_OR_EQUAL: *result = cmp >= 0; return true;
    case MatchType::FWP_MATCH_LESS_OR_EQUAL: *result = cmp <= 0; return true;
    default: return false;
  }
}

bool prefix_equal(const uint8_t* a, const uint8_t* b, unsigned prefix_bits) noexcept {
  const unsigned full = prefix_bits / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  const unsigned rest = prefix_bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF00u >> rest);
  return (a[full] & mask) == (b[full] & mask);
}

char ascii_lower(uint8_t c) noexcept {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

bool match_bytes(const ByteBlob& in, MatchType match, const std::vector<uint8_t>& cond) noexcept {
  const size_t n = cond.size();
  const bool equal = in.size == n && (n == 0 || std::memcmp(in.data, cond.data(), n) == 0);
  switch (match) {
    case MatchType::FWP_MATCH_EQUAL: return equal;
    case MatchType::FWP_MATCH_NOT_EQUAL: return !equal;
    case MatchType::FWP_MATCH_PREFIX:
      return in.size >= n && (n == 0 || std::memcmp(in.data, cond.data(), n) == 0);
    case MatchType::FWP_MATCH_NOT_PREFIX:
      return !(in.size >= n && (n == 0 || std::memcmp(in.data, cond.data(), n) == 0));
    case MatchType::FWP_MATCH_EQUAL_CASE_INSENSITIVE: {
      if (in.size != n) return false;
      for (size_t i = 0; i < n; ++i) {
        if (ascii_lower(in.data[i]) != ascii_lower(cond[i])) return false;
      }
      return true;
    }
    default: return false;
  }
}

int compare_scalar(const Value& in, const ScalarValue& bound, bool* ok) noexcept {
  *ok = false;
  if (bound.type == DataType::FWP_BYTE_ARRAY16_TYPE) {
    if (in.type != DataType::FWP_BYTE_ARRAY16_TYPE || in.byteArray16 == nullptr) return 0;
    *ok = true;
    return std::memcmp(in.byteArray16->byteArray16, bound.array.byteArray16, 16);
  }
  uint64_t bits = 0;
  if (in.type != bound.type || !incoming_integer(in, &bits)) return 0;
  *ok = true;
  return compare_integer(in.type, bits, condition_bits(bound));
}

}  // namespace

bool match_condition(const Value& in, MatchType match, const ConditionValue& c) noexcept {
  if (in.type == DataType::FWP_EMPTY) return false;
  switch (c.type) {
    case DataType::FWP_V4_ADDR_MASK: {
      if (in.type != DataType::FWP_UINT32) return false;
      const bool eq = (in.uint32 & c.v4Mask) == (c.v4Address & c.v4Mask);
      if (match == MatchType::FWP_MATCH_EQUAL) return eq;
      if (match == MatchType::FWP_MATCH_NOT_EQUAL) return !eq;
      return false;
    }
    case DataType::FWP_V6_ADDR_MASK: {
      if (in.type != DataType::FWP_BYTE_ARRAY16_TYPE || in.byteArray16 == nullptr) return false;
      const bool eq = prefix_equal(in.byteArray16->byteArray16, c.v6Address.byteArray16,
                                   std::min<unsigned>(c.v6PrefixLength, 128));
      if (match == MatchType::FWP_MATCH_EQUAL) return eq;
      if (match == MatchType::FWP_MATCH_NOT_EQUAL) return !eq;
      return false;
    }
    case DataType::FWP_RANGE_TYPE: {
      if (match != MatchType::FWP_MATCH_RANGE) return false;
      bool ok_low = false;
      bool ok_high = false;
      const int lo = compare_scalar(in, c.scalar, &ok_low);
      const int hi = compare_scalar(in, c.high, &ok_high);
      return ok_low && ok_high && lo >= 0 && hi <= 0;
    }
    case DataType::FWP_BYTE_ARRAY16_TYPE: {
      bool ok = false;
      const int cmp = compare_scalar(in, c.scalar, &ok);
      bool result = false;
      return ok && ordered_result(match, cmp, &result) && result;
    }
    case DataType::FWP_BYTE_BLOB_TYPE:
    case DataType::FWP_UNICODE_STRING_TYPE:
    case DataType::FWP_SID: {
      if (in.type != DataType::FWP_BYTE_BLOB_TYPE && in.type != DataType::FWP_UNICODE_STRING_TYPE &&
          in.type != DataType::FWP_SID) {
        return false;
      }
      if (in.byteBlob == nullptr) return false;
      return match_bytes(*in.byteBlob, match, c.bytes);
    }
    case DataType::FWP_BYTE_ARRAY6_TYPE: {
      if (in.type != DataType::FWP_BYTE_ARRAY6_TYPE || in.byteArray6 == nullptr || c.bytes.size() != 6) {
        return false;
      }
      const bool eq = std::memcmp(in.byteArray6->byteArray6, c.bytes.data(), 6) == 0;
      if (match == MatchType::FWP_MATCH_EQUAL) return eq;
      if (match == MatchType::FWP_MATCH_NOT_EQUAL) return !eq;
      return false;
    }
    case DataType::FWP_SECURITY_DESCRIPTOR_TYPE: {
      if (in.type != DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE || in.tokenAccessInformation == nullptr) {
        return false;
      }
      const bool granted = c.securityDescriptor.grants(*in.tokenAccessInformation);
      if (match == MatchType::FWP_MATCH_EQUAL) return granted;
      if (match == MatchType::FWP_MATCH_NOT_EQUAL) return !granted;
      return false;
    }
    default: break;
  }
  if (integer_bits(c.type) == 0) return false;
  uint64_t bits = 0;
  if (in.type != c.type || !incoming_integer(in, &bits)) return false;
  const uint64_t cond = condition_bits(c.scalar);
  switch (match) {
    case MatchType::FWP_MATCH_FLAGS_ALL_SET: return (bits & cond) == cond;
    case MatchType::FWP_MATCH_FLAGS_ANY_SET: return (bits & cond) != 0;
    case MatchType::FWP_MATCH_FLAGS_NONE_SET: return (bits & cond) == 0;
    default: break;
  }
  bool result = false;
  return ordered_result(match, compare_integer(c.type, bits, cond), &result) && result;
}

namespace {

bool is_ordered_match(MatchType m) noexcept {
  return m == MatchType::FWP_MATCH_EQUAL || m == MatchType::FWP_MATCH_NOT_EQUAL ||
         m == MatchType::FWP_MATCH_GREATER || m == MatchType::FWP_MATCH_LESS ||
         m == MatchType::FWP_MATCH_GREATER_OR_EQUAL || m == MatchType::FWP_MATCH_LESS_OR_EQUAL;
}

bool is_flags_match(MatchType m) noexcept {
  return m == MatchType::FWP_MATCH_FLAGS_ALL_SET || m == MatchType::FWP_MATCH_FLAGS_ANY_SET ||
         m == MatchType::FWP_MATCH_FLAGS_NONE_SET;
}

bool is_equality_match(MatchType m) noexcept {
  return m == MatchType::FWP_MATCH_EQUAL || m == MatchType::FWP_MATCH_NOT_EQUAL;
}

bool is_bytes_match(MatchType m) noexcept {
  return is_equality_match(m) || m == MatchType::FWP_MATCH_PREFIX || m == MatchType::FWP_MATCH_NOT_PREFIX ||
         m == MatchType::FWP_MATCH_EQUAL_CASE_INSENSITIVE;
}

Status fail(std::string* why, Status s, std::string text) {
  if (why != nullptr) *why = std::move(text);
  return s;
}

std::string type_text(DataType t) { return std::string(data_type_name(t)); }

bool fits_integer(DataType type, uint64_t bits) noexcept {
  const unsigned width = integer_bits(type);
  if (width == 64) return true;
  if (is_signed_integer(type)) {
    const auto v = static_cast<int64_t>(bits);
    const int64_t lim = int64_t{1} << (width - 1);
    return v >= -lim && v < lim;
  }
  return bits < (uint64_t{1} << width);
}

}  // namespace

Status validate_condition(DataType field, MatchType match, const ConditionValue& c, std::string* why) {
  const std::string mname(match_type_name(match));
  const bool field_is_int = integer_bits(field) != 0;
  const bool field_is_bytes = field == DataType::FWP_BYTE_BLOB_TYPE || field == DataType::FWP_UNICODE_STRING_TYPE ||
                              field == DataType::FWP_SID;
  if (match == MatchType::FWP_MATCH_RANGE && c.type != DataType::FWP_RANGE_TYPE) {
    return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, "match RANGE needs a range value [low, high]");
  }
  switch (c.type) {
    case DataType::FWP_RANGE_TYPE: {
      if (match != MatchType::FWP_MATCH_RANGE) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, "a range value needs match RANGE, not " + mname);
      }
      if (c.scalar.type != field || c.high.type != field ||
          !(field_is_int || field == DataType::FWP_BYTE_ARRAY16_TYPE)) {
        return fail(why, Status::FWP_TYPE_MISMATCH,
                    "range bounds must be of the field's type " + type_text(field));
      }
      if (field_is_int) {
        if (!fits_integer(field, c.scalar.bits) || !fits_integer(field, c.high.bits)) {
          return fail(why, Status::FWP_OUT_OF_BOUNDS, "range bound out of range for " + type_text(field));
        }
        if (compare_integer(field, condition_bits(c.scalar), condition_bits(c.high)) > 0) {
          return fail(why, Status::FWP_INVALID_RANGE, "empty range: low bound is greater than high bound");
        }
      } else if (std::memcmp(c.scalar.array.byteArray16, c.high.array.byteArray16, 16) > 0) {
        return fail(why, Status::FWP_INVALID_RANGE, "empty range: low address is greater than high address");
      }
      return Status::SUCCESS;
    }
    case DataType::FWP_V4_ADDR_MASK: {
      if (field != DataType::FWP_UINT32) {
        return fail(why, Status::FWP_TYPE_MISMATCH, "an IPv4 address and mask fits only an IPv4 address field");
      }
      if (!is_equality_match(match)) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH,
                    "an address with a mask takes EQUAL or NOT_EQUAL, not " + mname);
      }
      const uint32_t inverted = ~c.v4Mask;
      if ((inverted & (inverted + 1)) != 0) {
        return fail(why, Status::FWP_INVALID_NET_MASK, "the IPv4 mask is not contiguous");
      }
      return Status::SUCCESS;
    }
    case DataType::FWP_V6_ADDR_MASK: {
      if (field != DataType::FWP_BYTE_ARRAY16_TYPE) {
        return fail(why, Status::FWP_TYPE_MISMATCH, "an IPv6 prefix fits only an IPv6 address field");
      }
      if (!is_equality_match(match)) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, "an IPv6 prefix takes EQUAL or NOT_EQUAL, not " + mname);
      }
      if (c.v6PrefixLength > 128) {
        return fail(why, Status::FWP_INVALID_NET_MASK, "IPv6 prefix length is over 128");
      }
      return Status::SUCCESS;
    }
    case DataType::FWP_BYTE_ARRAY16_TYPE:
      if (field != DataType::FWP_BYTE_ARRAY16_TYPE) break;
      if (!is_ordered_match(match)) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, "an IPv6 address does not take " + mname);
      }
      return Status::SUCCESS;
    case DataType::FWP_BYTE_BLOB_TYPE:
    case DataType::FWP_UNICODE_STRING_TYPE:
    case DataType::FWP_SID:
      if (!field_is_bytes) break;
      if (!is_bytes_match(match)) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH,
                    "a byte string takes EQUAL, NOT_EQUAL, PREFIX, NOT_PREFIX or EQUAL_CASE_INSENSITIVE, not " +
                        mname);
      }
      return Status::SUCCESS;
    case DataType::FWP_BYTE_ARRAY6_TYPE:
      if (field != DataType::FWP_BYTE_ARRAY6_TYPE) break;
      if (!is_equality_match(match)) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, "a MAC address takes EQUAL or NOT_EQUAL, not " + mname);
      }
      if (c.bytes.size() != 6) return fail(why, Status::FWP_TYPE_MISMATCH, "a MAC address has 6 bytes");
      return Status::SUCCESS;
    case DataType::FWP_SECURITY_DESCRIPTOR_TYPE:
      if (field != DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE && field != DataType::FWP_TOKEN_INFORMATION_TYPE) {
        break;
      }
      if (!is_equality_match(match)) {
        return fail(why, Status::FWP_MATCH_TYPE_MISMATCH,
                    "a user/group list takes EQUAL (access granted) or NOT_EQUAL, not " + mname);
      }
      if (c.securityDescriptor.entries.empty()) {
        return fail(why, Status::FWP_ZERO_LENGTH_ARRAY, "the user/group list is empty");
      }
      return Status::SUCCESS;
    default:
      if (integer_bits(c.type) == 0) break;
      if (c.type != field) break;
      if (!fits_integer(field, c.scalar.bits)) {
        return fail(why, Status::FWP_OUT_OF_BOUNDS, "value out of range for " + type_text(field));
      }
      if (is_ordered_match(match)) return Status::SUCCESS;
      if (is_flags_match(match)) {
        if (is_signed_integer(field)) {
          return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, mname + " needs an unsigned field");
        }
        return Status::SUCCESS;
      }
      return fail(why, Status::FWP_MATCH_TYPE_MISMATCH, "a number does not take " + mname);
  }
  return fail(why, Status::FWP_TYPE_MISMATCH,
              "a value of type " + type_text(c.type) + " does not fit a field of type " + type_text(field));
}

bool parse_ipv4(std::string_view text, uint32_t* host_order) noexcept {
  char buf[INET_ADDRSTRLEN] = {};
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  in_addr a{};
  if (inet_pton(AF_INET, buf, &a) != 1) return false;
  *host_order = ntohl(a.s_addr);
  return true;
}

bool parse_ipv6(std::string_view text, ByteArray16* out) noexcept {
  char buf[INET6_ADDRSTRLEN + 1] = {};
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  in6_addr a{};
  if (inet_pton(AF_INET6, buf, &a) != 1) return false;
  std::memcpy(out->byteArray16, &a, 16);
  return true;
}

std::string format_ipv4(uint32_t host_order) {
  in_addr a{};
  a.s_addr = htonl(host_order);
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::string format_ipv6(const ByteArray16& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, address.byteArray16, buf, sizeof buf);
  return buf;
}

namespace {

std::string format_int(DataType type, uint64_t bits) {
  if (is_signed_integer(type)) return std::to_string(static_cast<int64_t>(bits));
  return std::to_string(bits);
}

std::string format_scalar(const ScalarValue& s, bool address_field) {
  if (s.type == DataType::FWP_BYTE_ARRAY16_TYPE) return format_ipv6(s.array);
  if (address_field && s.type == DataType::FWP_UINT32) return format_ipv4(static_cast<uint32_t>(s.bits));
  return format_int(s.type, condition_bits(s));
}

std::string format_bytes(const uint8_t* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    const auto c = static_cast<char>(data[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[data[i] >> 4]);
      out.push_back(kHex[data[i] & 0xF]);
    }
  }
  return out;
}

std::string format_mac(const uint8_t* b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 6; ++i) {
    if (i) out.push_back(':');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string format_value(const Value& v, bool address_field) {
  uint64_t bits = 0;
  if (incoming_integer(v, &bits)) {
    if (address_field && v.type == DataType::FWP_UINT32) return format_ipv4(v.uint32);
    return format_int(v.type, bits);
  }
  switch (v.type) {
    case DataType::FWP_EMPTY: return "(absent)";
    case DataType::FWP_BYTE_ARRAY16_TYPE: return v.byteArray16 ? format_ipv6(*v.byteArray16) : "(null)";
    case DataType::FWP_BYTE_BLOB_TYPE:
    case DataType::FWP_UNICODE_STRING_TYPE:
    case DataType::FWP_SID:
      return v.byteBlob ? format_bytes(v.byteBlob->data, v.byteBlob->size) : "(null)";
    case DataType::FWP_BYTE_ARRAY6_TYPE: return v.byteArray6 ? format_mac(v.byteArray6->byteArray6) : "(null)";
    case DataType::FWP_TOKEN_ACCESS_INFORMATION_TYPE: {
      if (v.tokenAccessInformation == nullptr) return "(null)";
      const auto& t = *v.tokenAccessInformation;
      std::string s = "uid " + std::to_string(t.uid) + " gid " + std::to_string(t.gid);
      for (uint32_t i = 0; i < t.groupCount; ++i) {
        s += ',';
        s += std::to_string(t.groups[i]);
      }
      return s;
    }
    default: return std::string(data_type_name(v.type));
  }
}

std::string format_condition_value(const ConditionValue& c, bool address_field) {
  switch (c.type) {
    case DataType::FWP_V4_ADDR_MASK: {
      unsigned len = 0;
      for (uint32_t m = c.v4Mask; m & 0x80000000u; m <<= 1) ++len;
      return format_ipv4(c.v4Address) + "/" + std::to_string(len);
    }
    case DataType::FWP_V6_ADDR_MASK:
      return format_ipv6(c.v6Address) + "/" + std::to_string(c.v6PrefixLength);
    case DataType::FWP_RANGE_TYPE:
    {
      std::string s = "[";
      s += format_scalar(c.scalar, address_field);
      s += ", ";
      s += format_scalar(c.high, address_field);
      s += ']';
      return s;
    }
    case DataType::FWP_BYTE_BLOB_TYPE:
    case DataType::FWP_UNICODE_STRING_TYPE:
    case DataType::FWP_SID:
    {
      std::string s = "\"";
      s += format_bytes(c.bytes.data(), c.bytes.size());
      s += '"';
      return s;
    }
    case DataType::FWP_BYTE_ARRAY6_TYPE:
      return c.bytes.size() == 6 ? format_mac(c.bytes.data()) : "(bad MAC)";
    case DataType::FWP_SECURITY_DESCRIPTOR_TYPE: {
      std::string s;
      for (const auto& e : c.securityDescriptor.entries) {
        if (!s.empty()) s += ",";
        s += e.allow ? "" : "!";
        s += e.kind == AccessEntry::Kind::USER ? "uid:" : "gid:";
        s += std::to_string(e.id);
      }
      return s;
    }
    default: return format_scalar(c.scalar, address_field);
  }
}

}  // namespace openwfp
