#include "print/qr.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace ebank::print {
namespace {

constexpr std::string_view kUri =
    "otpauth://totp/ebank:alice01?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ebank"
    "&algorithm=SHA1&digits=6&period=30";

// The modules of a QR SVG as rows of booleans (true: dark), quiet zone included, read
// back from its viewBox and its one path of "M x y h n v1 h-n z" rectangles.
struct Matrix {
  int size = 0;
  std::vector<std::vector<bool>> dark;
};

Matrix ReadSvg(const std::string& svg) {
  Matrix matrix;
  std::smatch match;
  EXPECT_TRUE(std::regex_search(svg, match, std::regex(R"re(viewBox="0 0 (\d+) (\d+)")re")));
  if (match.empty() || match[1] != match[2]) return matrix;
  matrix.size = std::stoi(match[1]);
  matrix.dark.assign(static_cast<size_t>(matrix.size),
                     std::vector<bool>(static_cast<size_t>(matrix.size), false));
  EXPECT_TRUE(std::regex_search(svg, match, std::regex(R"re(<path fill="#000" d="([^"]*)"/>)re")));
  std::string path = match[1];
  std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
  size_t consumed = 0;
  for (std::sregex_iterator it(path.begin(), path.end(), run), end; it != end; ++it) {
    EXPECT_EQ(static_cast<size_t>(it->position()), consumed) << "unexpected path data";
    consumed = static_cast<size_t>(it->position() + it->length());
    int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), length = std::stoi((*it)[3]);
    EXPECT_EQ(length, std::stoi((*it)[4]));
    EXPECT_TRUE(y >= 0 && y < matrix.size && x >= 0 && x + length <= matrix.size);
    if (y < 0 || y >= matrix.size || x < 0 || x + length > matrix.size) continue;
    for (int i = 0; i < length; ++i)
      matrix.dark[static_cast<size_t>(y)][static_cast<size_t>(x + i)] = true;
  }
  EXPECT_EQ(consumed, path.size()) << "unexpected path data";
  return matrix;
}

bool Dark(const Matrix& matrix, int x, int y) {
  return matrix.dark[static_cast<size_t>(y)][static_cast<size_t>(x)];
}

// A finder pattern: a 7x7 dark ring, a light ring, a 3x3 dark centre, with a light
// separator on its sides that face the symbol.
void ExpectFinderAt(const Matrix& matrix, int left, int top) {
  for (int y = -1; y <= 7; ++y) {
    for (int x = -1; x <= 7; ++x) {
      int ring = std::max(std::max(-x, x - 6), std::max(-y, y - 6));  // 0 on the outer ring.
      bool outside = ring > 0;
      bool expected = !outside && (ring == 0 || (x >= 2 && x <= 4 && y >= 2 && y <= 4));
      int column = left + x, row = top + y;
      if (column < 0 || row < 0 || column >= matrix.size || row >= matrix.size) continue;
      EXPECT_EQ(Dark(matrix, column, row), expected)
          << "finder at " << left << "," << top << " module " << x << "," << y;
    }
  }
}

TEST(QrSvg, IsOneSelfContainedSvgDocument) {
  auto svg = QrSvg(kUri);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_TRUE(svg->starts_with(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )"));
  EXPECT_TRUE(svg->ends_with("</svg>"));
  EXPECT_NE(svg->find(R"(shape-rendering="crispEdges")"), std::string::npos);
  EXPECT_EQ(svg->find("<path"), svg->rfind("<path"));
  EXPECT_EQ(svg->find("<svg"), svg->rfind("<svg"));
}

TEST(QrSvg, ModuleCountIsTheSmallestVersionThatHoldsTheText) {
  // Lower-case letters encode in 8-bit mode, where level M holds 14 bytes in version 1,
  // 26 in version 2, 106 in version 6 and 122 in version 7 (ISO/IEC 18004 table 7).
  // A version v symbol is 17 + 4v modules wide.
  struct Case {
    size_t bytes;
    int version;
  };
  for (Case c : {Case{1, 1}, Case{14, 1}, Case{15, 2}, Case{26, 2}, Case{106, 6}, Case{107, 7}}) {
    auto svg = QrSvg(std::string(c.bytes, 'a'));
    ASSERT_TRUE(svg.ok()) << svg.status().ToString();
    EXPECT_EQ(ReadSvg(*svg).size, 17 + 4 * c.version + 2 * kQrQuietZoneModules)
        << c.bytes << " bytes";
  }
}

TEST(QrSvg, FinderPatternsSitInThreeCornersInsideTheQuietZone) {
  auto svg = QrSvg(kUri);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  Matrix matrix = ReadSvg(*svg);
  int width = matrix.size - 2 * kQrQuietZoneModules;
  ASSERT_GT(width, 21);
  int first = kQrQuietZoneModules, last = kQrQuietZoneModules + width - 7;
  ExpectFinderAt(matrix, first, first);  // Top left.
  ExpectFinderAt(matrix, last, first);   // Top right.
  ExpectFinderAt(matrix, first, last);   // Bottom left.
  // The bottom right corner holds data, not a fourth finder: its outer ring is not solid.
  bool solid = true;
  for (int i = 0; i < 7; ++i) {
    solid = solid && Dark(matrix, last + i, last) && Dark(matrix, last, last + i);
  }
  EXPECT_FALSE(solid);
  for (int y = 0; y < matrix.size; ++y) {
    for (int x = 0; x < matrix.size; ++x) {
      bool in_quiet_zone =
          std::min(x, y) < kQrQuietZoneModules || std::max(x, y) >= kQrQuietZoneModules + width;
      if (in_quiet_zone) {
        EXPECT_FALSE(Dark(matrix, x, y)) << x << "," << y;
      }
    }
  }
}

TEST(QrSvg, SameTextSameSvgAndAnotherTextAnother) {
  auto first = QrSvg(kUri);
  auto again = QrSvg(kUri);
  std::string other_uri(kUri);
  other_uri.replace(other_uri.find("GEZD"), 4, "MFRG");
  auto other = QrSvg(other_uri);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_EQ(*first, *again);
  EXPECT_NE(*first, *other);
  EXPECT_EQ(ReadSvg(*first).size, ReadSvg(*other).size);
}

TEST(QrSvg, RefusesEmptyAndOversizedTexts) {
  EXPECT_EQ(QrSvg("").status().reason(), "invalid_qr_text");
  EXPECT_EQ(QrSvg(std::string("a\0b", 3)).status().reason(), "invalid_qr_text");
  // Version 40 at level M holds 2,331 bytes.
  EXPECT_TRUE(QrSvg(std::string(2331, 'a')).ok());
  EXPECT_EQ(QrSvg(std::string(2332, 'a')).status().reason(), "qr_text_too_long");
}

}  // namespace
}  // namespace ebank::print
