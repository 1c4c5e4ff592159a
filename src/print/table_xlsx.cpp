#include "print/table_xlsx.h"

#include <algorithm>

#include "print/xlsx_workbook.h"

namespace ebank::print {
namespace {

constexpr double kTitleFontSize = 14;
constexpr double kColumnWidthMin = 10;
constexpr double kColumnWidthMax = 40;

}  // namespace

Result<std::string> TableXlsx(const TableReport& report) {
  Workbook workbook;
  EBANK_RETURN_IF_ERROR(workbook.Open(report.printed_at_ms));
  std::string sheet_name = XlsxCleaned(report.sheet_name.empty() ? "Report" : report.sheet_name);
  lxw_worksheet* sheet = workbook_add_worksheet(workbook.get(), sheet_name.c_str());
  if (sheet == nullptr) return XlsxFailed("libxlsxwriter cannot add a sheet");
  lxw_format* title = workbook_add_format(workbook.get());
  format_set_bold(title);
  format_set_font_size(title, kTitleFontSize);
  lxw_format* head = workbook_add_format(workbook.get());
  format_set_bold(head);
  format_set_bottom(head, LXW_BORDER_THIN);
  format_set_text_wrap(head);
  lxw_format* integer = workbook_add_format(workbook.get());
  format_set_num_format(integer, "#,##0");
  lxw_format* amount = workbook_add_format(workbook.get());
  format_set_num_format(amount, "#,##0.00");
  lxw_format* percent = workbook_add_format(workbook.get());
  format_set_num_format(percent, "0.0");

  lxw_row_t row = 0;
  worksheet_write_string(sheet, row++, 0, XlsxCleaned(report.title).c_str(), title);
  for (const std::string& note : report.notes)
    worksheet_write_string(sheet, row++, 0, XlsxCleaned(note).c_str(), nullptr);
  ++row;
  lxw_row_t head_row = row;
  for (size_t column = 0; column < report.headers.size(); ++column) {
    worksheet_write_string(sheet, row, static_cast<lxw_col_t>(column),
                           XlsxCleaned(report.headers[column]).c_str(), head);
    double width = std::clamp(static_cast<double>(report.headers[column].size()) / 2 + 4,
                              kColumnWidthMin, kColumnWidthMax);
    worksheet_set_column(sheet, static_cast<lxw_col_t>(column), static_cast<lxw_col_t>(column),
                         width, nullptr);
  }
  worksheet_freeze_panes(sheet, head_row + 1, 1);
  for (const auto& cells : report.rows) {
    ++row;
    for (size_t column = 0; column < cells.size(); ++column) {
      const TableCell& cell = cells[column];
      auto at = static_cast<lxw_col_t>(column);
      if (const auto* text = std::get_if<std::string>(&cell.value)) {
        worksheet_write_string(sheet, row, at, XlsxCleaned(*text).c_str(), nullptr);
      } else if (const auto* number = std::get_if<double>(&cell.value)) {
        lxw_format* format = cell.format == CellFormat::kAmount    ? amount
                             : cell.format == CellFormat::kPercent ? percent
                                                                   : integer;
        worksheet_write_number(sheet, row, at, *number, format);
      }
    }
  }
  return workbook.Finish();
}

}  // namespace ebank::print
