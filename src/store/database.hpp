// Opening the store file: the checks that keep a wrong or damaged file
// untouched, the pragmas that make commits durable, and the migration to
// this build's schema.
#pragma once

#include <string>

#include "store/sqlite_handle.hpp"
#include "store/store_options.hpp"

namespace openwfp::store {

// Opens the store at `path`, creating it (mode 0600) when missing; its
// directory must exist. A file that is not an SQLite database, is damaged,
// belongs to another application or has a newer schema is refused before
// anything is written to it.
Status open_database(const std::string& path, const StoreOptions& options, Database* out, std::string* error);

}  // namespace openwfp::store
