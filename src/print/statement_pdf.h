// Statements and receipts as PDF (libharu). Chinese text uses the PDF viewer's SimSun
// (libharu's CID font with GB-EUC-H), so the files embed no font; a character of a memo or
// name that GB2312 lacks prints as '?'. Thread-safe: pure functions of their input.
// Statuses: Internal "pdf_failed" when libharu or iconv fail.
#pragma once

#include <string>

#include "core/status.h"
#include "print/statement.h"

namespace ebank::print {

// A4 portrait pages: the title, the account and period, opening and closing balances and
// totals, then one table row per transaction (time, number, in, out, balance,
// counterparty, memo), the table's head repeated on every page, pages numbered.
Result<std::string> StatementPdf(const StatementPrint& statement);

// One A5 landscape page: the transaction's time, number, account, direction, amount,
// balance after, counterparty and memo.
Result<std::string> ReceiptPdf(const ReceiptPrint& receipt);

}  // namespace ebank::print
