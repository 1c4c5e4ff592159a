#include "print/statement_xlsx.h"
#include "print/table_xlsx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <map>
#include <string>

namespace ebank::print {
namespace {

constexpr int64_t kMay1Noon = 1777608000000;  // 2026-05-01 12:00:00 CST.

// The files of a zip archive by name, inflated: reads the central directory (APPNOTE.TXT
// 4.3.12), then each local header and its stored or deflated data. Empty on any error.
std::map<std::string, std::string> Unzip(const std::string& zip) {
  auto u16 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(zip[at])) |
           static_cast<uint32_t>(static_cast<unsigned char>(zip[at + 1])) << 8;
  };
  auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
  std::map<std::string, std::string> files;
  size_t end = zip.rfind(std::string("PK\x05\x06", 4));
  if (end == std::string::npos || end + 22 > zip.size()) return {};
  size_t entries = u16(end + 10);
  size_t at = u32(end + 16);
  for (size_t i = 0; i < entries; ++i) {
    if (at + 46 > zip.size() || u32(at) != 0x02014b50) return {};
    uint32_t method = u16(at + 10);
    size_t compressed = u32(at + 20);
    size_t size = u32(at + 24);
    size_t name_length = u16(at + 28);
    size_t extra_length = u16(at + 30);
    size_t comment_length = u16(at + 32);
    size_t local = u32(at + 42);
    std::string name = zip.substr(at + 46, name_length);
    at += 46 + name_length + extra_length + comment_length;
    if (local + 30 > zip.size() || u32(local) != 0x04034b50) return {};
    size_t data = local + 30 + u16(local + 26) + u16(local + 28);
    if (data + compressed > zip.size()) return {};
    std::string content(size, '\0');
    if (method == 0) {
      content = zip.substr(data, compressed);
    } else if (method == 8) {
      z_stream stream{};
      if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return {};
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + data));
      stream.avail_in = static_cast<uInt>(compressed);
      stream.next_out = reinterpret_cast<Bytef*>(content.data());
      stream.avail_out = static_cast<uInt>(content.size());
      int result = inflate(&stream, Z_FINISH);
      inflateEnd(&stream);
      if (result != Z_STREAM_END || stream.total_out != size) return {};
    } else {
      return {};
    }
    files[name] = std::move(content);
  }
  return files;
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
      {205, kMay1Noon + 3600000, -8800, 1114650, "", "午饭AA <&> \x01"},
  };
  statement.total_in_minor = 123450;
  statement.total_out_minor = 8800;
  statement.closing_minor = 1114650;
  statement.printed_at_ms = kMay1Noon + 86400000;
  return statement;
}

// The text of the cells of `row` (1-based, as in the sheet XML) from <row r="N"> to </row>.
std::string RowXml(const std::string& sheet, int row) {
  std::string open = "<row r=\"" + std::to_string(row) + "\"";
  size_t start = sheet.find(open);
  if (start == std::string::npos) return "";
  return sheet.substr(start, sheet.find("</row>", start) - start);
}

TEST(StatementXlsx, IsAWorkbookWhoseSheetHoldsOneRowPerTransaction) {
  auto xlsx = StatementXlsx(SampleStatement());
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().ToString();
  EXPECT_TRUE(xlsx->starts_with("PK\x03\x04"));
  auto files = Unzip(*xlsx);
  ASSERT_TRUE(files.contains("xl/worksheets/sheet1.xml")) << files.size() << " files";
  ASSERT_TRUE(files.contains("xl/sharedStrings.xml"));
  const std::string& sheet = files["xl/worksheets/sheet1.xml"];
  const std::string& strings = files["xl/sharedStrings.xml"];
  // Title, 5 text lines, 4 amounts, the count, the time zone, a gap, the head: row 14.
  std::string head = RowXml(sheet, 14);
  EXPECT_NE(head.find("t=\"s\""), std::string::npos) << head;
  std::string first = RowXml(sheet, 15);
  EXPECT_NE(first.find("<v>101</v>"), std::string::npos) << first;
  EXPECT_NE(first.find("r=\"C15\""), std::string::npos) << "money in goes to column C";
  EXPECT_NE(first.find("<v>1234.5</v>"), std::string::npos) << first;
  EXPECT_NE(first.find("<v>11234.5</v>"), std::string::npos) << first;
  std::string second = RowXml(sheet, 16);
  EXPECT_NE(second.find("<v>205</v>"), std::string::npos) << second;
  EXPECT_NE(second.find("r=\"D16\""), std::string::npos) << "money out goes to column D";
  EXPECT_NE(second.find("<v>88</v>"), std::string::npos) << second;
  EXPECT_NE(second.find("<v>11146.5</v>"), std::string::npos) << second;
  EXPECT_EQ(RowXml(sheet, 17), "");
  // The totals are numbers too.
  EXPECT_NE(sheet.find("<v>10000</v>"), std::string::npos);
  for (const char* text :
       {"张伟", "622588*********0028", "2026-05-01 ~ 2026-05-31", "2026-05-01 12:00:00",
        "2026-05-01 13:00:00", "工资", "午饭AA &lt;&amp;&gt; ?", "622588*********0036", "收入 / In",
        "期末余额 / Closing balance"}) {
    EXPECT_NE(strings.find(text), std::string::npos) << text;
  }
  // The head row is frozen.
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
}

