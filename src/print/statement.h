// Account statements (对账单) and transaction receipts (回单) as the customer downloads
// them, as PDF (statement_pdf.h) and as spreadsheets (statement_xlsx.h). This header holds
// what both formats print: the data and the bilingual labels, so the two never disagree.
// Thread-safe: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"

namespace ebank::print {

// One transaction, from the account holder's side.
struct StatementLine {
  int64_t transaction_id = 0;
  int64_t at_ms = 0;                // Unix milliseconds.
  int64_t amount_minor = 0;         // Positive: money in; negative: money out.
  int64_t balance_after_minor = 0;  // The account's balance after it.
  std::string counterparty;         // As it may be printed (masked), or "".
  std::string memo;                 // UTF-8 from the payer; may hold anything.
};

struct StatementPrint {
  std::string account_number;  // As it may be printed (masked).
  std::string holder_name;
  Currency currency = Currency::Cny();
  std::string from_date;  // "YYYY-MM-DD", inclusive.
  std::string to_date;    // Inclusive.
  int64_t opening_minor = 0;
  int64_t closing_minor = 0;
  int64_t total_in_minor = 0;
  int64_t total_out_minor = 0;       // A magnitude.
  std::vector<StatementLine> lines;  // Oldest first.
  int64_t printed_at_ms = 0;
  // Deflate PDF page content. Tests turn it off to find the printed text in the file.
  bool compress = true;
};

struct ReceiptPrint {
  std::string account_number;  // As it may be printed (masked).
  std::string holder_name;
  Currency currency = Currency::Cny();
  StatementLine line;
  int64_t printed_at_ms = 0;
  bool compress = true;  // As in StatementPrint.
};

// "2026-05-01 14:03:22": China Standard Time (UTC+8), the bank's time.
std::string ChinaTimeText(int64_t unix_ms);
// "1,234,567.89" (or "-0.50") for minor units of `currency`.
std::string GroupedAmount(int64_t minor, Currency currency);

// The labels both formats print, "中文 / English".
namespace label {
inline constexpr std::string_view kStatementTitle = "ebank 账户对账单 / Account statement";
inline constexpr std::string_view kReceiptTitle = "ebank 电子回单 / Transaction receipt";
inline constexpr std::string_view kHolder = "户名 / Name";
inline constexpr std::string_view kAccount = "账号 / Account";
inline constexpr std::string_view kCurrency = "币种 / Currency";
inline constexpr std::string_view kPeriod = "期间 / Period";
inline constexpr std::string_view kOpening = "期初余额 / Opening balance";
inline constexpr std::string_view kClosing = "期末余额 / Closing balance";
inline constexpr std::string_view kTotalIn = "收入合计 / Total in";
inline constexpr std::string_view kTotalOut = "支出合计 / Total out";
inline constexpr std::string_view kCount = "笔数 / Transactions";
inline constexpr std::string_view kTime = "交易时间 / Time";
inline constexpr std::string_view kTransactionId = "流水号 / No.";
inline constexpr std::string_view kIn = "收入 / In";
inline constexpr std::string_view kOut = "支出 / Out";
inline constexpr std::string_view kBalance = "余额 / Balance";
inline constexpr std::string_view kBalanceAfter = "交易后余额 / Balance after";
inline constexpr std::string_view kAmount = "金额 / Amount";
inline constexpr std::string_view kDirection = "收支 / Direction";
inline constexpr std::string_view kCounterparty = "对方账户 / Counterparty";
inline constexpr std::string_view kMemo = "摘要 / Memo";
inline constexpr std::string_view kPrinted = "打印时间 / Printed";
inline constexpr std::string_view kNoTransactions = "本期无交易 / No transactions in this period";
inline constexpr std::string_view kTimeZone = "时间均为北京时间 / Times are China Standard Time";
inline constexpr std::string_view kReceiptNotice =
    "本回单证明该笔交易已记账 / This receipt confirms the transaction was booked";
}  // namespace label

}  // namespace ebank::print
