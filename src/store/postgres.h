// Thin RAII wrappers of libpq. Not thread-safe: one thread uses a connection at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace ebank::store {

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  ~PgResult() { PQclear(result_); }
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const { return PQntuples(result_); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  std::string_view Text(int row, int column) const {
    return {PQgetvalue(result_, row, column),
            static_cast<size_t>(PQgetlength(result_, row, column))};
  }
  int64_t Int64(int row, int column) const;
  PGresult* raw() const { return result_; }

 private:
  PGresult* result_;
};

// Text-format parameters; nullopt is SQL NULL.
using PgParams = std::vector<std::optional<std::string>>;

class PgConnection {
 public:
  // `url` is a libpq connection string or postgresql:// URL.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one statement when there are parameters) and returns its rows.
  Result<PgResult> Query(const std::string& sql, const PgParams& params = {});
  // Query through a statement prepared on this connection at its first use (saving
  // PostgreSQL's parse and plan on every later one); for the fixed texts of the services.
  Result<PgResult> QueryPrepared(const std::string& sql, const PgParams& params);
  // Runs statements that return no rows.
  Status Exec(const std::string& sql);
  // COPY ... FROM STDIN with `data` in COPY's text format.
  Status CopyIn(const std::string& copy_sql, std::string_view data);
  bool broken() const;

 private:
  explicit PgConnection(PGconn* connection) : connection_(connection) {}
  Status Error(std::string_view what, const PGresult* result);
  PGconn* connection_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text to statement name.
};

// Appends `value` to `out` escaped for COPY's text format.
void AppendCopyText(std::string& out, std::string_view value);
// "{1,2,3}": a bigint[] literal.
std::string ArrayLiteral(const std::vector<int64_t>& values);
// {"a","b"}: a text[] literal, quoting every element.
std::string ArrayLiteral(const std::vector<std::string>& values);

}  // namespace ebank::store
