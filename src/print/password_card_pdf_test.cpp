#include "print/password_card_pdf.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>

namespace ebank::print {
namespace {

constexpr const char* kSerial = "6214830012345678";

// A card whose codes are all different: the cell at row-major index i holds 100 + 11i.
security::PasswordCard DistinctCard() {
  std::string stored = std::string("pc1:") + kSerial + ":";
  for (size_t i = 0; i < security::kCardCells; ++i)
    stored += std::to_string(100 + 11 * i);
  return security::PasswordCard::Parse(stored).value();
}

void ExpectPdfFile(const std::string& pdf) {
  EXPECT_TRUE(pdf.starts_with("%PDF-"));
  EXPECT_TRUE(pdf.ends_with("%%EOF") || pdf.ends_with("%%EOF\n")) << pdf.substr(pdf.size() - 16);
}

TEST(PasswordCardPdf, IsACompressedPdfFile) {
  auto pdf = PasswordCardPdf({DistinctCard()});
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ExpectPdfFile(*pdf);
  EXPECT_NE(pdf->find("/FlateDecode"), std::string::npos);
  // The codes are not readable in the file's bytes.
  EXPECT_EQ(pdf->find("(100) Tj"), std::string::npos);
}

TEST(PasswordCardPdf, PrintsTheSerialTheGridAndTheCodesInOrder) {
  security::PasswordCard card = DistinctCard();
  auto pdf = PasswordCardPdf({card, /*compress=*/false});
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  ExpectPdfFile(*pdf);
  EXPECT_NE(pdf->find("(No. 6214 8300 1234 5678) Tj"), std::string::npos);
  EXPECT_NE(pdf->find("/BaseFont /SimSun"), std::string::npos);
  EXPECT_NE(pdf->find("GB-EUC-H"), std::string::npos);
  // The header A-H, then each row's number and its eight codes, row by row.
  size_t at = 0;
  auto expect_next = [&](const std::string& text) {
    size_t found = pdf->find("(" + text + ") Tj", at);
    EXPECT_NE(found, std::string::npos) << text << " missing or out of order";
    if (found != std::string::npos) at = found;
  };
  for (char column = 'A'; column <= 'H'; ++column)
    expect_next(std::string(1, column));
  for (int row = 0; row < security::kCardRows; ++row) {
    expect_next(std::to_string(row + 1));
    for (int column = 0; column < security::kCardColumns; ++column)
      expect_next(fmt::format("{:03}", card.code({column, row})));
  }
}

}  // namespace
}  // namespace ebank::print
