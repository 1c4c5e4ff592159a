#include "print/statement_pdf.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "print/pdf_support.h"

namespace ebank::print {
namespace {

constexpr int64_t kMay1Noon = 1777608000000;  // 2026-05-01 12:00:00 CST.

void ExpectPdfFile(const std::string& pdf) {
  EXPECT_TRUE(pdf.starts_with("%PDF-"));
  EXPECT_TRUE(pdf.ends_with("%%EOF") || pdf.ends_with("%%EOF\n")) << pdf.substr(pdf.size() - 16);
}

// How often `text` (UTF-8) is shown with Tj in the uncompressed file: as a literal string
// with Helvetica, or as hex GB2312 with SimSun (libharu writes CID fonts' text in hex).
size_t Shown(const std::string& pdf, const std::string& text) {
  std::string hex;
  for (unsigned char byte : ToGb2312Lossy(text))
    hex += fmt::format("{:02X}", byte);
  size_t count = 0;
  for (const std::string& shown : {"(" + text + ") Tj", "<" + hex + "> Tj"}) {
    for (size_t at = pdf.find(shown); at != std::string::npos; at = pdf.find(shown, at + 1))
      ++count;
  }
  return count;
}

// Where `text` is first shown, or npos.
size_t FirstShown(const std::string& pdf, const std::string& text) {
  std::string hex;
  for (unsigned char byte : ToGb2312Lossy(text))
    hex += fmt::format("{:02X}", byte);
  return std::min(pdf.find("(" + text + ") Tj"), pdf.find("<" + hex + "> Tj"));
}

StatementPrint SampleStatement() {
  StatementPrint statement;
  statement.account_number = "622588*********0028";
  statement.holder_name = "张伟";
  statement.from_date = "2026-05-01";
  statement.to_date = "2026-05-31";
  statement.opening_minor = 1000000;
  statement.lines = {
      {101, kMay1Noon, 123450, 1123450, "622588*********0036", "工资"},
      {205, kMay1Noon + 3600000, -8800, 1114650, "", "午饭AA 😀"},
  };
  statement.total_in_minor = 123450;
  statement.total_out_minor = 8800;
  statement.closing_minor = 1114650;
  statement.printed_at_ms = kMay1Noon + 86400000;
  statement.compress = false;
  return statement;
}

TEST(StatementPdf, PrintsTheBalancesAndEveryTransaction) {
  auto pdf = StatementPdf(SampleStatement());
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ExpectPdfFile(*pdf);
  EXPECT_NE(pdf->find("/BaseFont /SimSun"), std::string::npos);
  // Opening, totals and closing, then the rows' amounts, balances, numbers and times.
  EXPECT_EQ(Shown(*pdf, "10,000.00"), 1u);
  EXPECT_EQ(Shown(*pdf, "1,234.50"), 2u);   // Total in, and the row.
  EXPECT_EQ(Shown(*pdf, "88.00"), 2u);      // Total out, and the row.
  EXPECT_EQ(Shown(*pdf, "11,146.50"), 2u);  // Closing, and the last row's balance.
  EXPECT_EQ(Shown(*pdf, "11,234.50"), 1u);
  size_t first = FirstShown(*pdf, "2026-05-01 12:00:00");
  size_t second = FirstShown(*pdf, "2026-05-01 13:00:00");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second) << "oldest first";
  EXPECT_EQ(Shown(*pdf, "101"), 1u);
  EXPECT_EQ(Shown(*pdf, "205"), 1u);
  EXPECT_EQ(Shown(*pdf, "622588*********0036"), 1u);
  EXPECT_EQ(Shown(*pdf, "2026-05-01 ~ 2026-05-31"), 1u);
  // Chinese in GB2312 under SimSun; the emoji GB2312 lacks printed as '?'.
  EXPECT_EQ(Shown(*pdf, "午饭AA ?"), 1u);
  EXPECT_EQ(Shown(*pdf, "张伟"), 1u);
  EXPECT_EQ(Shown(*pdf, "工资"), 1u);
  EXPECT_NE(pdf->find("/Count 1"), std::string::npos);
}

TEST(StatementPdf, ManyTransactionsGoOnNumberedPages) {
  StatementPrint statement = SampleStatement();
  statement.lines.clear();
  constexpr int kLines = 150;
  for (int i = 0; i < kLines; ++i) {
    statement.lines.push_back({1000 + i, kMay1Noon + i * 60000, 100 + i, 100000 + i, "", "x"});
  }
  auto pdf = StatementPdf(statement);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ExpectPdfFile(*pdf);
  for (int i = 0; i < kLines; ++i)
    EXPECT_EQ(Shown(*pdf, std::to_string(1000 + i)), 1u) << i;
  // 150 rows need three A4 pages, each numbered and with the table's head.
  EXPECT_NE(pdf->find("/Count 3"), std::string::npos);
  EXPECT_EQ(Shown(*pdf, "第 3 页 / Page 3"), 1u);
  EXPECT_EQ(Shown(*pdf, "第 4 页 / Page 4"), 0u);
  EXPECT_EQ(Shown(*pdf, "Balance"), 3u);
}

TEST(StatementPdf, IsCompressedByDefault) {
  StatementPrint statement = SampleStatement();
  statement.compress = true;
  auto pdf = StatementPdf(statement);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ExpectPdfFile(*pdf);
  EXPECT_NE(pdf->find("/FlateDecode"), std::string::npos);
  EXPECT_EQ(Shown(*pdf, "1,234.50"), 0u);
}

TEST(ReceiptPdf, PrintsTheTransaction) {
  ReceiptPrint receipt;
  receipt.account_number = "622588*********0028";
  receipt.holder_name = "李娜";
  receipt.line = {7, kMay1Noon, -250075, 99, "622588*********0036", "房租"};
  receipt.printed_at_ms = kMay1Noon;
  receipt.compress = false;
  auto pdf = ReceiptPdf(receipt);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ExpectPdfFile(*pdf);
  EXPECT_EQ(Shown(*pdf, "CNY 2,500.75"), 1u);
  EXPECT_EQ(Shown(*pdf, "CNY 0.99"), 1u);
  EXPECT_EQ(Shown(*pdf, "7"), 1u);
  EXPECT_EQ(Shown(*pdf, "622588*********0036"), 1u);
  EXPECT_EQ(Shown(*pdf, "622588*********0028"), 1u);
  EXPECT_EQ(Shown(*pdf, "支出 / Out"), 1u);
  EXPECT_EQ(Shown(*pdf, "收入 / In"), 0u);
  EXPECT_EQ(Shown(*pdf, "房租"), 1u);
  EXPECT_EQ(Shown(*pdf, "李娜"), 1u);
  EXPECT_NE(pdf->find("/Count 1"), std::string::npos);
}

TEST(PdfSupport, LossyConversionReplacesWhatGb2312Lacks) {
  EXPECT_EQ(ToGb2312Lossy("abc"), "abc");
  EXPECT_EQ(ToGb2312Lossy("a😀b"), "a?b");
  EXPECT_EQ(ToGb2312Lossy("a\xFF"
                          "b"),
            "a?b");
  EXPECT_EQ(ToGb2312Lossy("中"), "\xD6\xD0");
  EXPECT_FALSE(ToGb2312("😀").ok());
}

}  // namespace
}  // namespace ebank::print
