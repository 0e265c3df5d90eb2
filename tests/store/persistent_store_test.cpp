// Persistent objects: what is applied comes back after a reopen, in
// dependency order; a failing apply changes nothing; the file is private.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "store/persistent_store.hpp"
#include "store_test_support.hpp"

namespace openwfp::store {
namespace {

using test::key_of;
using test::object;

std::unique_ptr<PersistentStore> open_store(const std::string& path) {
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_EQ(PersistentStore::open(path, StoreOptions{}, &store, &error), Status::SUCCESS) << error;
  return store;
}

std::vector<StoredObject> load_all(const PersistentStore& store) {
  std::vector<StoredObject> objects;
  std::string error;
  EXPECT_EQ(store.load(&objects, &error), Status::SUCCESS) << error;
  return objects;
}

TEST(PersistentStore, RoundTripInDependencyOrder) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  StoreChange first;
  // Given out of order: load sorts by kind, then id, then key.
  first.upserts = {object("filter", 10, 7, "FWPM_LAYER_INBOUND_TRANSPORT_V4"),
                   object("callout", 20, 3, "FWPM_LAYER_ALE_AUTH_CONNECT_V4"),
                   object("filter", 11, 5, "FWPM_LAYER_OUTBOUND_TRANSPORT_V4"),
                   object("sublayer", 30, 0),
                   object("provider", 41, 0),
                   object("provider", 40, 0)};
  first.meta = {{"next_filter_id", "8"}};
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->commit_sequence(), 0u);
    std::string error;
    ASSERT_EQ(store->apply(first, &error), Status::SUCCESS) << error;
    EXPECT_EQ(store->commit_sequence(), 1u);
  }
  const std::vector<StoredObject> expected = {first.upserts[5], first.upserts[4], first.upserts[3],
                                              first.upserts[1], first.upserts[2], first.upserts[0]};
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->commit_sequence(), 1u);
    EXPECT_EQ(load_all(*store), expected);
    EXPECT_EQ(store->meta("next_filter_id"), "8");

    StoreChange second;
    second.deletes = {{"filter", key_of(11)}};
    StoredObject updated = object("filter", 10, 7, "FWPM_LAYER_INBOUND_TRANSPORT_V4");
    updated.json = R"({"weight":15})";
    second.upserts = {updated};
    second.meta = {{"next_filter_id", "9"}};
    std::string error;
    ASSERT_EQ(store->apply(second, &error), Status::SUCCESS) << error;
    EXPECT_EQ(store->commit_sequence(), 2u);
  }
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->commit_sequence(), 2u);
  const std::vector<StoredObject> objects = load_all(*store);
  ASSERT_EQ(objects.size(), 5u);
  EXPECT_EQ(objects[4].key, key_of(10));
  EXPECT_EQ(objects[4].json, R"({"weight":15})");
  EXPECT_EQ(objects[3].kind, "callout");
  EXPECT_EQ(store->meta("next_filter_id"), "9");
  EXPECT_EQ(store->meta("absent"), std::nullopt);
}

