#include "print/statement_xlsx.h"

#include "print/xlsx_workbook.h"

#include <fmt/format.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <utility>

namespace ebank::print {
namespace {

constexpr double kTimeColumnWidth = 20;
constexpr double kIdColumnWidth = 12;
constexpr double kAmountColumnWidth = 16;
constexpr double kPartyColumnWidth = 22;
constexpr double kMemoColumnWidth = 36;
constexpr double kLabelColumnWidth = 28;
constexpr double kTitleFontSize = 14;

// The cell formats one workbook uses.
struct Formats {
  lxw_format* title = nullptr;
  lxw_format* bold = nullptr;
  lxw_format* amount = nullptr;
  lxw_format* head = nullptr;
};

Formats MakeFormats(lxw_workbook* workbook, Currency currency) {
  Formats formats;
  formats.title = workbook_add_format(workbook);
  format_set_bold(formats.title);
  format_set_font_size(formats.title, kTitleFontSize);
  formats.bold = workbook_add_format(workbook);
  format_set_bold(formats.bold);
  formats.head = workbook_add_format(workbook);
  format_set_bold(formats.head);
  format_set_bottom(formats.head, LXW_BORDER_THIN);
  formats.amount = workbook_add_format(workbook);
  std::string pattern = currency.exponent() == 0
                            ? std::string("#,##0")
                            : "#,##0." + std::string(static_cast<size_t>(currency.exponent()), '0');
  format_set_num_format(formats.amount, pattern.c_str());
  return formats;
}

// Minor units as the number a spreadsheet shows: exact to the currency's precision, since
// a double holds every amount below 2^53 minor units to its last decimal when printed.
double AmountNumber(int64_t minor, Currency currency) {
  return static_cast<double>(minor) / std::pow(10.0, currency.exponent());
}

void Text(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t column, std::string_view text,
          lxw_format* format = nullptr) {
  worksheet_write_string(sheet, row, column, std::string(text).c_str(), format);
}

}  // namespace

Result<std::string> StatementXlsx(const StatementPrint& statement) {
  Workbook workbook;
  EBANK_RETURN_IF_ERROR(workbook.Open(statement.printed_at_ms));
  lxw_worksheet* sheet = workbook_add_worksheet(workbook.get(), "Statement");
  if (sheet == nullptr) return XlsxFailed("libxlsxwriter cannot add a sheet");
  const Currency currency = statement.currency;
  Formats formats = MakeFormats(workbook.get(), currency);
  const double widths[] = {kTimeColumnWidth,   kIdColumnWidth,     kAmountColumnWidth,
                           kAmountColumnWidth, kAmountColumnWidth, kPartyColumnWidth,
                           kMemoColumnWidth};
  for (lxw_col_t column = 0; column < std::size(widths); ++column)
    worksheet_set_column(sheet, column, column, widths[column], nullptr);

  lxw_row_t row = 0;
  Text(sheet, row++, 0, label::kStatementTitle, formats.title);
  const std::pair<std::string_view, std::string> texts[] = {
      {label::kHolder, statement.holder_name},
      {label::kAccount, statement.account_number},
      {label::kCurrency, std::string(currency.code())},
      {label::kPeriod, statement.from_date + " ~ " + statement.to_date},
      {label::kPrinted, ChinaTimeText(statement.printed_at_ms)},
  };
  for (const auto& [name, value] : texts) {
    Text(sheet, row, 0, name, formats.bold);
    Text(sheet, row++, 2, XlsxCleaned(value));
  }
  const std::pair<std::string_view, int64_t> amounts[] = {
      {label::kOpening, statement.opening_minor},
      {label::kTotalIn, statement.total_in_minor},
      {label::kTotalOut, statement.total_out_minor},
      {label::kClosing, statement.closing_minor},
  };
  for (const auto& [name, minor] : amounts) {
    Text(sheet, row, 0, name, formats.bold);
    worksheet_write_number(sheet, row++, 2, AmountNumber(minor, currency), formats.amount);
  }
  Text(sheet, row, 0, label::kCount, formats.bold);
  worksheet_write_number(sheet, row++, 2, static_cast<double>(statement.lines.size()), nullptr);
  Text(sheet, row++, 0, label::kTimeZone);
  ++row;

  const std::string_view heads[] = {label::kTime, label::kTransactionId, label::kIn,
                                    label::kOut,  label::kBalance,       label::kCounterparty,
                                    label::kMemo};
  for (lxw_col_t column = 0; column < std::size(heads); ++column)
    Text(sheet, row, column, heads[column], formats.head);
  worksheet_freeze_panes(sheet, row + 1, 0);
  ++row;
  for (const StatementLine& line : statement.lines) {
    Text(sheet, row, 0, ChinaTimeText(line.at_ms));
    worksheet_write_number(sheet, row, 1, static_cast<double>(line.transaction_id), nullptr);
    lxw_col_t amount_column = line.amount_minor >= 0 ? 2 : 3;
    int64_t magnitude = line.amount_minor >= 0 ? line.amount_minor : -line.amount_minor;
    worksheet_write_number(sheet, row, amount_column, AmountNumber(magnitude, currency),
                           formats.amount);
    worksheet_write_number(sheet, row, 4, AmountNumber(line.balance_after_minor, currency),
                           formats.amount);
    if (!line.counterparty.empty()) Text(sheet, row, 5, XlsxCleaned(line.counterparty));
    if (!line.memo.empty()) Text(sheet, row, 6, XlsxCleaned(line.memo));
    ++row;
  }
  return workbook.Finish();
}

Result<std::string> ReceiptXlsx(const ReceiptPrint& receipt) {
  Workbook workbook;
  EBANK_RETURN_IF_ERROR(workbook.Open(receipt.printed_at_ms));
  lxw_worksheet* sheet = workbook_add_worksheet(workbook.get(), "Receipt");
  if (sheet == nullptr) return XlsxFailed("libxlsxwriter cannot add a sheet");
  const Currency currency = receipt.currency;
  const StatementLine& line = receipt.line;
  Formats formats = MakeFormats(workbook.get(), currency);
  worksheet_set_column(sheet, 0, 0, kLabelColumnWidth, nullptr);
  worksheet_set_column(sheet, 1, 1, kMemoColumnWidth, nullptr);
  bool in = line.amount_minor >= 0;

  lxw_row_t row = 0;
  Text(sheet, row++, 0, label::kReceiptTitle, formats.title);
  auto text_row = [&](std::string_view name, const std::string& value) {
    Text(sheet, row, 0, name, formats.bold);
    Text(sheet, row++, 1, XlsxCleaned(value));
  };
  auto amount_row = [&](std::string_view name, int64_t minor) {
    Text(sheet, row, 0, name, formats.bold);
    worksheet_write_number(sheet, row++, 1, AmountNumber(minor, currency), formats.amount);
  };
  text_row(label::kTime, ChinaTimeText(line.at_ms));
  Text(sheet, row, 0, label::kTransactionId, formats.bold);
  worksheet_write_number(sheet, row++, 1, static_cast<double>(line.transaction_id), nullptr);
  text_row(label::kHolder, receipt.holder_name);
  text_row(label::kAccount, receipt.account_number);
  text_row(label::kCurrency, std::string(currency.code()));
  text_row(label::kDirection, std::string(in ? label::kIn : label::kOut));
  amount_row(label::kAmount, in ? line.amount_minor : -line.amount_minor);
  amount_row(label::kBalanceAfter, line.balance_after_minor);
  text_row(label::kCounterparty, line.counterparty);
  text_row(label::kMemo, line.memo);
  text_row(label::kPrinted, ChinaTimeText(receipt.printed_at_ms));
  Text(sheet, row++, 0, label::kTimeZone);
  Text(sheet, row++, 0, label::kReceiptNotice);
  return workbook.Finish();
}

}  // namespace ebank::print
