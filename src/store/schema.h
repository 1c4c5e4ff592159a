// The one schema of ebank, as versioned migrations for SQLite and PostgreSQL.
#pragma once

#include <string_view>
#include <vector>

namespace ebank::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sqlite;
  std::string_view postgresql;
};

// In order of version; a migration, once released, never changes.
const std::vector<Migration>& Migrations();

}  // namespace ebank::store
