#include "store/sql.h"

#include <charconv>
#include <mutex>

#include "store/open.h"
#include "store/postgres.h"
#include "store/sqlite.h"

namespace ebank::store {
namespace {

constexpr size_t kPoolConnectionsMax = 16;
constexpr int kSerializationRetriesMax = 8;

std::optional<std::string> ParamText(const SqlValue& value) {
  if (std::holds_alternative<std::monostate>(value)) return std::nullopt;
  if (const auto* number = std::get_if<int64_t>(&value)) return std::to_string(*number);
  return std::get<std::string>(value);
}

class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  SqliteDb& db() { return *db_; }

  Result<SqlRows> Query(std::string_view sql, const SqlParams& params) override {
    auto statement = db_->Prepare(sql);
    if (!statement.ok()) return statement.status();
    SqliteStatement& s = **statement;
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      if (std::holds_alternative<std::monostate>(params[i])) {
        s.BindNull(index);
      } else if (const auto* number = std::get_if<int64_t>(&params[i])) {
        s.Bind(index, *number);
      } else {
        s.Bind(index, std::string_view(std::get<std::string>(params[i])));
      }
    }
    SqlRows rows;
    int columns = s.ColumnCount();
    while (true) {
      auto has_row = s.Step();
      if (!has_row.ok()) return has_row.status();
      if (!*has_row) break;
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < columns; ++c) {
        if (s.IsNull(c)) {
          row.emplace_back();
        } else {
          row.emplace_back(s.Text(c));
        }
      }
      rows.AddRow(std::move(row));
    }
    return rows;
  }

 private:
  std::unique_ptr<SqliteDb> db_;
};

class PgSession final : public SqlSession {
 public:
  explicit PgSession(std::unique_ptr<PgConnection> db) : db_(std::move(db)) {}
  PgConnection& db() { return *db_; }

  Result<SqlRows> Query(std::string_view sql, const SqlParams& params) override {
    PgParams texts;
    for (const auto& param : params)
      texts.push_back(ParamText(param));
    auto result = db_->Query(ToPostgresPlaceholders(sql), texts);
    if (!result.ok()) return result.status();
    SqlRows rows;
    int columns = PQnfields(result->raw());
    for (int r = 0; r < result->rows(); ++r) {
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < columns; ++c) {
        if (result->IsNull(r, c)) {
          row.emplace_back();
        } else {
          row.emplace_back(std::string(result->Text(r, c)));
        }
      }
      rows.AddRow(std::move(row));
    }
    return rows;
  }

 private:
  std::unique_ptr<PgConnection> db_;
};

// A pool of sessions of one kind.
template <typename Session>
class Pool {
 public:
  std::unique_ptr<Session> Take() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return nullptr;
    auto session = std::move(idle_.back());
    idle_.pop_back();
    return session;
  }
  void Give(std::unique_ptr<Session> session) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kPoolConnectionsMax) idle_.push_back(std::move(session));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Session>> idle_;  // GUARDED_BY(mutex_)
};

class SqliteDatabase final : public SqlDatabase {
 public:
  explicit SqliteDatabase(std::string path) : path_(std::move(path)) {}
  std::string_view backend() const override { return "sqlite"; }

  Status Transaction(const std::function<Status(SqlSession&)>& work) override {
    return Run("BEGIN IMMEDIATE", work);
  }
  Status Read(const std::function<Status(SqlSession&)>& work) override {
    return Run("BEGIN", work);
  }

 private:
  Status Run(const char* begin, const std::function<Status(SqlSession&)>& work) {
    auto session = pool_.Take();
    if (!session) {
      auto db = SqliteDb::Open(path_);
      if (!db.ok()) return db.status();
      session = std::make_unique<SqliteSession>(std::move(*db));
    }
    Status status = session->db().Exec(begin);
    if (status.ok()) {
      status = work(*session);
      Status end = session->db().Exec(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
    pool_.Give(std::move(session));
    return status;
  }

  const std::string path_;
  Pool<SqliteSession> pool_;
};

class PgDatabase final : public SqlDatabase {
 public:
  explicit PgDatabase(std::string url) : url_(std::move(url)) {}
  std::string_view backend() const override { return "postgresql"; }

  Status Transaction(const std::function<Status(SqlSession&)>& work) override {
    Status status;
    for (int attempt = 0; attempt < kSerializationRetriesMax; ++attempt) {
      status = Run("BEGIN ISOLATION LEVEL SERIALIZABLE", work);
      if (status.code() != Code::kUnavailable || status.reason() != "database_busy") break;
    }
    return status;
  }
  Status Read(const std::function<Status(SqlSession&)>& work) override {
    return Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work);
  }

 private:
  Status Run(const char* begin, const std::function<Status(SqlSession&)>& work) {
    auto session = pool_.Take();
    if (!session) {
      auto db = PgConnection::Connect(url_);
      if (!db.ok()) return db.status();
      session = std::make_unique<PgSession>(std::move(*db));
    }
    Status status = session->db().Exec(begin);
    if (status.ok()) {
      status = work(*session);
      Status end = session->db().Exec(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
    if (!session->db().broken()) pool_.Give(std::move(session));
    return status;
  }

  const std::string url_;
  Pool<PgSession> pool_;
};

}  // namespace

int64_t SqlRows::Int(size_t row, size_t column) const {
  return OptionalInt(row, column).value_or(0);
}

std::optional<int64_t> SqlRows::OptionalInt(size_t row, size_t column) const {
  const auto& cell = rows_.at(row).at(column);
  if (!cell) return std::nullopt;
  int64_t value = 0;
  std::from_chars(cell->data(), cell->data() + cell->size(), value);
  return value;
}

std::string ToPostgresPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += '$';
      out += std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(const std::string& database) {
  auto version = Migrate(database);
  if (!version.ok()) return version.status();
  if (IsPostgresUrl(database)) {
    return std::unique_ptr<SqlDatabase>(std::make_unique<PgDatabase>(database));
  }
  return std::unique_ptr<SqlDatabase>(std::make_unique<SqliteDatabase>(database));
}

}  // namespace ebank::store
