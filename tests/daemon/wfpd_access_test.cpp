// Access control of wfpd with real unprivileged users and groups that the
// test creates (groupadd, useradd; removed however the test ends): wfpctl
// and a raw client of the protocol run as each user (a forked child takes the
// user's groups, gid and uid before it runs them) against a daemon with an
// admin group and a read group, and against one with only an admin group.
// Also the modes, owners and groups of the socket, the state directory and
// the store. Needs root (CI runs as root); skipped otherwise.
#include <gtest/gtest.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "store/store_test_support.hpp"
#include "support/command.hpp"
#include "wfpd_process.hpp"

namespace openwfp::daemon {
namespace {

using nlohmann::json;
using openwfp::test::CommandResult;
using openwfp::test::run_command;
using test::Client;
using test::Daemon;

const std::string kPolicy = std::string(OPENWFP_SOURCE_DIR) + "/examples/policy.json";
constexpr const char* kDenied = "STATUS_ACCESS_DENIED";

// Users and groups made for one test, removed however it ends. Their names
// end in the test process's id: tests running at once on one machine do not
// meet.
class Accounts {
 public:
  Accounts() : prefix_("owfp-t" + std::to_string(::getpid()) + "-") {}
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;
  ~Accounts() {
    for (const std::string& u : users_) run_command("userdel " + u);
    for (const std::string& g : groups_) run_command("groupdel " + g);
  }
  // A new group; its name ("" when it could not be made: the test fails).
  std::string group(const std::string& role) {
    const std::string name = prefix_ + role;
    if (!made("groupadd " + name)) return "";
    groups_.push_back(name);
    return name;
  }
  // A new user without a home or a login shell, with primary group
  // `primary` and supplementary groups `in`.
  std::string user(const std::string& role, const std::string& primary, const std::vector<std::string>& in) {
    const std::string name = prefix_ + role;
    std::string list;
    for (const std::string& g : in) list += (list.empty() ? "" : ",") + g;
    if (!made("useradd -M -N -s /usr/sbin/nologin -g " + primary + (list.empty() ? "" : " -G " + list) + " " + name)) {
      return "";
    }
    users_.push_back(name);
    return name;
  }

