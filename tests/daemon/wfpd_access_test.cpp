// Access control of wfpd with real unprivileged users the test creates
// (useradd/groupadd; removed at the end): wfpctl run as each of them
// (setpriv) against a daemon with an admin group and a read group, and
// against one with only an admin group. Needs root (CI runs as root);
// skipped otherwise.
#include <gtest/gtest.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "store/store_test_support.hpp"
#include "support/command.hpp"
#include "wfpd_process.hpp"

namespace openwfp::daemon {
namespace {

using openwfp::test::CommandResult;
using openwfp::test::run_command;
using test::Daemon;

const std::string kPolicy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";

// Users and groups made for one test, removed however it ends.
class Accounts {
 public:
  Accounts() : suffix_(std::to_string(::getpid())) {}
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;
  ~Accounts() {
    for (const std::string& u : users_) run_command("userdel " + u);
    for (const std::string& g : groups_) run_command("groupdel " + g);
  }
  std::string group(const std::string& name) {
    const std::string g = "owfp-" + name + "-" + suffix_;
    const CommandResult r = run_command("groupadd " + g);
    EXPECT_EQ(r.status, 0) << r.out;
    groups_.push_back(g);
    return g;
  }
  std::string user(const std::string& name, const std::vector<std::string>& in) {
    const std::string u = "owfp-" + name + "-" + suffix_;
    std::string groups;
    for (const std::string& g : in) groups += (groups.empty() ? "" : ",") + g;
    const CommandResult r =
        run_command("useradd -M -N -s /usr/sbin/nologin " + (groups.empty() ? "" : "-G " + groups + " ") + u);
    EXPECT_EQ(r.status, 0) << r.out;
    users_.push_back(u);
    return u;
  }

 private:
  std::string suffix_;
  std::vector<std::string> users_, groups_;
};

// wfpctl ARGS as `user`, with the user's own groups.
CommandResult wfpctl_as(const std::string& user, const std::string& args) {
  return run_command("setpriv --reuid " + user + " --regid users --init-groups " + std::string(OPENWFP_WFPCTL) + " " +
                     args);
}

gid_t gid_of(const std::string& group) {
  const ::group* g = ::getgrnam(group.c_str());
  return g != nullptr ? g->gr_gid : static_cast<gid_t>(-1);
}

TEST(WfpdAccess, UsersGetWhatTheirGroupsAllow) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create users and groups";
  Accounts accounts;
  const std::string admins = accounts.group("adm"), readers = accounts.group("rd");
  const std::string nobody = accounts.user("none", {});
  const std::string reader = accounts.user("reader", {readers});
  const std::string admin = accounts.user("admin", {admins, readers});
  store::test::TempDir dir;
  ASSERT_EQ(::chmod(dir.file("").c_str(), 0755), 0);  // the users reach the socket below it
  Daemon d(dir.file(""), {"--admin-group", admins, "--read-group", readers});
  ASSERT_TRUE(d.start());
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(st.st_gid, gid_of(readers));
  ASSERT_EQ(::stat(d.state_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_EQ(::stat((d.state_dir() + "/wfpd.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string sock = "--socket " + d.socket();

  // In no group: the socket itself is closed to it.
  CommandResult r = wfpctl_as(nobody, sock + " filter list");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("ermission denied"), std::string::npos) << r.out;
  // The read group: reads, but no changes.
  r = wfpctl_as(reader, sock + " filter list --json");
  EXPECT_EQ(r.status, 0) << r.out;
  r = wfpctl_as(reader, sock + " apply " + kPolicy);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("ACCESS_DENIED"), std::string::npos) << r.out;
  r = wfpctl_as(reader, sock + " filter list --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 0u);  // nothing changed
  // The admin group: changes.
  r = wfpctl_as(admin, sock + " apply " + kPolicy + " --json");
  EXPECT_EQ(r.status, 0) << r.out;
  r = wfpctl_as(reader, sock + " filter list --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 9u);
  // Root.
  r = openwfp::test::run_wfpctl(sock + " filter delete --id 1");
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(WfpdAccess, WithoutAReadGroupEveryoneReadsAndOnlyAdminsChange) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create users and groups";
  Accounts accounts;
  const std::string admins = accounts.group("adm");
  const std::string nobody = accounts.user("none", {});
  const std::string admin = accounts.user("admin", {admins});
  store::test::TempDir dir;
  ASSERT_EQ(::chmod(dir.file("").c_str(), 0755), 0);
  Daemon d(dir.file(""), {"--admin-group", admins});
  ASSERT_TRUE(d.start());
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666u);
  const std::string sock = "--socket " + d.socket();
  CommandResult r = wfpctl_as(nobody, sock + " show state");
  EXPECT_EQ(r.status, 0) << r.out;
  r = wfpctl_as(nobody, sock + " apply " + kPolicy);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("ACCESS_DENIED"), std::string::npos) << r.out;
  r = wfpctl_as(nobody, sock + " filter delete --id 1");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("ACCESS_DENIED"), std::string::npos) << r.out;
  r = wfpctl_as(admin, sock + " apply " + kPolicy);
  EXPECT_EQ(r.status, 0) << r.out;
}

}  // namespace
}  // namespace openwfp::daemon
