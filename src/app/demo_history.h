// A believable year of a bank's activity for `ebank demo --history-customers N`, so that the
// back office's dashboards show real figures on the first `make run` (BO-3, issue 5).
//
// Seeded, so the same N gives the same bank. Customers are spread over the demo's outlets;
// most have a debit card, some a credit card; about three in four are signed up for
// e-banking with a mix of channels, and some of those stop using it (dormant customers).
// Their money moves through the ledger: cash at the counter, transfers among them on the
// web and on phones, the monthly SMS alert fee and U-key and password-card fees. The
// business records of each movement (payment, counter approval, fee charge, login) are
// written in the ledger's transaction with it, dated when it happened in the past year;
// the journal entries themselves carry the time the demo wrote them, as a migration from
// another system would. Also stocks every outlet with U-keys, sets KPI targets and opens the
// year's cases (errors, disputes, complaints, inspection findings) at each outlet.
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "services/customers.h"
#include "services/staff.h"
#include "store/sql.h"

namespace ebank::app {

inline constexpr int kHistoryCustomersMax = 20000;
inline constexpr int kUkeysPerOutlet = 20;

struct HistorySummary {
  int customers = 0;      // Created by this run (0 when the history existed already).
  int64_t movements = 0;  // Ledger transfers written.
  int64_t ukeys_stocked = 0;
  int64_t cases = 0;  // Error cases, disputes, complaints and findings of the past year.
};

// Adds `customers` history customers (none when they exist already: the run is
// idempotent) and U-key stock for outlets that have none.
Result<HistorySummary> GrowHistory(store::SqlDatabase& db, ledger::Ledger& ledger,
                                   services::CustomerService& customers, const Clock& clock,
                                   int customer_count, uint64_t seed);

}  // namespace ebank::app