 private:
  // Another process changing the account files at the same moment makes
  // groupadd and useradd fail on their lock: they are tried again.
  static bool made(const std::string& command) {
    CommandResult r{};
    for (int attempt = 0; attempt < 50; ++attempt) {
      r = run_command(command);
      if (r.status == 0) return true;
      if (r.out.find("lock") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << command << ": " << r.out;
    return false;
  }

  std::string prefix_;
  std::vector<std::string> users_, groups_;
};

// What a child process becomes: a user's uid, primary gid and every group
// the user is in, as a login sets them.
struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

Identity identity_of(const std::string& user) {
  Identity who;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) {
    ADD_FAILURE() << "no user '" << user << "'";
    return who;  // uid 0: run_as refuses it
  }
  who.uid = pw->pw_uid;
  who.gid = pw->pw_gid;
  int count = 64;
  who.groups.resize(static_cast<size_t>(count));
  if (::getgrouplist(user.c_str(), pw->pw_gid, who.groups.data(), &count) < 0) {
    who.groups.resize(static_cast<size_t>(count));  // count now says how many there are
    ::getgrouplist(user.c_str(), pw->pw_gid, who.groups.data(), &count);
  }
  who.groups.resize(static_cast<size_t>(count));
  return who;
}

gid_t gid_of(const std::string& group) {
  const ::group* g = ::getgrnam(group.c_str());
  return g != nullptr ? g->gr_gid : static_cast<gid_t>(-1);
}

// Runs `body` in a child process that has become `who` (groups, then gid,
// then uid: the order in which root can still drop each) and cannot become
// root again; returns its exit status (125: it could not become `who`) and
// what it wrote to stdout and stderr. `body` runs in a forked child: system
// calls only.
CommandResult run_as(const Identity& who, const std::function<int()>& body) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {-1, "pipe2 failed"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    if (who.uid == 0 || ::setgroups(who.groups.size(), who.groups.data()) != 0 || ::setgid(who.gid) != 0 ||
        ::setuid(who.uid) != 0 || ::setuid(0) == 0) {
      ::_exit(125);
    }
    ::_exit(body());
  }
  ::close(out[1]);
  std::string text;
  char chunk[4096];
  ssize_t n = 0;
  while ((n = ::read(out[0], chunk, sizeof chunk)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return {-1, "fork failed"};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

// wfpctl and the sample policy where the test's users reach them: in the
// build and source trees when every directory on the way lets them through,
// otherwise copies in `dir`.
struct Tools {
  std::string wfpctl, policy;
};

Tools reachable_tools(const Identity& who, const store::test::TempDir& dir) {
  Tools tools{OPENWFP_WFPCTL, kPolicy};
  const int reached = run_as(who, [&tools] {
                        return ::access(tools.wfpctl.c_str(), X_OK) == 0 && ::access(tools.policy.c_str(), R_OK) == 0 ? 0 : 1;
                      }).status;
  if (reached == 0) return tools;
  Tools copies{dir.file("wfpctl"), dir.file("policy.json")};
  std::error_code ec;
  std::filesystem::copy_file(tools.wfpctl, copies.wfpctl, ec);
  if (!ec) std::filesystem::copy_file(tools.policy, copies.policy, ec);
  EXPECT_FALSE(ec) << "copying wfpctl and the policy where the users reach them: " << ec.message();
  ::chmod(copies.wfpctl.c_str(), 0755);
  ::chmod(copies.policy.c_str(), 0644);
  return copies;
}

CommandResult wfpctl_as(const Identity& who, const Tools& tools, std::initializer_list<std::string> args) {
  std::vector<std::string> words = {"wfpctl"};
  words.insert(words.end(), args);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return run_as(who, [&tools, &argv] {
    ::execv(tools.wfpctl.c_str(), argv.data());
    return 127;
  });
}

// The errno of opening `path` for reading as `who` (0: it opened).
int open_as(const Identity& who, const std::string& path) {
  return run_as(who, [&path] {
           const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
           return fd >= 0 ? 0 : errno;
         }).status;
}

struct Request {
  std::string method;
  json params = json::object();
};

struct Answers {
  int status;  // 0, or the errno of a refused connect
  std::vector<json> replies;
};

// A raw client of the protocol as `who`: one connection, each request sent
// once the one before it is answered.
Answers ask_as(const Identity& who, const std::string& socket, const std::vector<Request>& requests) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket.c_str());
  std::vector<std::string> lines;
  for (const Request& r : requests) {
    lines.push_back(json{{"v", 1}, {"id", lines.size() + 1}, {"method", r.method}, {"params", r.params}}.dump() + "\n");
  }
  const CommandResult r = run_as(who, [&addr, &lines] {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 200;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return errno;
    const timeval limit{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    for (const std::string& line : lines) {
      if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) return 201;
      char c = 0;
      do {  // the answer, to stdout
        if (::read(fd, &c, 1) != 1) return 202;
        if (::write(STDOUT_FILENO, &c, 1) != 1) return 203;
      } while (c != '\n');
    }
    return 0;
  });
  Answers answers{r.status, {}};
  size_t start = 0;
  for (size_t nl = r.out.find('\n'); nl != std::string::npos; start = nl + 1, nl = r.out.find('\n', start)) {
    // The protocol's lines only: a sanitizer's runtime may write to the
    // child's stderr (the same pipe) too.
    if (r.out.compare(start, 1, "{") != 0) continue;
    answers.replies.push_back(json::parse(r.out.substr(start, nl - start), nullptr, false));
  }
  return answers;
}

std::string status_of(const json& reply) {
  return reply.contains("error") ? reply["error"].value("status", "") : "(no error)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(WfpdAccess, WithAReadGroupOutsidersCannotConnectReadersOnlyReadAdminsChange) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the test creates users and groups and runs clients as them";
  Accounts accounts;
  const std::string own = accounts.group("own"), admins = accounts.group("adm"), readers = accounts.group("rd");
  ASSERT_FALSE(HasFailure());
  const Identity outsider = identity_of(accounts.user("out", own, {}));
  const Identity reader = identity_of(accounts.user("rd", own, {readers}));
  const Identity admin = identity_of(accounts.user("adm", own, {admins, readers}));  // the socket is the read group's
  ASSERT_FALSE(HasFailure());
  store::test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  // The users reach the socket only when every directory on the way lets
  // them through (mkdtemp makes its directory 0700).
  ASSERT_EQ(::chmod(dir.file("").c_str(), 0755), 0);
  const Tools tools = reachable_tools(outsider, dir);
  Daemon d(dir.file(""), {"--admin-group", admins, "--read-group", readers});
  ASSERT_TRUE(d.start());

  // The socket is the read group's and closed to others; the state
  // directory and the store are the daemon's alone.
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, gid_of(readers));
  ASSERT_EQ(::stat(d.state_dir().c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, ::getegid());
  const std::string store = d.state_dir() + "/wfpd.db";
  ASSERT_EQ(::stat(store.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 0u);
  for (const Identity* who : {&outsider, &reader, &admin}) {
    EXPECT_EQ(open_as(*who, d.state_dir()), EACCES);
    EXPECT_EQ(open_as(*who, store), EACCES);
  }

  Client root(d.socket());
  const std::string kept = store::test::key_of(1), other = store::test::key_of(2);
  ASSERT_TRUE(root.call("filter.add", {{"filter", test::block_filter(kept, 23, "persistent")}}).contains("result"));
  const json before = root.result("filter.enum");
  ASSERT_EQ(before["filters"].size(), 1u);
  const std::string sock = d.socket();

  // (a) In neither group: the kernel refuses the connection.
  Answers a = ask_as(outsider, sock, {{"filter.enum"}});
  EXPECT_EQ(a.status, EACCES);
  EXPECT_TRUE(a.replies.empty());
  CommandResult r = wfpctl_as(outsider, tools, {"--socket", sock, "filter", "list"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "Permission denied")) << r.out;
  r = wfpctl_as(outsider, tools, {"--socket", sock, "apply", tools.policy});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "Permission denied")) << r.out;

