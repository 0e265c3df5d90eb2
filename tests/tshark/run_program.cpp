#include "run_program.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace openwfp::testing {
namespace {

struct Pipe {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~Pipe() {
    close_fd(read);
    close_fd(write);
  }
};

// Reads what is available on `fd` into `into`; false at end of file or on error.
bool drain(int fd, std::string* into) {
  std::array<char, 65536> buffer{};
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n > 0) {
    into->append(buffer.data(), static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

// The file exec would run for `name`: itself when it names a path, else the
// first executable match along PATH. Resolved before fork because the
// PATH-searching exec functions are not async-signal-safe.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    const std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (colon == std::string_view::npos) return {};
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ProgramResult result;
  if (argv.empty()) {
    result.failure = "no program";
    return result;
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed.
  const std::string program = find_program(argv[0]);
  if (program.empty()) {
    result.failure = argv[0] + ": not found in PATH";
    return result;
  }
  std::vector<std::string> owned = argv;
  std::vector<char*> args;
  args.reserve(owned.size() + 1);
  for (std::string& a : owned) args.push_back(a.data());
  args.push_back(nullptr);
  Pipe out, err, exec_status;
  if (!out.open() || !err.open() || !exec_status.open()) {
    result.failure = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.failure = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out.write, STDOUT_FILENO);
    ::dup2(err.write, STDERR_FILENO);
    ::execv(program.c_str(), args.data());
    // Tell the parent why exec failed through the close-on-exec pipe.
    const int e = errno;
    (void)!::write(exec_status.write, &e, sizeof e);
    ::_exit(127);
  }
  Pipe::close_fd(out.write);
  Pipe::close_fd(err.write);
  Pipe::close_fd(exec_status.write);

  int exec_errno = 0;
  if (::read(exec_status.read, &exec_errno, sizeof exec_errno) == static_cast<ssize_t>(sizeof exec_errno)) {
    ::waitpid(pid, nullptr, 0);
    result.failure = argv[0] + ": cannot run: " + std::strerror(exec_errno);
    return result;
  }
  result.started = true;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      break;
    }
    std::array<pollfd, 2> fds{};
    fds[0] = {out_open ? out.read : -1, POLLIN, 0};
    fds[1] = {err_open ? err.read : -1, POLLIN, 0};
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      result.failure = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (ready <= 0) continue;
    if (out_open && fds[0].revents != 0) out_open = drain(out.read, &result.out);
    if (err_open && fds[1].revents != 0) err_open = drain(err.read, &result.err);
  }
  // The output is closed when the program exits, but a program may also
  // close it and keep running: wait for the exit up to the same deadline.
  int status = 0;
  bool reaped = false;
  while (!reaped && !result.timedOut && result.failure.empty()) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      reaped = true;
    } else if (std::chrono::steady_clock::now() >= deadline) {
      result.timedOut = true;
    } else {
      ::usleep(5000);
    }
  }
  if (!reaped) {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (!result.failure.empty()) {
    result.exitStatus = -1;
  } else if (result.timedOut) {
    result.failure = argv[0] + ": killed after " + std::to_string(timeout.count()) + " ms";
  } else if (WIFEXITED(status)) {
    result.exitStatus = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.failure = argv[0] + ": killed by signal " + std::to_string(WTERMSIG(status));
  }
  return result;
}

}  // namespace openwfp::testing
