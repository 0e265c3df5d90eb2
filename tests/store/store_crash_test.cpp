// Crash safety: a writer killed (SIGKILL) at a random moment loses no apply
// it was told had committed, and at most the one in flight may also be
// there, complete. The file always opens cleanly afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "store/persistent_store.hpp"
#include "store_test_support.hpp"

namespace openwfp::store {
namespace {

using test::key_of;

// Filters kept by the writer: apply s stores filter s and removes filter
// s - kWindow, so the filters present name exactly the last applies.
constexpr uint64_t kWindow = 8;

StoreChange change_for(uint64_t s) {
  StoreChange change;
  change.upserts.push_back(StoredObject{"filter", key_of(s), s, "FWPM_LAYER_INBOUND_TRANSPORT_V4",
                                        "{\"apply\":" + std::to_string(s) + "}"});
  change.upserts.push_back(StoredObject{"provider", key_of(0), 0, "", "{\"last\":" + std::to_string(s) + "}"});
  if (s > kWindow) change.deletes.push_back({"filter", key_of(s - kWindow)});
  change.meta = {{"last_apply", std::to_string(s)}};
  return change;
}

// The child: applies until killed, reporting each committed sequence.
[[noreturn]] void write_until_killed(const std::string& path, int out) {
  std::unique_ptr<PersistentStore> store;
  if (PersistentStore::open(path, StoreOptions{}, &store, nullptr) != Status::SUCCESS) ::_exit(2);
  for (;;) {
    const uint64_t next = store->commit_sequence() + 1;
    if (store->apply(change_for(next), nullptr) != Status::SUCCESS || store->commit_sequence() != next) ::_exit(3);
    char line[32];
    const int n = std::snprintf(line, sizeof line, "%llu\n", static_cast<unsigned long long>(next));
    if (::write(out, line, static_cast<size_t>(n)) != n) ::_exit(4);  // a small write to a pipe is atomic
  }
}

// Reads into *text until a whole line is there (untilLine) or the end.
void read_from(int fd, bool untilLine, std::string* text) {
  char buffer[4096];
  while (!untilLine || text->find('\n') == std::string::npos) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text->append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return;
    }
  }
}

// The store holds exactly the result of applies 1..s.
void expect_state_of(const PersistentStore& store, uint64_t s) {
  std::vector<StoredObject> objects;
  std::string error;
  ASSERT_EQ(store.load(&objects, &error), Status::SUCCESS) << error;
  if (s == 0) {
    EXPECT_TRUE(objects.empty());
    return;
  }
  std::vector<StoredObject> expected;
  expected.push_back(change_for(s).upserts[1]);
  for (uint64_t f = s > kWindow ? s - kWindow + 1 : 1; f <= s; ++f) expected.push_back(change_for(f).upserts[0]);
  EXPECT_EQ(objects, expected);
  EXPECT_EQ(store.meta("last_apply"), std::to_string(s));
}

TEST(PersistentStoreCrash, KilledWriterLosesNoCommittedApply) {
  test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.file("wfpd.db");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delayUs(0, 20000);

  uint64_t committed = 0;  // the sequence the store had before the round
  uint64_t totalReported = 0;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    // No connection is open across fork(): the parent's store is closed.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      write_until_killed(path, fds[1]);
    }
    ::close(fds[1]);
    // Every other round the kill falls after the first committed apply, so
    // that the loop of applies is hit whatever the speed of the disk; the
    // other rounds may also hit the open and the first migration.
    std::string reported;
    if (round % 2 == 1) read_from(fds[0], true, &reported);
    ::usleep(static_cast<useconds_t>(delayUs(random)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    read_from(fds[0], false, &reported);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer stopped by itself, status " << status;

    uint64_t lastReported = committed;
    std::istringstream lines(reported);
    for (uint64_t s = 0; lines >> s;) {
      EXPECT_EQ(s, lastReported + 1) << "reported out of order";
      lastReported = s;
      ++totalReported;
    }

    std::unique_ptr<PersistentStore> store;
    std::string error;
    ASSERT_EQ(PersistentStore::open(path, StoreOptions{}, &store, &error), Status::SUCCESS) << error;
    const uint64_t found = store->commit_sequence();
    EXPECT_GE(found, lastReported);
    EXPECT_LE(found, lastReported + 1);  // the apply in flight when killed
    expect_state_of(*store, found);
    committed = found;
  }
  EXPECT_GE(totalReported, 10u);
}

}  // namespace
}  // namespace openwfp::store