  // (b) The read group: reads; every change is refused.
  a = ask_as(reader, sock,
             {{"session.info"},
              {"filter.enum"},
              {"filter.get", {{"key", kept}}},
              {"transaction.begin"},
              {"filter.add", {{"filter", test::block_filter(other, 24, "persistent")}}},
              {"filter.delete", {{"key", kept}}},
              {"provider.add", {{"provider", {{"name", "p"}}}}}});
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(a.replies.size(), 7u);
  EXPECT_EQ(a.replies[0]["result"].value("uid", uint64_t{0}), reader.uid) << a.replies[0].dump();
  EXPECT_EQ(a.replies[1]["result"], before);
  EXPECT_EQ(a.replies[2]["result"].value("key", ""), kept) << a.replies[2].dump();
  for (size_t i = 3; i < a.replies.size(); ++i) EXPECT_EQ(status_of(a.replies[i]), kDenied) << a.replies[i].dump();
  r = wfpctl_as(reader, tools, {"--socket", sock, "filter", "list", "--json"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json::parse(r.out, nullptr, false).size(), 1u) << r.out;
  r = wfpctl_as(reader, tools, {"--socket", sock, "apply", tools.policy});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "ACCESS_DENIED")) << r.out;
  r = wfpctl_as(reader, tools, {"--socket", sock, "filter", "delete", "--key", kept});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "ACCESS_DENIED")) << r.out;
  EXPECT_EQ(root.result("filter.enum"), before) << "a refused change changed the state";
  EXPECT_TRUE(root.result("provider.enum")["providers"].empty());

  // (c) The admin group: changes, through wfpctl and in a raw transaction.
  r = wfpctl_as(admin, tools, {"--socket", sock, "apply", tools.policy, "--json"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json::parse(r.out, nullptr, false)["applied"]["filters"], 9) << r.out;
  a = ask_as(admin, sock,
             {{"transaction.begin"},
              {"filter.add", {{"filter", test::block_filter(other, 24, "persistent")}}},
              {"filter.delete", {{"key", kept}}},
              {"transaction.commit"}});
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(a.replies.size(), 4u);
  for (const json& reply : a.replies) EXPECT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(root.result("filter.enum")["filters"].size(), 10u);
  EXPECT_TRUE(root.call("filter.get", {{"key", other}}).contains("result"));
  EXPECT_EQ(status_of(root.call("filter.get", {{"key", kept}})), "STATUS_FWP_FILTER_NOT_FOUND");

  // (d) Root.
  r = openwfp::test::run_wfpctl("--socket " + sock + " filter delete --key " + other);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(root.result("filter.enum")["filters"].size(), 9u);
}