// Each failing change has already written something when it fails: the
// rollback, not the validation, keeps the store unchanged.
TEST(PersistentStore, FailingApplyChangesNothing) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  StoreChange base;
  base.upserts = {object("provider", 1, 0), object("filter", 2, 100)};
  base.meta = {{"next_filter_id", "101"}};
  std::string error;
  ASSERT_EQ(store->apply(base, &error), Status::SUCCESS) << error;
  const std::vector<StoredObject> before = load_all(*store);

  StoreChange emptyKey;  // second upsert refused by validation
  emptyKey.deletes = {{"provider", key_of(1)}};
  emptyKey.upserts = {object("filter", 3, 101), StoredObject{"filter", "", 102, "", "{}"}};
  emptyKey.meta = {{"next_filter_id", "103"}};

  StoreChange duplicateId;  // second upsert refused by the unique index on (kind, id)
  duplicateId.upserts = {object("sublayer", 4, 0), object("filter", 5, 100)};
  duplicateId.meta = {{"next_filter_id", "103"}};

  StoreChange missingDelete;  // the second delete finds nothing
  missingDelete.deletes = {{"filter", key_of(2)}, {"filter", key_of(99)}};

  StoreChange badKind;
  badKind.upserts = {object("callout", 6, 1), object("provider_context", 7, 0)};

  StoreChange braces;  // a GUID spelled another way would be a second object
  braces.upserts = {object("callout", 6, 1), object("callout", 7, 2)};
  braces.upserts[1].key = "{" + key_of(7) + "}";

  StoreChange reservedMeta;
  reservedMeta.upserts = {object("callout", 6, 1)};
  reservedMeta.meta = {{"note", "x"}, {"commit_sequence", "40"}};

  const std::pair<const char*, const StoreChange*> cases[] = {
      {"empty key", &emptyKey},     {"duplicate id", &duplicateId}, {"missing delete", &missingDelete},
      {"unknown kind", &badKind},   {"braced key", &braces},       {"reserved meta", &reservedMeta},
  };
  for (const auto& entry : cases) {
    SCOPED_TRACE(entry.first);
    error.clear();
    EXPECT_NE(store->apply(*entry.second, &error), Status::SUCCESS);
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(store->commit_sequence(), 1u);
    EXPECT_EQ(load_all(*store), before);
    EXPECT_EQ(store->meta("next_filter_id"), "101");
    EXPECT_EQ(store->meta("note"), std::nullopt);
  }
  EXPECT_EQ(store->apply(duplicateId, &error), Status::FWP_ALREADY_EXISTS);
  EXPECT_EQ(store->apply(missingDelete, &error), Status::FWP_NOT_FOUND);
  EXPECT_NE(error.find(key_of(99)), std::string::npos) << error;

  // Nothing of the failures shows after a reopen either.
  store.reset();
  store = open_store(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->commit_sequence(), 1u);
  EXPECT_EQ(load_all(*store), before);
}

TEST(PersistentStore, MetaOutsideApply) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->set_meta("boot_id", "abc"), Status::SUCCESS);
    EXPECT_EQ(store->set_meta("boot_id", "def"), Status::SUCCESS);
    EXPECT_EQ(store->set_meta("schema_version", "9"), Status::INVALID_PARAMETER);
    EXPECT_EQ(store->set_meta("", "x"), Status::INVALID_PARAMETER);
    EXPECT_EQ(store->commit_sequence(), 0u);  // not an apply
  }
  auto store = open_store(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->meta("boot_id"), "def");
  EXPECT_EQ(store->meta("schema_version"), "1");
}

TEST(PersistentStore, NewFileIsPrivate) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  const mode_t old = ::umask(0);  // the mode must not depend on the caller's umask
  auto store = open_store(path);
  ::umask(old);
  ASSERT_NE(store, nullptr);
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // SQLite gives its WAL file the mode of the database.
  ASSERT_EQ(store->apply(StoreChange{}, nullptr), Status::SUCCESS);
  ASSERT_EQ(::stat((path + "-wal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(PersistentStore, MissingDirectoryIsNamed) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string missing = dir.file("no-such-dir");
  std::unique_ptr<PersistentStore> store;
  std::string error;
  EXPECT_EQ(PersistentStore::open(missing + "/wfpd.db", StoreOptions{}, &store, &error), Status::NOT_FOUND);
  EXPECT_EQ(store, nullptr);
  EXPECT_NE(error.find(missing), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

TEST(PersistentStore, MovedFromStoreRefusesWork) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  auto store = open_store(dir.file("wfpd.db"));
  ASSERT_NE(store, nullptr);
  StoreChange change;
  change.upserts = {object("provider", 1, 0)};
  PersistentStore moved(std::move(*store));
  std::string error;
  EXPECT_EQ(store->apply(change, &error), Status::INVALID_PARAMETER);
  EXPECT_EQ(moved.apply(change, &error), Status::SUCCESS) << error;
  EXPECT_EQ(load_all(moved).size(), 1u);
}

}  // namespace
}  // namespace openwfp::store
