#include "store/meta.hpp"

#include <charconv>

namespace openwfp::store {

Status read_meta(sqlite3* db, std::string_view key, std::optional<std::string>* value, std::string* error) {
  value->reset();
  Statement stmt;
  if (Status s = Statement::prepare(db, "SELECT value FROM meta WHERE key = ?1", &stmt, error); s != Status::SUCCESS) {
    return s;
  }
  stmt.bind_text(1, key);
  const int rc = stmt.step();
  if (rc == SQLITE_ROW) {
    *value = stmt.column_text(0);
    return Status::SUCCESS;
  }
  if (rc == SQLITE_DONE) return Status::SUCCESS;
  return sqlite_failure(db, rc, "reading meta '" + std::string(key) + "'", error);
}

Status write_meta(sqlite3* db, std::string_view key, std::string_view value, std::string* error) {
  Statement stmt;
  if (Status s = Statement::prepare(db,
                                    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                    &stmt, error);
      s != Status::SUCCESS) {
    return s;
  }
  stmt.bind_text(1, key);
  stmt.bind_text(2, value);
  const int rc = stmt.step();
  if (rc != SQLITE_DONE) return sqlite_failure(db, rc, "writing meta '" + std::string(key) + "'", error);
  return Status::SUCCESS;
}

Status read_meta_counter(sqlite3* db, std::string_view key, uint64_t* value, std::string* error) {
  *value = 0;
  std::optional<std::string> text;
  if (Status s = read_meta(db, key, &text, error); s != Status::SUCCESS) return s;
  if (!text) return Status::SUCCESS;
  const char* end = text->data() + text->size();
  if (std::from_chars(text->data(), end, *value).ptr != end || text->empty()) {
    return failure(Status::UNSUCCESSFUL, "meta '" + std::string(key) + "' is not a number (damaged file)", error);
  }
  return Status::SUCCESS;
}

}  // namespace openwfp::store
