#include "store/postgres.h"

#include <algorithm>
#include <charconv>

namespace ebank::store {

int64_t PgResult::Int64(int row, int column) const {
  std::string_view text = Text(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url) {
  PGconn* connection = PQconnectdb(url.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    return Status::Unavailable("database_open_failed", "cannot connect to PostgreSQL: " + message);
  }
  std::unique_ptr<PgConnection> result(new PgConnection(connection));
  Status status = result->Exec("SET client_min_messages = warning");
  if (!status.ok()) return status;
  return result;
}

PgConnection::~PgConnection() {
  PQfinish(connection_);
}

bool PgConnection::broken() const {
  return PQstatus(connection_) != CONNECTION_OK;
}

Status PgConnection::Error(std::string_view what, const PGresult* result) {
  std::string message = std::string(what) + ": " + PQerrorMessage(connection_);
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  if (broken()) return Status::Unavailable("database_unreachable", message);
  // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available: retry later.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    return Status::Unavailable("database_busy", message);
  }
  if (sqlstate.rfind("23", 0) == 0) return Status::Conflict("constraint", message);
  return Status::Internal("database_error", message);
}

Result<PgResult> PgConnection::Query(const std::string& sql, const PgParams& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params)
    values.push_back(param ? param->c_str() : nullptr);
  PGresult* raw = params.empty()
                      ? PQexec(connection_, sql.c_str())
                      : PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()),
                                     nullptr, values.data(), nullptr, nullptr, 0);
  PgResult result(raw);
  ExecStatusType status = PQresultStatus(raw);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return Error(sql.substr(0, 60), raw);
  }
  return result;
}

Result<PgResult> PgConnection::QueryPrepared(const std::string& sql, const PgParams& params) {
  constexpr size_t kPreparedPerConnectionMax = 512;
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    if (prepared_.size() >= kPreparedPerConnectionMax) return Query(sql, params);
    std::string name = "ebank_" + std::to_string(prepared_.size() + 1);
    PgResult prepared(PQprepare(connection_, name.c_str(), sql.c_str(), 0, nullptr));
    if (PQresultStatus(prepared.raw()) != PGRES_COMMAND_OK) {
      return Error(sql.substr(0, 60), prepared.raw());
    }
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params)
    values.push_back(param ? param->c_str() : nullptr);
  PGresult* raw =
      PQexecPrepared(connection_, found->second.c_str(), static_cast<int>(values.size()),
                     values.data(), nullptr, nullptr, 0);
  PgResult result(raw);
  ExecStatusType status = PQresultStatus(raw);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return Error(sql.substr(0, 60), raw);
  }
  return result;
}

Status PgConnection::Exec(const std::string& sql) {
  auto result = Query(sql);
  return result.ok() ? Status::Ok() : result.status();
}

Status PgConnection::CopyIn(const std::string& copy_sql, std::string_view data) {
  {
    PgResult start(PQexec(connection_, copy_sql.c_str()));
    if (PQresultStatus(start.raw()) != PGRES_COPY_IN) return Error("copy start", start.raw());
  }
  // libpq takes at most INT_MAX bytes a call; send in bounded chunks.
  constexpr size_t kCopyChunkBytes = 1 << 20;
  for (size_t offset = 0; offset < data.size(); offset += kCopyChunkBytes) {
    size_t size = std::min(kCopyChunkBytes, data.size() - offset);
    if (PQputCopyData(connection_, data.data() + offset, static_cast<int>(size)) != 1) {
      return Error("copy data", nullptr);
    }
  }
  if (PQputCopyEnd(connection_, nullptr) != 1) return Error("copy end", nullptr);
  Status status = Status::Ok();
  while (PGresult* raw = PQgetResult(connection_)) {
    PgResult result(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && status.ok()) status = Error("copy", raw);
  }
  return status;
}

void AppendCopyText(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::string ArrayLiteral(const std::vector<int64_t>& values) {
  std::string text = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += '}';
  return text;
}

std::string ArrayLiteral(const std::vector<std::string>& values) {
  std::string text = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += '"';
  }
  text += '}';
  return text;
}

}  // namespace ebank::store