TEST(WfpdAccess, WithoutAReadGroupEveryoneReadsAndOnlyRootAndTheAdminGroupChange) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the test creates users and groups and runs clients as them";
  Accounts accounts;
  const std::string own = accounts.group("own"), admins = accounts.group("adm");
  ASSERT_FALSE(HasFailure());
  const Identity outsider = identity_of(accounts.user("out", own, {}));
  const Identity admin = identity_of(accounts.user("adm", own, {admins}));
  const Identity primary = identity_of(accounts.user("prim", admins, {}));  // in it by its primary group only
  ASSERT_FALSE(HasFailure());
  store::test::TempDir dir;
  ASSERT_TRUE(dir.ok());
  ASSERT_EQ(::chmod(dir.file("").c_str(), 0755), 0);
  const Tools tools = reachable_tools(outsider, dir);
  Daemon d(dir.file(""), {"--admin-group", admins});
  ASSERT_TRUE(d.start());
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666u);  // everyone may connect: each request is checked
  EXPECT_EQ(st.st_gid, gid_of(admins));
  ASSERT_EQ(::stat(d.state_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(open_as(outsider, d.state_dir()), EACCES);

  Client root(d.socket());
  const std::string kept = store::test::key_of(1), other = store::test::key_of(2);
  ASSERT_TRUE(root.call("filter.add", {{"filter", test::block_filter(kept, 23, "persistent")}}).contains("result"));
  const json before = root.result("filter.enum");
  const std::string sock = d.socket();

  // In no group: reads, and every change refused.
  Answers a = ask_as(outsider, sock,
                     {{"filter.enum"},
                      {"daemon.status"},
                      {"transaction.begin"},
                      {"filter.add", {{"filter", test::block_filter(other, 24, "persistent")}}},
                      {"filter.delete", {{"key", kept}}}});
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(a.replies.size(), 5u);
  EXPECT_EQ(a.replies[0]["result"], before);
  EXPECT_TRUE(a.replies[1].contains("result")) << a.replies[1].dump();
  for (size_t i = 2; i < a.replies.size(); ++i) EXPECT_EQ(status_of(a.replies[i]), kDenied) << a.replies[i].dump();
  CommandResult r = wfpctl_as(outsider, tools, {"--socket", sock, "show", "state"});
  EXPECT_EQ(r.status, 0) << r.out;
  r = wfpctl_as(outsider, tools, {"--socket", sock, "apply", tools.policy});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "ACCESS_DENIED")) << r.out;
  r = wfpctl_as(outsider, tools, {"--socket", sock, "filter", "delete", "--key", kept});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "ACCESS_DENIED")) << r.out;
  EXPECT_EQ(root.result("filter.enum"), before) << "a refused change changed the state";

  // The admin group, as a supplementary group and as the primary one.
  r = wfpctl_as(admin, tools, {"--socket", sock, "apply", tools.policy});
  EXPECT_EQ(r.status, 0) << r.out;
  a = ask_as(primary, sock,
             {{"filter.add", {{"filter", test::block_filter(other, 24, "persistent")}}}, {"filter.delete", {{"key", kept}}}});
  ASSERT_EQ(a.status, 0);
  ASSERT_EQ(a.replies.size(), 2u);
  for (const json& reply : a.replies) EXPECT_TRUE(reply.contains("result")) << reply.dump();
  EXPECT_EQ(root.result("filter.enum")["filters"].size(), 10u);

  // Root.
  r = openwfp::test::run_wfpctl("--socket " + sock + " filter delete --key " + other);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(root.result("filter.enum")["filters"].size(), 9u);
}

}  // namespace
}  // namespace openwfp::daemon
