#include "store/database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "store/schema.hpp"

namespace openwfp::store {
namespace {

Status errno_failure(int err, const std::string& what, std::string* error) {
  const Status status = (err == EACCES || err == EPERM || err == EROFS) ? Status::ACCESS_DENIED : Status::UNSUCCESSFUL;
  return failure(status, what + ": " + std::generic_category().message(err), error);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// Creates the file with mode 0600 (the store holds the whole policy) and
// makes its directory entry durable; an existing file must be empty or
// start with SQLite's header. Nothing is written to an existing file here.
Status create_or_check_file(const std::string& path, std::string* error) {
  const std::filesystem::path file(path);
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return failure(Status::NOT_FOUND, "the directory '" + dir.string() + "' of the store file does not exist", error);
  }

  FileDescriptor created(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (created.get() >= 0) {
    // The umask may have cleared bits of 0600 but never adds any; set it exactly.
    if (::fchmod(created.get(), 0600) != 0) return errno_failure(errno, "setting the mode of '" + path + "'", error);
    FileDescriptor dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dirFd.get() < 0 || ::fsync(dirFd.get()) != 0) {
      return errno_failure(errno, "syncing the directory of '" + path + "'", error);
    }
    return Status::SUCCESS;
  }
  if (errno != EEXIST) return errno_failure(errno, "creating '" + path + "'", error);

  FileDescriptor existing(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (existing.get() < 0) return errno_failure(errno, "opening '" + path + "'", error);
  struct stat st{};
  if (::fstat(existing.get(), &st) != 0) return errno_failure(errno, "reading '" + path + "'", error);
  if (!S_ISREG(st.st_mode)) return failure(Status::INVALID_PARAMETER, "'" + path + "' is not a regular file", error);
  if (st.st_size == 0) return Status::SUCCESS;  // created but never written (e.g. a crash right after creation)

  static constexpr char kHeader[] = "SQLite format 3";  // 16 bytes with its NUL, as in the file
  char header[sizeof kHeader] = {};
  ssize_t got = 0;
  while (got < static_cast<ssize_t>(sizeof header)) {
    const ssize_t n = ::read(existing.get(), header + got, sizeof header - static_cast<size_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_failure(errno, "reading '" + path + "'", error);
    if (n == 0) break;
    got += n;
  }
  if (got != static_cast<ssize_t>(sizeof header) || std::memcmp(header, kHeader, sizeof header) != 0) {
    return failure(Status::UNSUCCESSFUL, "'" + path + "' is not an SQLite database (refused, left unchanged)", error);
  }
  return Status::SUCCESS;
}

Status quick_check(sqlite3* db, const std::string& path, std::string* error) {
  Statement check;
  if (Status s = Statement::prepare(db, "PRAGMA quick_check", &check, error); s != Status::SUCCESS) {
    return failure(Status::UNSUCCESSFUL, "the store file '" + path + "' is damaged: " + *error, error);
  }
  const int rc = check.step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "the store file '" + path + "' is damaged", error);
  const std::string result = check.column_text(0);
  if (result != "ok") {
    return failure(Status::UNSUCCESSFUL, "the store file '" + path + "' is damaged: " + result, error);
  }
  return Status::SUCCESS;
}

// Sets a pragma and checks the value SQLite reports back (journal_mode
// answers with the mode in effect, which is not WAL on every file system).
Status set_journal_wal(sqlite3* db, std::string* error) {
  Statement stmt;
  if (Status s = Statement::prepare(db, "PRAGMA journal_mode = WAL", &stmt, error); s != Status::SUCCESS) return s;
  const int rc = stmt.step();
  if (rc != SQLITE_ROW) return sqlite_failure(db, rc, "setting journal_mode=WAL", error);
  const std::string mode = stmt.column_text(0);
  if (mode != "wal") return failure(Status::NOT_SUPPORTED, "journal_mode=WAL refused (mode is " + mode + ")", error);
  return Status::SUCCESS;
}

}  // namespace

Status open_database(const std::string& path, const StoreOptions& options, Database* out, std::string* error) {
  std::string scratch;  // messages below build on the previous one
  if (error == nullptr) error = &scratch;
  out->reset();
  if (path.empty() || path == ":memory:") {
    return failure(Status::INVALID_PARAMETER, "the store needs a file path", error);
  }
  if (options.busyTimeoutMs < 0) return failure(Status::INVALID_PARAMETER, "busyTimeoutMs must be >= 0", error);
  if (Status s = create_or_check_file(path, error); s != Status::SUCCESS) return s;

  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  Database db(raw);  // SQLite returns a handle to close even when opening fails
  if (rc != SQLITE_OK) return sqlite_failure(db.get(), rc, "opening '" + path + "'", error);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), options.busyTimeoutMs);

  // Read-only checks first: a refused file is left as it was.
  if (options.checkIntegrity) {
    if (Status s = quick_check(db.get(), path, error); s != Status::SUCCESS) return s;
  }
  int version = 0;
  if (Status s = read_schema_version(db.get(), &version, error); s != Status::SUCCESS) {
    return failure(s, "'" + path + "': " + *error, error);
  }
  if (version > schema_version()) {
    return failure(Status::NOT_SUPPORTED,
                   "the store file '" + path + "' has schema version " + std::to_string(version) +
                       ", newer than this build's schema version " + std::to_string(schema_version()),
                   error);
  }

  if (Status s = set_journal_wal(db.get(), error); s != Status::SUCCESS) return s;
  // FULL: a transaction is on disk when COMMIT returns (in WAL mode NORMAL
  // could lose the last commits at power loss).
  if (Status s = exec_sql(db.get(), "PRAGMA synchronous = FULL", "setting synchronous=FULL", error);
      s != Status::SUCCESS) {
    return s;
  }
  if (Status s = exec_sql(db.get(), "PRAGMA foreign_keys = ON", "enabling foreign keys", error);
      s != Status::SUCCESS) {
    return s;
  }
  if (Status s = migrate(db.get(), migrations(), error); s != Status::SUCCESS) {
    return failure(s, "'" + path + "': " + *error, error);
  }
  *out = std::move(db);
  return Status::SUCCESS;
}

}  // namespace openwfp::store