TEST(StatementXlsx, AnEmptyPeriodStillHasItsBalances) {
  StatementPrint statement = SampleStatement();
  statement.lines.clear();
  statement.total_in_minor = statement.total_out_minor = 0;
  statement.closing_minor = statement.opening_minor;
  auto xlsx = StatementXlsx(statement);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().ToString();
  auto files = Unzip(*xlsx);
  const std::string& sheet = files["xl/worksheets/sheet1.xml"];
  EXPECT_NE(RowXml(sheet, 14), "");
  EXPECT_EQ(RowXml(sheet, 15), "");
  EXPECT_NE(sheet.find("<v>10000</v>"), std::string::npos);
}

TEST(ReceiptXlsx, HoldsTheTransaction) {
  ReceiptPrint receipt;
  receipt.account_number = "622588*********0028";
  receipt.holder_name = "李娜";
  receipt.currency = Currency::Usd();
  receipt.line = {7, kMay1Noon, -250075, 99, "622588*********0036", "房租"};
  receipt.printed_at_ms = kMay1Noon;
  auto xlsx = ReceiptXlsx(receipt);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().ToString();
  auto files = Unzip(*xlsx);
  const std::string& sheet = files["xl/worksheets/sheet1.xml"];
  const std::string& strings = files["xl/sharedStrings.xml"];
  EXPECT_NE(sheet.find("<v>2500.75</v>"), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("<v>0.99</v>"), std::string::npos);
  EXPECT_NE(sheet.find("<v>7</v>"), std::string::npos);
  for (const char* text : {"李娜", "USD", "支出 / Out", "房租", "2026-05-01 12:00:00"})
    EXPECT_NE(strings.find(text), std::string::npos) << text;
  EXPECT_EQ(strings.find("收入 / In"), std::string::npos);
}

TEST(TableXlsx, WritesTheTitleNotesHeadAndTypedCells) {
  TableReport report;
  report.title = "经营指标 / KPIs";
  report.sheet_name = "KPI";
  report.notes = {"2026-01-01 ~ 2026-06-30", "bad \x02 text"};
  report.headers = {"机构 / Unit", "收入 / Revenue", "笔数 / Count", "替代率 / Rate"};
  report.rows = {{{std::string("BJ"), CellFormat::kText},
                  {1234.5, CellFormat::kAmount},
                  {42.0, CellFormat::kInteger},
                  {87.5, CellFormat::kPercent}},
                 {{std::string("SH"), CellFormat::kText}, {}, {7.0, CellFormat::kInteger}}};
  report.printed_at_ms = kMay1Noon;
  auto xlsx = TableXlsx(report);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status().ToString();
  auto files = Unzip(*xlsx);
  ASSERT_TRUE(files.contains("xl/worksheets/sheet1.xml"));
  const std::string& sheet = files["xl/worksheets/sheet1.xml"];
  const std::string& strings = files["xl/sharedStrings.xml"];
  // Title, two notes, a gap, the head on row 5, then one row per unit.
  EXPECT_NE(RowXml(sheet, 5).find("t=\"s\""), std::string::npos);
  std::string first = RowXml(sheet, 6);
  EXPECT_NE(first.find("r=\"B6\""), std::string::npos) << first;
  EXPECT_NE(first.find("<v>1234.5</v>"), std::string::npos) << first;
  EXPECT_NE(first.find("<v>42</v>"), std::string::npos) << first;
  EXPECT_NE(first.find("<v>87.5</v>"), std::string::npos) << first;
  std::string second = RowXml(sheet, 7);
  EXPECT_EQ(second.find("r=\"B7\""), std::string::npos) << "an empty cell is not written";
  EXPECT_NE(second.find("<v>7</v>"), std::string::npos) << second;
  EXPECT_EQ(RowXml(sheet, 8), "");
  for (const char* text : {"经营指标 / KPIs", "2026-01-01 ~ 2026-06-30", "bad ? text", "BJ", "SH",
                           "替代率 / Rate"}) {
    EXPECT_NE(strings.find(text), std::string::npos) << text;
  }
  EXPECT_NE(sheet.find("state=\"frozen\""), std::string::npos);
  EXPECT_NE(files["xl/workbook.xml"].find("name=\"KPI\""), std::string::npos);
}

}  // namespace
}  // namespace ebank::print
