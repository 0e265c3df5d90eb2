// RAII owners of SQLite's handles (connection, prepared statement,
// transaction) and the mapping of SQLite's result codes to Status.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "openwfp/status.hpp"

namespace openwfp::store {

struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, DatabaseCloser>;

// The Status closest to an SQLite result code (extended codes included).
Status status_from_sqlite(int rc) noexcept;

// Sets *error (when given) to "<what>: <SQLite's message for the connection>"
// and returns the Status for `rc`.
Status sqlite_failure(sqlite3* db, int rc, std::string_view what, std::string* error);

// Sets *error (when given) to `message` and returns `status`.
Status failure(Status status, std::string message, std::string* error);

// Runs constant SQL text (no values: values always go through bound
// parameters of a Statement).
Status exec_sql(sqlite3* db, const char* sql, std::string_view what, std::string* error);

// A prepared statement. Text is bound without a copy: a bound string must
// stay alive until the statement is reset or stepped for the last time.
class Statement {
 public:
  Statement() = default;

  static Status prepare(sqlite3* db, std::string_view sql, Statement* out, std::string* error);

  // A failed bind is remembered and returned by the next step().
  void bind_text(int index, std::string_view text) noexcept;
  void bind_int64(int index, int64_t value) noexcept;

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() noexcept;
  // Ready to step again; bindings are kept until replaced.
  void reset() noexcept;

  int64_t column_int64(int index) const noexcept;
  std::string column_text(int index) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bindError_ = SQLITE_OK;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when destroyed uncommitted, so
// every early return of a failing operation leaves the file as it was.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) noexcept : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status begin(std::string* error);
  // With synchronous=FULL the transaction is on disk when this returns.
  Status commit(std::string* error);

 private:
  sqlite3* db_;
  bool active_ = false;
};

}  // namespace openwfp::store
