// A report as a one-sheet .xlsx workbook (libxlsxwriter): a title, lines of notes, then a
// table whose head is frozen; numbers stay numbers, so a spreadsheet can sum and chart
// them. Used for the KPI export. Thread-safe (a pure function of its input). Statuses:
// Internal "xlsx_failed".
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"

namespace ebank::print {

enum class CellFormat { kText, kInteger, kAmount, kPercent };

struct TableCell {
  std::variant<std::monostate, std::string, double> value;  // monostate: an empty cell.
  CellFormat format = CellFormat::kText;
};

struct TableReport {
  std::string title;
  std::string sheet_name;  // At most 31 characters, none of []:*?/\ (Excel's rule).
  std::vector<std::string> notes;
  std::vector<std::string> headers;
  std::vector<std::vector<TableCell>> rows;
  int64_t printed_at_ms = 0;
};

Result<std::string> TableXlsx(const TableReport& report);

}  // namespace ebank::print
