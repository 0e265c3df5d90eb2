// The store's schema: an ordered list of migrations, each bringing the file
// from the previous version to its own. Version 0 is an empty SQLite file.
// To change the schema, append one entry to the list in schema.cpp; files
// written by older builds are migrated when opened, and a build refuses a
// file whose version is newer than its own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/sqlite_handle.hpp"

namespace openwfp::store {

struct Migration {
  int version;      // the version the file has after this step
  const char* sql;  // constant SQL run in the migration's transaction
};

// Marks a file as an openwfp store (PRAGMA application_id, "OWFP").
inline constexpr int32_t kApplicationId = 0x4F574650;

// Keys of the meta table that belong to the store itself.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
inline constexpr std::string_view kCommitSequenceKey = "commit_sequence";
inline constexpr std::string_view kEventsDroppedKey = "events_dropped";
bool is_reserved_meta_key(std::string_view key) noexcept;

// The object kinds, in the order in which they depend on each other.
inline constexpr std::string_view kObjectKinds[] = {"provider", "sublayer", "callout", "filter"};
bool is_object_kind(std::string_view kind) noexcept;

// This build's migrations, versions 1..schema_version().
std::span<const Migration> migrations() noexcept;
// The version this build writes.
int schema_version() noexcept;

// Reads the version of an open file without writing: 0 for an empty file.
// A file of another application fails with INVALID_PARAMETER.
Status read_schema_version(sqlite3* db, int* version, std::string* error);

// Brings the file to the last step's version, running the steps it lacks in
// order in one transaction: a failing step leaves the file as it was. A file
// newer than the last step fails with NOT_SUPPORTED and a message naming
// both versions. Steps must be numbered 1, 2, ... in order.
Status migrate(sqlite3* db, std::span<const Migration> steps, std::string* error);

}  // namespace openwfp::store
