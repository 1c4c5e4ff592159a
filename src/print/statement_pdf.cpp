#include "print/statement_pdf.h"

#include <fmt/format.h>
#include <hpdf.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "print/pdf_support.h"

namespace ebank::print {
namespace {

constexpr HPDF_REAL kMarginPt = 36;
constexpr HPDF_REAL kTitleSizePt = 15;
constexpr HPDF_REAL kTextSizePt = 9;
constexpr HPDF_REAL kTableSizePt = 7.5f;
constexpr HPDF_REAL kLinePt = 14;
constexpr HPDF_REAL kRowPt = 12;
constexpr HPDF_REAL kCellPaddingPt = 3;
constexpr HPDF_REAL kRulePt = 0.5;
constexpr HPDF_REAL kSummaryValueOffsetPt = 130;
constexpr std::string_view kEllipsis = "…";

// The statement table's columns, left to right; widths add up to the A4 text width.
enum Column {
  kTimeColumn,
  kIdColumn,
  kInColumn,
  kOutColumn,
  kBalanceColumn,
  kPartyColumn,
  kMemoColumn,
  kColumns
};
constexpr std::array<HPDF_REAL, kColumns> kColumnWidthPt = {80, 44, 66, 66, 74, 82, 111};
constexpr std::array<std::string_view, kColumns> kColumnLabel = {
    label::kTime,    label::kTransactionId, label::kIn,  label::kOut,
    label::kBalance, label::kCounterparty,  label::kMemo};
constexpr std::array<bool, kColumns> kRightAligned = {false, false, true, true, true, false, false};

// The fonts of one document: SimSun for Chinese (GB2312 bytes), Helvetica for the rest.
struct Fonts {
  HPDF_Font chinese = nullptr;
  HPDF_Font latin = nullptr;
  HPDF_Font latin_bold = nullptr;
};

// A document with the fonts loaded, or an error.
Result<std::pair<PdfDoc, Fonts>> NewDocument(bool compress) {
  PdfDoc doc(HPDF_New(nullptr, nullptr));
  if (doc == nullptr) return PdfFailed("libharu cannot create a document");
  HPDF_Doc pdf = doc.get();
  HPDF_SetCompressionMode(pdf, compress ? HPDF_COMP_ALL : HPDF_COMP_NONE);
  HPDF_UseCNSFonts(pdf);
  HPDF_UseCNSEncodings(pdf);
  Fonts fonts{HPDF_GetFont(pdf, "SimSun", "GB-EUC-H"), HPDF_GetFont(pdf, "Helvetica", nullptr),
              HPDF_GetFont(pdf, "Helvetica-Bold", nullptr)};
  if (fonts.chinese == nullptr || fonts.latin == nullptr || fonts.latin_bold == nullptr) {
    EBANK_RETURN_IF_ERROR(CheckPdf(pdf, "loading fonts"));
    return PdfFailed("libharu has no SimSun or Helvetica font");
  }
  return std::make_pair(std::move(doc), fonts);
}

// Converts the renderer's own labels once, up front, so a bad one fails the whole file.
Result<std::string> Label(std::string_view text) {
  return ToGb2312(text);
}

void TextAt(HPDF_Page page, HPDF_Font font, HPDF_REAL size, HPDF_REAL x, HPDF_REAL y,
            const std::string& text) {
  HPDF_Page_SetFontAndSize(page, font, size);
  HPDF_Page_TextOut(page, x, y, text.c_str());
}

void RightTextAt(HPDF_Page page, HPDF_Font font, HPDF_REAL size, HPDF_REAL right, HPDF_REAL y,
                 const std::string& text) {
  HPDF_Page_SetFontAndSize(page, font, size);
  HPDF_Page_TextOut(page, right - HPDF_Page_TextWidth(page, text.c_str()), y, text.c_str());
}

// Outside text in GB2312, cut (with an ellipsis) to fit `width` at the page's current
// font and size. Cuts between UTF-8 characters so no character is split.
std::string Fitted(HPDF_Page page, std::string_view utf8, HPDF_REAL width) {
  std::string text = ToGb2312Lossy(utf8);
  if (HPDF_Page_TextWidth(page, text.c_str()) <= width) return text;
  std::string ellipsis = ToGb2312Lossy(kEllipsis);
  std::string_view kept = utf8;
  while (!kept.empty()) {
    do {
      kept.remove_suffix(1);
    } while (!kept.empty() && (static_cast<unsigned char>(kept.back()) & 0xC0) == 0x80);
    // Drop the lead byte of a character whose continuation bytes were just removed.
    if (!kept.empty() && static_cast<unsigned char>(kept.back()) >= 0xC0) kept.remove_suffix(1);
    text = ToGb2312Lossy(kept) + ellipsis;
    if (HPDF_Page_TextWidth(page, text.c_str()) <= width) return text;
  }
  return ellipsis;
}

void Rule(HPDF_Page page, HPDF_REAL left, HPDF_REAL right, HPDF_REAL y) {
  HPDF_Page_SetLineWidth(page, kRulePt);
  HPDF_Page_MoveTo(page, left, y);
  HPDF_Page_LineTo(page, right, y);
  HPDF_Page_Stroke(page);
}

// Draws the statement, page by page.
class StatementWriter {
 public:
  StatementWriter(HPDF_Doc pdf, const Fonts& fonts, const StatementPrint& statement)
      : pdf_(pdf), fonts_(fonts), statement_(statement) {}

