// Thin RAII wrappers of SQLite's C API. Not thread-safe: one thread uses a connection
// at a time (connections are pooled, see pool.h).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::store {

class SqliteStatement;

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode with synchronous=FULL,
  // foreign keys on and a busy timeout, so that several processes may share it.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);
  // Prepares a statement that lives as long as this connection.
  Result<std::unique_ptr<SqliteStatement>> Prepare(std::string_view sql);
  sqlite3* handle() { return db_; }
  Status Error(std::string_view what);

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

class SqliteStatement {
 public:
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as in SQLite.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view value);
  SqliteStatement& BindNull(int index);
  // True when a row is ready, false when done; errors are statuses.
  Result<bool> Step();
  // Steps a statement that returns no rows, then resets it.
  Status Run();
  void Reset();

  // Columns are 0-based, as in SQLite.
  int64_t Int64(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;
  int Type(int column) const { return sqlite3_column_type(statement_, column); }
  int ColumnCount() const { return sqlite3_column_count(statement_); }

 private:
  friend class SqliteDb;
  SqliteStatement(SqliteDb* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  SqliteDb* db_;
  sqlite3_stmt* statement_;
};

}  // namespace ebank::store
