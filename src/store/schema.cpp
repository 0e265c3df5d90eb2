#include "store/schema.hpp"

#include <algorithm>
#include <charconv>

#include "store/meta.hpp"

namespace openwfp::store {
namespace {

// Version 1. Objects are opaque JSON keyed by (kind, key); the engine id
// and layer are columns so that they can be indexed and checked.
constexpr const char* kVersion1 = R"sql(
PRAGMA application_id = 1331119696;

CREATE TABLE meta (
  key   TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
  value TEXT NOT NULL
) WITHOUT ROWID;

-- The rank orders loading: providers before the sublayers, callouts and
-- filters that name them.
CREATE TABLE object_kinds (
  kind TEXT PRIMARY KEY NOT NULL,
  rank INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
INSERT INTO object_kinds (kind, rank) VALUES ('provider', 0), ('sublayer', 1), ('callout', 2), ('filter', 3);

CREATE TABLE objects (
  kind  TEXT NOT NULL REFERENCES object_kinds (kind),
  key   TEXT NOT NULL CHECK (length(key) = 36),
  id    INTEGER NOT NULL CHECK (id >= 0),
  layer TEXT NOT NULL,
  json  TEXT NOT NULL,
  PRIMARY KEY (kind, key)
);
-- An engine id names one object of its kind (0: the object has none).
CREATE UNIQUE INDEX objects_by_id ON objects (kind, id) WHERE id <> 0;

CREATE TABLE events (
  sequence INTEGER PRIMARY KEY CHECK (sequence > 0),
  time_us  INTEGER NOT NULL,
  type     TEXT NOT NULL CHECK (length(type) > 0),
  json     TEXT NOT NULL
);
)sql";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
};

}  // namespace

bool is_reserved_meta_key(std::string_view key) noexcept {
  return key == kSchemaVersionKey || key == kCommitSequenceKey || key == kEventsDroppedKey;
}

bool is_object_kind(std::string_view kind) noexcept {
  return std::find(std::begin(kObjectKinds), std::end(kObjectKinds), kind) != std::end(kObjectKinds);
}

std::span<const Migration> migrations() noexcept { return kMigrations; }

int schema_version() noexcept { return migrations().back().version; }

Status read_schema_version(sqlite3* db, int* version, std::string* error) {
  *version = 0;
  Statement app;
  if (Status s = Statement::prepare(db, "PRAGMA application_id", &app, error); s != Status::SUCCESS) return s;
  int rc = app.step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "reading the application id", error);
  const int64_t applicationId = app.column_int64(0);

  Statement tables;
  if (Status s = Statement::prepare(db, "SELECT count(*) FROM sqlite_master", &tables, error); s != Status::SUCCESS) {
    return s;
  }
  rc = tables.step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "reading the schema", error);
  const int64_t tableCount = tables.column_int64(0);

  if (applicationId == 0 && tableCount == 0) return Status::SUCCESS;  // a new, empty file
  if (applicationId != kApplicationId) {
    return failure(Status::INVALID_PARAMETER, "the file is an SQLite database of another application", error);
  }
  std::optional<std::string> text;
  if (Status s = read_meta(db, kSchemaVersionKey, &text, error); s != Status::SUCCESS) return s;
  int parsed = 0;
  const char* end = text ? text->data() + text->size() : nullptr;
  if (!text || std::from_chars(text->data(), end, parsed).ptr != end || parsed < 1) {
    return failure(Status::UNSUCCESSFUL, "the store has no valid schema version (damaged file)", error);
  }
  *version = parsed;
  return Status::SUCCESS;
}

Status migrate(sqlite3* db, std::span<const Migration> steps, std::string* error) {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].version != static_cast<int>(i) + 1) {
      return failure(Status::INVALID_PARAMETER, "migrations must be numbered 1, 2, ... in order", error);
    }
  }
  if (steps.empty()) return failure(Status::INVALID_PARAMETER, "no migrations", error);
  const int target = steps.back().version;

  Transaction txn(db);
  if (Status s = txn.begin(error); s != Status::SUCCESS) return s;
  // Read again under the write lock: another process may have migrated the
  // file since it was opened.
  int current = 0;
  if (Status s = read_schema_version(db, &current, error); s != Status::SUCCESS) return s;
  if (current > target) {
    return failure(Status::NOT_SUPPORTED,
                   "the store has schema version " + std::to_string(current) +
                       ", newer than the versions this build knows (up to " + std::to_string(target) + ")",
                   error);
  }
  if (current == target) return Status::SUCCESS;
  for (const Migration& step : steps.subspan(static_cast<size_t>(current))) {
    const std::string what = "migrating to schema version " + std::to_string(step.version);
    if (Status s = exec_sql(db, step.sql, what, error); s != Status::SUCCESS) return s;
  }
  if (Status s = write_meta(db, kSchemaVersionKey, std::to_string(target), error); s != Status::SUCCESS) return s;
  return txn.commit(error);
}

}  // namespace openwfp::store