  Status Write() {
    for (std::string_view text : kColumnLabel) {
      auto converted = Label(text.substr(0, text.find(" / ")));
      if (!converted.ok()) return converted.status();
      column_zh_.push_back(*converted);
      column_en_.emplace_back(text.substr(text.find(" / ") + 3));
    }
    EBANK_RETURN_IF_ERROR(NewPage());
    EBANK_RETURN_IF_ERROR(Summary());
    TableHead();
    if (statement_.lines.empty()) {
      auto none = Label(label::kNoTransactions);
      if (!none.ok()) return none.status();
      TextAt(page_, fonts_.chinese, kTextSizePt, kMarginPt, y_ - kRowPt, *none);
    }
    for (const StatementLine& line : statement_.lines) {
      if (y_ - kRowPt < kMarginPt + kLinePt) {
        EBANK_RETURN_IF_ERROR(NewPage());
        TableHead();
      }
      Row(line);
    }
    HPDF_Page_EndText(page_);
    return CheckPdf(pdf_, "drawing the statement");
  }

 private:
  Status NewPage() {
    if (page_ != nullptr) HPDF_Page_EndText(page_);
    page_ = HPDF_AddPage(pdf_);
    if (page_ == nullptr) return CheckPdf(pdf_, "adding a page");
    HPDF_Page_SetSize(page_, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    ++page_number_;
    width_ = HPDF_Page_GetWidth(page_);
    y_ = HPDF_Page_GetHeight(page_) - kMarginPt;
    auto title = Label(label::kStatementTitle);
    auto footer = Label(fmt::format("第 {} 页 / Page {}", page_number_, page_number_));
    if (!title.ok()) return title.status();
    if (!footer.ok()) return footer.status();
    HPDF_Page_BeginText(page_);
    y_ -= kTitleSizePt;
    TextAt(page_, fonts_.chinese, kTitleSizePt, kMarginPt, y_, *title);
    RightTextAt(page_, fonts_.chinese, kTextSizePt, width_ - kMarginPt, kMarginPt - kLinePt,
                *footer);
    y_ -= kLinePt;
    return Status::Ok();
  }

  // Label: value lines under the title, on the first page only.
  Status Summary() {
    const Currency currency = statement_.currency;
    const std::pair<std::string_view, std::string> lines[] = {
        {label::kHolder, statement_.holder_name},
        {label::kAccount, statement_.account_number},
        {label::kCurrency, std::string(currency.code())},
        {label::kPeriod, statement_.from_date + " ~ " + statement_.to_date},
        {label::kOpening, GroupedAmount(statement_.opening_minor, currency)},
        {label::kTotalIn, GroupedAmount(statement_.total_in_minor, currency)},
        {label::kTotalOut, GroupedAmount(statement_.total_out_minor, currency)},
        {label::kClosing, GroupedAmount(statement_.closing_minor, currency)},
        {label::kCount, std::to_string(statement_.lines.size())},
        {label::kPrinted, ChinaTimeText(statement_.printed_at_ms)},
    };
    for (const auto& [name, value] : lines) {
      auto text = Label(name);
      if (!text.ok()) return text.status();
      y_ -= kLinePt;
      TextAt(page_, fonts_.chinese, kTextSizePt, kMarginPt, y_, *text);
      TextAt(page_, fonts_.chinese, kTextSizePt, kMarginPt + kSummaryValueOffsetPt, y_,
             ToGb2312Lossy(value));
    }
    auto zone = Label(label::kTimeZone);
    if (!zone.ok()) return zone.status();
    y_ -= kLinePt;
    TextAt(page_, fonts_.chinese, kTextSizePt, kMarginPt, y_, *zone);
    y_ -= kLinePt;
    return Status::Ok();
  }

  HPDF_REAL ColumnLeft(int column) const {
    HPDF_REAL x = kMarginPt;
    for (int i = 0; i < column; ++i)
      x += kColumnWidthPt[static_cast<size_t>(i)];
    return x;
  }

  void Cell(int column, HPDF_Font font, const std::string& text) {
    auto index = static_cast<size_t>(column);
    HPDF_REAL left = ColumnLeft(column) + kCellPaddingPt;
    if (kRightAligned[index]) {
      RightTextAt(page_, font, kTableSizePt, left + kColumnWidthPt[index] - 2 * kCellPaddingPt, y_,
                  text);
    } else {
      TextAt(page_, font, kTableSizePt, left, y_, text);
    }
  }

  // Two lines: the Chinese labels, then the English ones, then a rule.
  void TableHead() {
    y_ -= kRowPt;
    for (int column = 0; column < kColumns; ++column)
      Cell(column, fonts_.chinese, column_zh_[static_cast<size_t>(column)]);
    y_ -= kRowPt;
    for (int column = 0; column < kColumns; ++column)
      Cell(column, fonts_.latin_bold, column_en_[static_cast<size_t>(column)]);
    HPDF_Page_EndText(page_);
    Rule(page_, kMarginPt, width_ - kMarginPt, y_ - kCellPaddingPt);
    HPDF_Page_BeginText(page_);
  }

  void Row(const StatementLine& line) {
    const Currency currency = statement_.currency;
    y_ -= kRowPt;
    Cell(kTimeColumn, fonts_.latin, ChinaTimeText(line.at_ms));
    Cell(kIdColumn, fonts_.latin, std::to_string(line.transaction_id));
    if (line.amount_minor >= 0) {
      Cell(kInColumn, fonts_.latin, GroupedAmount(line.amount_minor, currency));
    } else {
      Cell(kOutColumn, fonts_.latin, GroupedAmount(-line.amount_minor, currency));
    }
    Cell(kBalanceColumn, fonts_.latin, GroupedAmount(line.balance_after_minor, currency));
    Cell(kPartyColumn, fonts_.latin, line.counterparty);
    HPDF_Page_SetFontAndSize(page_, fonts_.chinese, kTableSizePt);
    Cell(kMemoColumn, fonts_.chinese,
         Fitted(page_, line.memo, kColumnWidthPt[kMemoColumn] - 2 * kCellPaddingPt));
  }

  HPDF_Doc pdf_;
  Fonts fonts_;
  const StatementPrint& statement_;
  HPDF_Page page_ = nullptr;
  int page_number_ = 0;
  HPDF_REAL width_ = 0;
  HPDF_REAL y_ = 0;
  std::vector<std::string> column_zh_;
  std::vector<std::string> column_en_;
};

}  // namespace

Result<std::string> StatementPdf(const StatementPrint& statement) {
  auto document = NewDocument(statement.compress);
  if (!document.ok()) return document.status();
  HPDF_Doc pdf = document->first.get();
  StatementWriter writer(pdf, document->second, statement);
  EBANK_RETURN_IF_ERROR(writer.Write());
  return SavePdf(pdf);
}

Result<std::string> ReceiptPdf(const ReceiptPrint& receipt) {
  auto document = NewDocument(receipt.compress);
  if (!document.ok()) return document.status();
  HPDF_Doc pdf = document->first.get();
  const Fonts& fonts = document->second;
  HPDF_Page page = HPDF_AddPage(pdf);
  if (page == nullptr) {
    EBANK_RETURN_IF_ERROR(CheckPdf(pdf, "adding a page"));
    return PdfFailed("libharu cannot add a page");
  }
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A5, HPDF_PAGE_LANDSCAPE);
  const StatementLine& line = receipt.line;
  const Currency currency = receipt.currency;
  bool in = line.amount_minor >= 0;
  const std::pair<std::string_view, std::string> rows[] = {
      {label::kTime, ChinaTimeText(line.at_ms)},
      {label::kTransactionId, std::to_string(line.transaction_id)},
      {label::kHolder, receipt.holder_name},
      {label::kAccount, receipt.account_number},
      {label::kDirection, std::string(in ? label::kIn : label::kOut)},
      {label::kAmount, std::string(currency.code()) + " " +
                           GroupedAmount(in ? line.amount_minor : -line.amount_minor, currency)},
      {label::kBalanceAfter,
       std::string(currency.code()) + " " + GroupedAmount(line.balance_after_minor, currency)},
      {label::kCounterparty, line.counterparty.empty() ? "-" : line.counterparty},
      {label::kMemo, line.memo.empty() ? "-" : line.memo},
      {label::kPrinted, ChinaTimeText(receipt.printed_at_ms)},
  };
  auto title = Label(label::kReceiptTitle);
  auto notice = Label(label::kReceiptNotice);
  auto zone = Label(label::kTimeZone);
  for (const Result<std::string>* text : {&title, &notice, &zone}) {
    if (!text->ok()) return text->status();
  }
  HPDF_REAL width = HPDF_Page_GetWidth(page);
  HPDF_REAL y = HPDF_Page_GetHeight(page) - kMarginPt - kTitleSizePt;
  HPDF_Page_BeginText(page);
  TextAt(page, fonts.chinese, kTitleSizePt, kMarginPt, y, *title);
  y -= kLinePt;
  for (const auto& [name, value] : rows) {
    auto text = Label(name);
    if (!text.ok()) return text.status();
    y -= kLinePt + 2;
    TextAt(page, fonts.chinese, kTextSizePt + 1, kMarginPt, y, *text);
    HPDF_Page_SetFontAndSize(page, fonts.chinese, kTextSizePt + 1);
    TextAt(page, fonts.chinese, kTextSizePt + 1, kMarginPt + kSummaryValueOffsetPt + 20, y,
           Fitted(page, value, width - 2 * kMarginPt - kSummaryValueOffsetPt - 20));
  }
  y -= 2 * kLinePt;
  TextAt(page, fonts.chinese, kTextSizePt, kMarginPt, y, *notice);
  y -= kLinePt;
  TextAt(page, fonts.chinese, kTextSizePt, kMarginPt, y, *zone);
  HPDF_Page_EndText(page);
  HPDF_Page_SetLineWidth(page, kRulePt);
  HPDF_Page_Rectangle(page, kMarginPt / 2, kMarginPt / 2, width - kMarginPt,
                      HPDF_Page_GetHeight(page) - kMarginPt);
  HPDF_Page_Stroke(page);
  EBANK_RETURN_IF_ERROR(CheckPdf(pdf, "drawing the receipt"));
  return SavePdf(pdf);
}

}  // namespace ebank::print
