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

// Result rows, every cell as text (or NULL), read with typed accessors.
class SqlRows {
 public:
  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  bool IsNull(size_t row, size_t column) const { return !rows_.at(row).at(column).has_value(); }
  std::string Text(size_t row, size_t column) const {
    return rows_.at(row).at(column).value_or("");
  }
  int64_t Int(size_t row, size_t column) const;
  std::optional<int64_t> OptionalInt(size_t row, size_t column) const;

  void AddRow(std::vector<std::optional<std::string>> row) { rows_.push_back(std::move(row)); }

 private:
  std::vector<std::vector<std::optional<std::string>>> rows_;
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
