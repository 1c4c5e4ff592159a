#include "security/id_document.h"

#include <gtest/gtest.h>

#include <vector>

namespace ebank::security {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

const year_month_day kToday{year{2025}, month{6}, day{15}};

// Valid numbers, their check characters computed independently of the code under test.
const std::vector<std::string> kValidResidentIds = {
    "11010519491231002X",  // GB 11643-1999's own example.
    "440524188001010014",  // Another example from the standard, born in 1880.
    "11010120000229123X",  // Born on a leap day.
    "310101199003071230",
    "110101187001010017",  // Born in kResidentIdBirthYearMin.
};

const std::vector<std::string> kValidCreditCodes = {
    "91350100M000100Y43", "91110000100000000R", "12100000400000624D",
    "51110000500000000B", "91310000MA1FL0000N",
};

constexpr std::string_view kCreditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

void ExpectInvalidResidentId(const std::string& number, year_month_day today = kToday) {
  Status status = ValidateResidentId(number, today);
  EXPECT_EQ(status.code(), Code::kInvalid) << number;
  EXPECT_EQ(status.reason(), "invalid_resident_id") << number;
  // The number is personal data: the message must not carry it, nor most of it.
  if (number.size() >= 10) {
    EXPECT_EQ(status.message().find(number.substr(0, 10)), std::string::npos) << number;
  }
}

void ExpectInvalidCreditCode(const std::string& code) {
  Status status = ValidateUnifiedSocialCreditCode(code);
  EXPECT_EQ(status.code(), Code::kInvalid) << code;
  EXPECT_EQ(status.reason(), "invalid_credit_code") << code;
}

TEST(ResidentId, AcceptsValidNumbers) {
  for (const std::string& number : kValidResidentIds)
    EXPECT_TRUE(ValidateResidentId(number, kToday).ok()) << number;
}

TEST(ResidentId, RefusesEveryWrongCheckCharacter) {
  for (const std::string& number : kValidResidentIds) {
    for (char check : std::string_view("0123456789X")) {
      if (check == number.back()) continue;
      std::string changed = number;
      changed.back() = check;
      ExpectInvalidResidentId(changed);
    }
  }
}

TEST(ResidentId, CatchesEverySingleDigitErrorAndNeighbourSwap) {
  for (const std::string& number : kValidResidentIds) {
    for (size_t i = 0; i + 1 < number.size(); ++i) {
      for (char digit = '0'; digit <= '9'; ++digit) {
        if (digit == number[i]) continue;
        std::string changed = number;
        changed[i] = digit;
        ExpectInvalidResidentId(changed);
      }
      if (number[i] != number[i + 1] && i + 2 < number.size()) {
        std::string swapped = number;
        std::swap(swapped[i], swapped[i + 1]);
        ExpectInvalidResidentId(swapped);
      }
    }
  }
}

TEST(ResidentId, RefusesLowercaseXWrongLengthsAndOtherCharacters) {
  ExpectInvalidResidentId("11010519491231002x");
  for (std::string number : {"", "11010519491231002", "11010519491231002XX", "110105491231002",
                             "110105194912310020X", "1101051949123100AX", "11010519491231002 ",
                             " 1010519491231002X", "-10105194912310020", "11010519491231002Y"}) {
    ExpectInvalidResidentId(number);
  }
  // Full-width digits are three bytes each in UTF-8 and never 18 characters.
  ExpectInvalidResidentId("１１０１０５１９４９１２３１００２Ｘ");
}

TEST(ResidentId, RefusesImpossibleAndImplausibleBirthDates) {
  // These carry correct check characters, so only the date check can refuse them.
  ExpectInvalidResidentId("11010119990230001X");  // 30 February.
  ExpectInvalidResidentId("110101190102290019");  // 1901 was not a leap year.
  ExpectInvalidResidentId("110101186901010018");  // Before kResidentIdBirthYearMin.
  EXPECT_NE(ValidateResidentId("110101186901010018", kToday).message().find("1870"),
            std::string::npos);
  // Born 2026-01-01: in the future on kToday, valid from that day on.
  ExpectInvalidResidentId("110101202601010013");
  ExpectInvalidResidentId("110101202601010013", year_month_day{year{2025}, month{12}, day{31}});
  EXPECT_TRUE(
      ValidateResidentId("110101202601010013", year_month_day{year{2026}, month{1}, day{1}}).ok());
}

TEST(ResidentId, MessagesSayWhatIsWrong) {
  EXPECT_NE(ValidateResidentId("1101", kToday).message().find("18 characters"), std::string::npos);
  EXPECT_NE(ValidateResidentId("110105194912310021", kToday).message().find("check"),
            std::string::npos);
  EXPECT_NE(ValidateResidentId("11010519491231002x", kToday).message().find("upper-case X"),
            std::string::npos);
  EXPECT_NE(ValidateResidentId("11010119990230001X", kToday).message().find("not a real date"),
            std::string::npos);
}

TEST(ChinaStandardDate, TurnsTheDayAtSixteenHundredUtc) {
  // 2025-01-01T00:00:00+08:00 is 2024-12-31T16:00:00Z, Unix time 1735660800.
  EXPECT_EQ(ChinaStandardDate(1735660800000), (year_month_day{year{2025}, month{1}, day{1}}));
  EXPECT_EQ(ChinaStandardDate(1735660799999), (year_month_day{year{2024}, month{12}, day{31}}));
  EXPECT_EQ(ChinaStandardDate(0), (year_month_day{year{1970}, month{1}, day{1}}));
  EXPECT_EQ(ChinaStandardDate(-8 * 3600 * 1000 - 1),
            (year_month_day{year{1969}, month{12}, day{31}}));
}

TEST(UnifiedSocialCreditCode, AcceptsValidCodes) {
  for (const std::string& code : kValidCreditCodes)
    EXPECT_TRUE(ValidateUnifiedSocialCreditCode(code).ok()) << code;
}

TEST(UnifiedSocialCreditCode, CatchesEverySingleCharacterError) {
  // 31 is prime and no weight is a multiple of it, so any one wrong character changes the
  // check value.
  for (const std::string& code : kValidCreditCodes) {
    for (size_t i = 0; i < code.size(); ++i) {
      for (char c : kCreditCodeAlphabet) {
        if (c == code[i]) continue;
        std::string changed = code;
        changed[i] = c;
        ExpectInvalidCreditCode(changed);
      }
    }
  }
}

TEST(UnifiedSocialCreditCode, RefusesLettersOutsideTheAlphabetLowercaseAndWrongLengths) {
  for (char letter : std::string_view("IOSVZ")) {
    std::string changed = "91350100M000100Y43";
    changed[9] = letter;
    ExpectInvalidCreditCode(changed);
  }
  ExpectInvalidCreditCode("91350100m000100y43");
  for (std::string code : {"", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100Y4 ",
                           "91350100-000100Y43"}) {
    ExpectInvalidCreditCode(code);
  }
}

TEST(MaskResidentId, KeepsTheFirstSixAndTheLastFour) {
  EXPECT_EQ(MaskResidentId("11010519491231002X"), "110105********002X");
  EXPECT_EQ(MaskResidentId("440524188001010014"), "440524********0014");
  EXPECT_EQ(MaskResidentId("110105491231002"), "***************");
  EXPECT_EQ(MaskResidentId(""), "");
  EXPECT_EQ(MaskResidentId(std::string(40, '1')), std::string(kResidentIdLength, '*'));
}

}  // namespace
}  // namespace ebank::security
