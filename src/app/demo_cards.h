// The demo bank's cards and terminals: a debit card with a PIN for each demo customer, a
// merchant, two ATMs, a CRS and a POS, each terminal's PIN key written to
// <data dir>/terminals/<code>.key for `ebank atm` and `ebank pos`. Idempotent: what exists
// is kept (the card numbers the demo issued are in <data dir>/demo/cards.json, as the bank
// itself keeps none).
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "security/secret_box.h"
#include "store/sql.h"

namespace ebank::app {

// Returns the guide's section on cards and terminals; adds what it made to `*created`.
Result<std::string> EnsureDemoCards(store::SqlDatabase& db, ledger::Ledger& ledger,
                                    const security::SecretBox& secrets, const Clock& clock,
                                    const std::filesystem::path& data_dir, int* created);

}  // namespace ebank::app
