// Opening the database named on the command line: a file path for SQLite, or a
// postgresql:// URL (or libpq key=value string starting with "host=") for PostgreSQL.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "ledger/store.h"

namespace ebank::store {

bool IsPostgresUrl(const std::string& database);

// Opens the ledger store, applying any pending migrations first.
Result<std::unique_ptr<ledger::LedgerStore>> OpenLedgerStore(const std::string& database);
Result<std::unique_ptr<ledger::LedgerStore>> OpenSqliteLedgerStore(const std::string& path);
Result<std::unique_ptr<ledger::LedgerStore>> OpenPostgresLedgerStore(const std::string& url);

// Applies pending migrations; returns the schema version now in force.
Result<int> Migrate(const std::string& database);

}  // namespace ebank::store
