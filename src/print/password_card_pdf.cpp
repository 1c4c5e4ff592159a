#include "print/password_card_pdf.h"

#include <fmt/format.h>
#include <hpdf.h>

#include <string>
#include <string_view>

#include "print/pdf_support.h"

namespace ebank::print {
namespace {

// A6 landscape, 148 x 105 mm; libharu names page sizes only down to A5. The grid is the
// label column and row plus 8 x 10 cells.
constexpr HPDF_REAL kPageWidthPt = 419.53f;
constexpr HPDF_REAL kPageHeightPt = 297.64f;
constexpr HPDF_REAL kMarginPt = 20;
constexpr HPDF_REAL kLineGapPt = 6;
constexpr HPDF_REAL kCellWidthPt = 40;
constexpr HPDF_REAL kCellHeightPt = 17;
constexpr HPDF_REAL kTitleSizePt = 13;
constexpr HPDF_REAL kSerialSizePt = 10;
constexpr HPDF_REAL kCellSizePt = 11;
constexpr HPDF_REAL kNoticeSizePt = 9;
constexpr HPDF_REAL kGridLinePt = 0.5;
constexpr size_t kSerialGroupDigits = 4;

constexpr std::string_view kTitle = "ebank 密码卡 / Password card";
constexpr std::string_view kNotice = "请妥善保管，勿告诉他人 / Keep it safe; never tell anyone";

void Text(HPDF_Page page, HPDF_Font font, HPDF_REAL size, HPDF_REAL x, HPDF_REAL y,
          const std::string& text) {
  HPDF_Page_SetFontAndSize(page, font, size);
  HPDF_Page_TextOut(page, x, y, text.c_str());
}

// `text` centred in the grid cell at `column`, `row` (0, 0 is the top left label corner).
void CellText(HPDF_Page page, HPDF_REAL left, HPDF_REAL top, int column, int row,
              const std::string& text) {
  HPDF_REAL width = HPDF_Page_TextWidth(page, text.c_str());
  HPDF_REAL x = left + static_cast<HPDF_REAL>(column) * kCellWidthPt + (kCellWidthPt - width) / 2;
  // Digits stand about 0.6 em above the baseline in Courier.
  HPDF_REAL y = top - static_cast<HPDF_REAL>(row + 1) * kCellHeightPt +
                (kCellHeightPt - 0.6f * kCellSizePt) / 2;
  HPDF_Page_TextOut(page, x, y, text.c_str());
}

void GridLines(HPDF_Page page, HPDF_REAL left, HPDF_REAL top) {
  constexpr int kColumns = security::kCardColumns + 1;
  constexpr int kRows = security::kCardRows + 1;
  HPDF_REAL right = left + kColumns * kCellWidthPt;
  HPDF_REAL bottom = top - kRows * kCellHeightPt;
  HPDF_Page_SetLineWidth(page, kGridLinePt);
  for (int row = 0; row <= kRows; ++row) {
    HPDF_Page_MoveTo(page, left, top - static_cast<HPDF_REAL>(row) * kCellHeightPt);
    HPDF_Page_LineTo(page, right, top - static_cast<HPDF_REAL>(row) * kCellHeightPt);
  }
  for (int column = 0; column <= kColumns; ++column) {
    HPDF_Page_MoveTo(page, left + static_cast<HPDF_REAL>(column) * kCellWidthPt, top);
    HPDF_Page_LineTo(page, left + static_cast<HPDF_REAL>(column) * kCellWidthPt, bottom);
  }
  HPDF_Page_Stroke(page);
}

std::string SerialLine(const std::string& serial) {
  std::string line = "No.";
  for (size_t i = 0; i < serial.size(); i += kSerialGroupDigits) {
    line += ' ';
    line += serial.substr(i, kSerialGroupDigits);
  }
  return line;
}

void DrawCard(HPDF_Page page, HPDF_Font chinese, HPDF_Font mono, const PasswordCardPrint& print,
              const std::string& title, const std::string& notice) {
  HPDF_REAL grid_left =
      (HPDF_Page_GetWidth(page) - (security::kCardColumns + 1) * kCellWidthPt) / 2;
  HPDF_REAL title_y = HPDF_Page_GetHeight(page) - kMarginPt - kTitleSizePt;
  HPDF_REAL serial_y = title_y - kLineGapPt - kSerialSizePt;
  HPDF_REAL grid_top = serial_y - 2 * kLineGapPt;
  GridLines(page, grid_left, grid_top);

  HPDF_Page_BeginText(page);
  Text(page, chinese, kTitleSizePt, grid_left, title_y, title);
  Text(page, mono, kSerialSizePt, grid_left, serial_y, SerialLine(print.card.serial()));
  HPDF_Page_SetFontAndSize(page, mono, kCellSizePt);
  for (int column = 0; column < security::kCardColumns; ++column)
    CellText(page, grid_left, grid_top, column + 1, 0,
             std::string(1, static_cast<char>('A' + column)));
  for (int row = 0; row < security::kCardRows; ++row) {
    CellText(page, grid_left, grid_top, 0, row + 1, std::to_string(row + 1));
    for (int column = 0; column < security::kCardColumns; ++column) {
      CellText(page, grid_left, grid_top, column + 1, row + 1,
               fmt::format("{:03}", print.card.code(security::CardCell{column, row})));
    }
  }
  Text(page, chinese, kNoticeSizePt, grid_left, kMarginPt, notice);
  HPDF_Page_EndText(page);
}

}  // namespace

Result<std::string> PasswordCardPdf(const PasswordCardPrint& print) {
  auto title = ToGb2312(kTitle);
  if (!title.ok()) return title.status();
  auto notice = ToGb2312(kNotice);
  if (!notice.ok()) return notice.status();

  PdfDoc doc(HPDF_New(nullptr, nullptr));
  if (doc == nullptr) return PdfFailed("libharu cannot create a document");
  HPDF_Doc pdf = doc.get();
  HPDF_SetCompressionMode(pdf, print.compress ? HPDF_COMP_ALL : HPDF_COMP_NONE);
  HPDF_UseCNSFonts(pdf);
  HPDF_UseCNSEncodings(pdf);
  HPDF_Font chinese = HPDF_GetFont(pdf, "SimSun", "GB-EUC-H");
  // A monospaced font keeps the codes' digits in line and tells 0 from O.
  HPDF_Font mono = HPDF_GetFont(pdf, "Courier-Bold", nullptr);
  HPDF_Page page = HPDF_AddPage(pdf);
  if (chinese == nullptr || mono == nullptr || page == nullptr) {
    EBANK_RETURN_IF_ERROR(CheckPdf(pdf, "starting the page"));
    return PdfFailed("libharu has no SimSun or Courier-Bold font");
  }
  HPDF_Page_SetWidth(page, kPageWidthPt);
  HPDF_Page_SetHeight(page, kPageHeightPt);
  DrawCard(page, chinese, mono, print, *title, *notice);
  EBANK_RETURN_IF_ERROR(CheckPdf(pdf, "drawing the card"));

  return SavePdf(pdf);
}

}  // namespace ebank::print
