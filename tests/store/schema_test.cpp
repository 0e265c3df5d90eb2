// Schema versions: an older file is migrated (all steps or none), a newer
// or foreign file is refused without being written to.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "store/event_table.hpp"
#include "store/persistent_store.hpp"
#include "store/schema.hpp"
#include "store_test_support.hpp"

namespace openwfp::store {
namespace {

using test::object;

// A raw connection, as another program (or an older build) would use.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close_v2(db_); }
  sqlite3* get() const { return db_; }
  void exec(const char* sql) {
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &message), SQLITE_OK) << sql << ": " << message;
    sqlite3_free(message);
  }
  // Through a bound parameter, like every value the store writes.
  void set_schema_version(const std::string& value) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, "UPDATE meta SET value = ?1 WHERE key = 'schema_version'", -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(stmt, 1, value.c_str(), -1, nullptr);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
  }
  std::string text(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string result = "<none>";
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(stmt, 0);
      result = t != nullptr ? reinterpret_cast<const char*>(t) : "<null>";
    }
    sqlite3_finalize(stmt);
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
};

Status open_store(const std::string& path, std::unique_ptr<PersistentStore>* store, std::string* error) {
  return PersistentStore::open(path, StoreOptions{}, store, error);
}

// A store of this build holding one provider.
void make_store(const std::string& path) {
  std::unique_ptr<PersistentStore> store;
  std::string error;
  ASSERT_EQ(open_store(path, &store, &error), Status::SUCCESS) << error;
  StoreChange change;
  change.upserts = {object("provider", 1, 0)};
  ASSERT_EQ(store->apply(change, &error), Status::SUCCESS) << error;
}

TEST(StoreSchema, MigrationsAreNumberedFromOne) {
  ASSERT_FALSE(migrations().empty());
  for (size_t i = 0; i < migrations().size(); ++i) EXPECT_EQ(migrations()[i].version, static_cast<int>(i) + 1);
  EXPECT_EQ(schema_version(), migrations().back().version);
}

TEST(StoreSchema, EmptySqliteFileIsMigratedToCurrent) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("old.db");
  {
    // Version 0: a valid SQLite file with no tables (written by sqlite3 itself).
    RawDb raw(path);
    raw.exec("CREATE TABLE scratch (x); DROP TABLE scratch;");
  }
  std::unique_ptr<PersistentStore> store;
  std::string error;
  ASSERT_EQ(open_store(path, &store, &error), Status::SUCCESS) << error;
  EXPECT_EQ(store->meta("schema_version"), std::to_string(schema_version()));
  store.reset();
  RawDb raw(path);
  EXPECT_EQ(raw.text("PRAGMA application_id"), std::to_string(kApplicationId));
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
}

// The path a future version 2 takes: the test appends a step to this
// build's list and migrates a version 1 file holding data.
TEST(StoreSchema, AppendedStepMigratesExistingData) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  make_store(path);

  std::vector<Migration> steps(migrations().begin(), migrations().end());
  steps.push_back({schema_version() + 1,
                   "ALTER TABLE objects ADD COLUMN note TEXT NOT NULL DEFAULT 'none';"
                   "UPDATE objects SET note = 'migrated ' || kind;"});
  {
    RawDb raw(path);
    std::string error;
    ASSERT_EQ(migrate(raw.get(), steps, &error), Status::SUCCESS) << error;
    EXPECT_EQ(raw.text("SELECT value FROM meta WHERE key = 'schema_version'"), std::to_string(steps.size()));
    EXPECT_EQ(raw.text("SELECT note FROM objects"), "migrated provider");
    EXPECT_EQ(raw.text("SELECT count(*) FROM objects"), "1");
    // Migrating a current file again does nothing.
    ASSERT_EQ(migrate(raw.get(), steps, &error), Status::SUCCESS) << error;
    EXPECT_EQ(raw.text("SELECT note FROM objects"), "migrated provider");
  }
  // And this build, one version behind now, refuses the file.
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_EQ(open_store(path, &store, &error), Status::NOT_SUPPORTED);
  EXPECT_EQ(store, nullptr);
}

