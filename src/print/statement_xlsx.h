// Statements and receipts as .xlsx workbooks (libxlsxwriter): amounts are numbers in the
// currency's precision, so a spreadsheet can add them up. Thread-safe: pure functions of
// their input (each call writes and removes its own temporary file, since Debian's
// libxlsxwriter 1.1 writes workbooks only to files). Statuses: Internal "xlsx_failed".
#pragma once

#include <string>

#include "core/status.h"
#include "print/statement.h"

namespace ebank::print {

// One sheet: the account and period, opening and closing balances and totals, then a
// table with one row per transaction (time, number, in, out, balance, counterparty, memo),
// its head frozen.
Result<std::string> StatementXlsx(const StatementPrint& statement);

// One sheet of label / value rows for the transaction.
Result<std::string> ReceiptXlsx(const ReceiptPrint& receipt);

}  // namespace ebank::print
