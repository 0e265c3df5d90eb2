// The meta table: key/value text shared by the store (schema version,
// commit sequence, dropped events) and its user. These run inside the
// caller's transaction when there is one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/sqlite_handle.hpp"

namespace openwfp::store {

Status read_meta(sqlite3* db, std::string_view key, std::optional<std::string>* value, std::string* error);
Status write_meta(sqlite3* db, std::string_view key, std::string_view value, std::string* error);

// A counter kept as decimal text; a missing key reads as 0.
Status read_meta_counter(sqlite3* db, std::string_view key, uint64_t* value, std::string* error);

}  // namespace openwfp::store
