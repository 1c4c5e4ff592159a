// Portable SQL for the services (customers, signing, sessions, payments...): one dialect-
// neutral statement text with `?` placeholders runs on SQLite and on PostgreSQL. The
// ledger's hot path does not use this; it has its own store (ledger_*.cpp) tuned per backend.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "ledger/store.h"

namespace ebank::store {

// A parameter: NULL, an integer or text.
using SqlValue = std::variant<std::monostate, int64_t, std::string>;
using SqlParams = std::vector<SqlValue>;

// Result rows, read with typed accessors. A cell holds NULL, an integer (SQLite's own
// integers, kept as they are) or text (everything else, and every PostgreSQL value); Text
// of an integer cell is its decimal form and Int of a text cell parses it, so callers never
// depend on which backend filled the rows.
class SqlRows {
 public:
  size_t size() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return cells_.empty(); }
  bool IsNull(size_t row, size_t column) const {
    return std::holds_alternative<std::monostate>(Cell(row, column));
  }
  std::string Text(size_t row, size_t column) const;
  int64_t Int(size_t row, size_t column) const;
  std::optional<int64_t> OptionalInt(size_t row, size_t column) const;

  // Filling: the column count first, then each row's cells in order.
  void SetColumns(size_t columns) { columns_ = columns; }
  void AddNull() { cells_.emplace_back(); }
  void AddInt(int64_t value) { cells_.emplace_back(value); }
  void AddText(std::string text) { cells_.emplace_back(std::move(text)); }

 private:
  const SqlValue& Cell(size_t row, size_t column) const;
  size_t columns_ = 0;
  std::vector<SqlValue> cells_;
};

// One connection inside a transaction. Not thread-safe.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  // Runs one statement with `?` placeholders; returns its rows (none for DML without
  // RETURNING). Unique violations are kConflict with reason "constraint".
  virtual Result<SqlRows> Query(std::string_view sql, const SqlParams& params = {}) = 0;
  Status Exec(std::string_view sql, const SqlParams& params = {}) {
    return Query(sql, params).status();
  }
  // Runs an INSERT (written without RETURNING) into a table whose key is `id`; returns the
  // new row's id, or nullopt when ON CONFLICT DO NOTHING skipped the row. On SQLite this
  // avoids RETURNING, which builds a temporary table for every statement.
  virtual Result<std::optional<int64_t>> Insert(std::string_view sql, const SqlParams& params) = 0;
  // Runs one INSERT, UPDATE or DELETE (written without RETURNING); returns how many rows it
  // wrote. An upsert whose DO UPDATE ... WHERE refused the row wrote none.
  virtual Result<int64_t> Changes(std::string_view sql, const SqlParams& params) = 0;
};

// A pool of connections to one database. Thread-safe.
class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual std::string_view backend() const = 0;
  // Runs `work` in one transaction: committed when it returns OK, rolled back otherwise.
  // PostgreSQL runs it SERIALIZABLE and retries it (up to a bounded count) on
  // serialization failures; SQLite takes the write lock up front (BEGIN IMMEDIATE).
  virtual Status Transaction(const std::function<Status(SqlSession&)>& work) = 0;
  // Runs `work` in a read-only snapshot.
  virtual Status Read(const std::function<Status(SqlSession&)>& work) = 0;
};

// The session of a write transaction of a ledger store from OpenLedgerStore: statements
// on it run inside the ledger's batch transaction (for ledger::Effect).
SqlSession& SqlOf(ledger::WriteTransaction& transaction);

// Opens the database named as for OpenLedgerStore, applying migrations first.
Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(const std::string& database);

// "?" placeholders to PostgreSQL's "$1", "$2"..., skipping quoted literals.
std::string ToPostgresPlaceholders(std::string_view sql);

}  // namespace ebank::store
