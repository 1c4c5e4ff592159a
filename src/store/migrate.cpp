#include <spdlog/spdlog.h>

#include "store/open.h"
#include "store/postgres.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace ebank::store {
namespace {

constexpr const char* kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT "
    "NULL, applied_at_ms BIGINT NOT NULL)";
// Any fixed number: the advisory lock that serialises migrations between processes.
constexpr int64_t kMigrationLockId = 727271;

int LatestVersion() {
  return Migrations().back().version;
}

}  // namespace

Status MigrateSqlite(SqliteDb& db) {
  EBANK_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto rollback = [&](Status status) {
    (void)db.Exec("ROLLBACK");
    return status;
  };
  Status status = db.Exec(kMigrationsTable);
  if (!status.ok()) return rollback(status);
  auto query = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!query.ok()) return rollback(query.status());
  auto row = (*query)->Step();
  if (!row.ok()) return rollback(row.status());
  int64_t current = (*query)->Int64(0);
  query->reset();
  for (const Migration& migration : Migrations()) {
    if (migration.version <= current) continue;
    spdlog::info("migrating SQLite schema to version {} ({})", migration.version, migration.name);
    status = db.Exec(migration.sqlite);
    if (!status.ok()) return rollback(status);
    auto insert = db.Prepare(
        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, "
        "CAST(strftime('%s','now') AS INTEGER) * 1000)");
    if (!insert.ok()) return rollback(insert.status());
    status = (*insert)->Bind(1, int64_t{migration.version}).Bind(2, migration.name).Run();
    if (!status.ok()) return rollback(status);
  }
  return db.Exec("COMMIT");
}

Status MigratePostgres(PgConnection& db) {
  EBANK_RETURN_IF_ERROR(db.Exec("BEGIN"));
  auto rollback = [&](Status status) {
    (void)db.Exec("ROLLBACK");
    return status;
  };
  Status status = db.Exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockId) + ")");
  if (status.ok()) status = db.Exec(kMigrationsTable);
  if (!status.ok()) return rollback(status);
  auto current = db.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!current.ok()) return rollback(current.status());
  int64_t version = current->Int64(0, 0);
  for (const Migration& migration : Migrations()) {
    if (migration.version <= version) continue;
    spdlog::info("migrating PostgreSQL schema to version {} ({})", migration.version,
                 migration.name);
    status = db.Exec(std::string(migration.postgresql));
    if (status.ok()) {
      auto inserted = db.Query(
          "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, "
          "(extract(epoch from now()) * 1000)::bigint)",
          {std::to_string(migration.version), std::string(migration.name)});
      status = inserted.status();
    }
    if (!status.ok()) return rollback(status);
  }
  return db.Exec("COMMIT");
}

bool IsPostgresUrl(const std::string& database) {
  return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0 ||
         database.rfind("host=", 0) == 0;
}

Result<std::unique_ptr<ledger::LedgerStore>> OpenLedgerStore(const std::string& database) {
  if (IsPostgresUrl(database)) return OpenPostgresLedgerStore(database);
  return OpenSqliteLedgerStore(database);
}

Result<int> Migrate(const std::string& database) {
  if (IsPostgresUrl(database)) {
    auto db = PgConnection::Connect(database);
    if (!db.ok()) return db.status();
    EBANK_RETURN_IF_ERROR(MigratePostgres(**db));
  } else {
    auto db = SqliteDb::Open(database);
    if (!db.ok()) return db.status();
    EBANK_RETURN_IF_ERROR(MigrateSqlite(**db));
  }
  return LatestVersion();
}

}  // namespace ebank::store