TEST(StoreSchema, FailingStepLeavesFileAtItsVersion) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  make_store(path);
  const int v = schema_version();
  std::vector<Migration> steps(migrations().begin(), migrations().end());
  steps.push_back({v + 1, "ALTER TABLE objects ADD COLUMN note TEXT;"});
  steps.push_back({v + 2, "UPDATE no_such_table SET x = 1;"});
  RawDb raw(path);
  std::string error;
  EXPECT_NE(migrate(raw.get(), steps, &error), Status::SUCCESS);
  EXPECT_NE(error.find("schema version " + std::to_string(v + 2)), std::string::npos) << error;
  EXPECT_EQ(raw.text("SELECT value FROM meta WHERE key = 'schema_version'"), std::to_string(v));
  // The step that had succeeded was rolled back with the failing one.
  EXPECT_EQ(raw.text("SELECT count(*) FROM pragma_table_info('objects') WHERE name = 'note'"), "0");

  steps.pop_back();
  steps.push_back({v + 5, "SELECT 1;"});  // a gap in the numbering
  EXPECT_EQ(migrate(raw.get(), steps, &error), Status::INVALID_PARAMETER);
}

TEST(StoreSchema, NewerFileIsRefusedNamingBothVersions) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  make_store(path);
  const std::string newer = std::to_string(schema_version() + 6);
  {
    RawDb raw(path);
    raw.set_schema_version(newer);
  }
  const std::string bytes = test::file_bytes(path);
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_EQ(open_store(path, &store, &error), Status::NOT_SUPPORTED);
  EXPECT_EQ(store, nullptr);
  EXPECT_NE(error.find("schema version " + newer), std::string::npos) << error;
  EXPECT_NE(error.find("schema version " + std::to_string(schema_version())), std::string::npos) << error;
  EXPECT_EQ(test::file_bytes(path), bytes);

  std::unique_ptr<EventTable> events;
  EXPECT_EQ(EventTable::open(path, StoreOptions{}, &events, &error), Status::NOT_SUPPORTED);
}

TEST(StoreSchema, NonSqliteFileIsRefusedUnchanged) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  std::string bytes = "not a database, but long enough to hold SQLite's header...";
  for (int i = 0; i < 200; ++i) bytes += static_cast<char>(i * 7);
  { std::ofstream(path, std::ios::binary) << bytes; }
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_NE(open_store(path, &store, &error), Status::SUCCESS);
  EXPECT_EQ(store, nullptr);
  EXPECT_NE(error.find("not an SQLite database"), std::string::npos) << error;
  EXPECT_EQ(test::file_bytes(path), bytes);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
}

TEST(StoreSchema, DamagedFileIsRefusedUnchanged) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  make_store(path);
  std::string bytes = test::file_bytes(path);
  ASSERT_GT(bytes.size(), 4096u);
  // Keep SQLite's header, overwrite the rest of the first page (the schema).
  for (size_t i = 100; i < 4096; ++i) bytes[i] = static_cast<char>(0xA5);
  { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_NE(open_store(path, &store, &error), Status::SUCCESS);
  EXPECT_EQ(store, nullptr);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(test::file_bytes(path), bytes);
}

TEST(StoreSchema, ForeignSqliteFileIsRefusedUnchanged) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("other.db");
  {
    RawDb raw(path);
    raw.exec("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('schema_version', '1');");
  }
  const std::string bytes = test::file_bytes(path);
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_EQ(open_store(path, &store, &error), Status::INVALID_PARAMETER);
  EXPECT_NE(error.find("another application"), std::string::npos) << error;
  EXPECT_EQ(test::file_bytes(path), bytes);
}

}  // namespace
}  // namespace openwfp::store
