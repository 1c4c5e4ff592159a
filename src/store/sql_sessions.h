// The SqlSession of each backend (internal to src/store): over a connection it owns (the
// pools of sql.cpp) or one it borrows (the ledger writer's, for ledger::Effect).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/postgres.h"
#include "store/sql.h"
#include "store/sqlite.h"

namespace ebank::store {

struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(std::unique_ptr<SqliteDb> db) : owned_(std::move(db)), db_(*owned_) {}
  // Borrows `db`, which must outlive the session.
  explicit SqliteSession(SqliteDb& db) : db_(db) {}
  SqliteDb& db() { return db_; }

  Result<SqlRows> Query(std::string_view sql, const SqlParams& params) override;
  Result<std::optional<int64_t>> Insert(std::string_view sql, const SqlParams& params) override;
  Result<int64_t> Changes(std::string_view sql, const SqlParams& params) override;

 private:
  // The connection's prepared statement for `sql`, prepared on first use.
  Result<SqliteStatement*> Statement(std::string_view sql);

  std::unique_ptr<SqliteDb> owned_;
  SqliteDb& db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, TextHash, std::equal_to<>>
      statements_;
};

class PgSession final : public SqlSession {
 public:
  explicit PgSession(std::unique_ptr<PgConnection> db) : owned_(std::move(db)), db_(*owned_) {}
  // Borrows `db`, which must outlive the session.
  explicit PgSession(PgConnection& db) : db_(db) {}
  PgConnection& db() { return db_; }

  Result<SqlRows> Query(std::string_view sql, const SqlParams& params) override;
  Result<std::optional<int64_t>> Insert(std::string_view sql, const SqlParams& params) override;
  Result<int64_t> Changes(std::string_view sql, const SqlParams& params) override;

 private:
  std::unique_ptr<PgConnection> owned_;
  PgConnection& db_;
};

// Implemented by both backends' ledger write transactions; see SqlOf.
class SqlWriteTransaction {
 public:
  virtual ~SqlWriteTransaction() = default;
  virtual SqlSession& sql() = 0;
};

}  // namespace ebank::store
