#include "store/sqlite_handle.hpp"

#include <climits>

namespace openwfp::store {

Status status_from_sqlite(int rc) noexcept {
  switch (rc) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::SUCCESS;
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return Status::FWP_ALREADY_EXISTS;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Status::INVALID_PARAMETER;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::DEVICE_BUSY;
    case SQLITE_NOMEM:
      return Status::NO_MEMORY;
    case SQLITE_FULL:
      return Status::INSUFFICIENT_RESOURCES;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return Status::ACCESS_DENIED;
    case SQLITE_NOTFOUND:
      return Status::NOT_FOUND;
    default:
      return Status::UNSUCCESSFUL;
  }
}

Status failure(Status status, std::string message, std::string* error) {
  if (error != nullptr) *error = std::move(message);
  return status;
}

Status sqlite_failure(sqlite3* db, int rc, std::string_view what, std::string* error) {
  std::string message(what);
  message += ": ";
  // The connection's message names the constraint or statement; a code set
  // without one (a failed bind) only has the generic text.
  message += (db != nullptr && sqlite3_errcode(db) != SQLITE_OK) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return failure(status_from_sqlite(rc), std::move(message), error);
}

Status exec_sql(sqlite3* db, const char* sql, std::string_view what, std::string* error) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(db, rc, what, error);
  return Status::SUCCESS;
}

Status Statement::prepare(sqlite3* db, std::string_view sql, Statement* out, std::string* error) {
  if (sql.size() > INT_MAX) return failure(Status::INVALID_PARAMETER, "SQL text too long", error);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  out->stmt_.reset(stmt);
  out->bindError_ = SQLITE_OK;
  if (rc != SQLITE_OK) return sqlite_failure(db, rc, "preparing a statement", error);
  return Status::SUCCESS;
}

void Statement::bind_text(int index, std::string_view text) noexcept {
  // An empty view may have no data pointer, which SQLite would bind as NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text64(stmt_.get(), index, data, text.size(), nullptr, SQLITE_UTF8);
  if (rc != SQLITE_OK && bindError_ == SQLITE_OK) bindError_ = rc;
}

void Statement::bind_int64(int index, int64_t value) noexcept {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bindError_ == SQLITE_OK) bindError_ = rc;
}

int Statement::step() noexcept {
  if (bindError_ != SQLITE_OK) return bindError_;
  return sqlite3_step(stmt_.get());
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_.get());
  bindError_ = SQLITE_OK;
}

int64_t Statement::column_int64(int index) const noexcept { return sqlite3_column_int64(stmt_.get(), index); }

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), index);
  if (text == nullptr) return {};
  const int bytes = sqlite3_column_bytes(stmt_.get(), index);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(bytes));
}

Transaction::~Transaction() {
  // A failed COMMIT may already have rolled back (autocommit is back on).
  if (active_ && sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::begin(std::string* error) {
  // IMMEDIATE takes the write lock now, so a busy file fails here (after the
  // busy timeout) and never half-way through the transaction's writes.
  const Status s = exec_sql(db_, "BEGIN IMMEDIATE", "starting a transaction", error);
  active_ = s == Status::SUCCESS;
  return s;
}

Status Transaction::commit(std::string* error) {
  const Status s = exec_sql(db_, "COMMIT", "committing", error);
  if (s == Status::SUCCESS) active_ = false;
  return s;
}

}  // namespace openwfp::store
