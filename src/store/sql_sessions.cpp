#include "store/sql_sessions.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <variant>

namespace ebank::store {
namespace {

constexpr size_t kStatementsPerConnectionMax = 256;

std::optional<std::string> ParamText(const SqlValue& value) {
  if (std::holds_alternative<std::monostate>(value)) return std::nullopt;
  if (const auto* number = std::get_if<int64_t>(&value)) return std::to_string(*number);
  return std::get<std::string>(value);
}

// libpq's parameters are text (NULL as none).
PgParams ParamTexts(const SqlParams& params) {
  PgParams texts;
  for (const auto& param : params)
    texts.push_back(ParamText(param));
  return texts;
}

bool Preparable(std::string_view sql) {
  for (std::string_view verb : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}) {
    if (sql.size() >= verb.size() &&
        std::equal(verb.begin(), verb.end(), sql.begin(), [](char a, char b) {
          return a == std::toupper(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<SqlRows> SqliteSession::Query(std::string_view sql, const SqlParams& params) {
  auto statement = Statement(sql);
  if (!statement.ok()) return statement.status();
  SqliteStatement& s = **statement;
  // Leaves the statement reset for its next use, whatever happens below.
  struct ResetOnExit {
    SqliteStatement& s;
    ~ResetOnExit() { s.Reset(); }
  } reset{s};
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
  rows.SetColumns(static_cast<size_t>(columns));
  while (true) {
    auto has_row = s.Step();
    if (!has_row.ok()) return has_row.status();
    if (!*has_row) break;
    for (int c = 0; c < columns; ++c) {
      switch (s.Type(c)) {
        case SQLITE_NULL:
          rows.AddNull();
          break;
        case SQLITE_INTEGER:
          rows.AddInt(s.Int64(c));
          break;
        default:
          rows.AddText(s.Text(c));
      }
    }
  }
  return rows;
}

Result<std::optional<int64_t>> SqliteSession::Insert(std::string_view sql,
                                                     const SqlParams& params) {
  auto rows = Query(sql, params);
  if (!rows.ok()) return rows.status();
  if (sqlite3_changes(db_.handle()) == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(sqlite3_last_insert_rowid(db_.handle()));
}

Result<int64_t> SqliteSession::Changes(std::string_view sql, const SqlParams& params) {
  auto rows = Query(sql, params);
  if (!rows.ok()) return rows.status();
  return int64_t{sqlite3_changes(db_.handle())};
}

Result<SqliteStatement*> SqliteSession::Statement(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return found->second.get();
  if (statements_.size() >= kStatementsPerConnectionMax) statements_.clear();
  auto prepared = db_.Prepare(sql);
  if (!prepared.ok()) return prepared.status();
  SqliteStatement* statement = prepared->get();
  statements_.emplace(std::string(sql), std::move(*prepared));
  return statement;
}

Result<SqlRows> PgSession::Query(std::string_view sql, const SqlParams& params) {
  PgParams texts = ParamTexts(params);
  // PostgreSQL prepares only queries and DML (not SAVEPOINT and the like).
  auto result = Preparable(sql) ? db_.QueryPrepared(ToPostgresPlaceholders(sql), texts)
                                : db_.Query(ToPostgresPlaceholders(sql), texts);
  if (!result.ok()) return result.status();
  SqlRows rows;
  int columns = PQnfields(result->raw());
  rows.SetColumns(static_cast<size_t>(columns));
  for (int r = 0; r < result->rows(); ++r) {
    for (int c = 0; c < columns; ++c) {
      if (result->IsNull(r, c)) {
        rows.AddNull();
      } else {
        rows.AddText(std::string(result->Text(r, c)));
      }
    }
  }
  return rows;
}

Result<std::optional<int64_t>> PgSession::Insert(std::string_view sql, const SqlParams& params) {
  auto rows = Query(std::string(sql) + " RETURNING id", params);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(rows->Int(0, 0));
}

Result<int64_t> PgSession::Changes(std::string_view sql, const SqlParams& params) {
  auto result = db_.QueryPrepared(ToPostgresPlaceholders(sql), ParamTexts(params));
  if (!result.ok()) return result.status();
  return int64_t{std::atoll(PQcmdTuples(result->raw()))};
}

SqlSession& SqlOf(ledger::WriteTransaction& transaction) {
  return dynamic_cast<SqlWriteTransaction&>(transaction).sql();
}

}  // namespace ebank::store
