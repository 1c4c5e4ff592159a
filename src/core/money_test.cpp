#include "core/money.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/rate.h"

namespace ebank {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(Currency, ParsesKnownCodesAndRefusesOthers) {
  EXPECT_EQ(Currency::Parse("CNY")->exponent(), 2);
  EXPECT_EQ(Currency::Parse("USD")->code(), "USD");
  EXPECT_EQ(Currency::Parse("XAU")->exponent(), 3);
  EXPECT_EQ(Currency::Parse("JPY")->exponent(), 0);
  EXPECT_EQ(Currency::Parse("cny").status().reason(), "unknown_currency");
  EXPECT_FALSE(Currency::Parse("").ok());
  EXPECT_FALSE(Currency::Parse("CNYX").ok());
}

TEST(ParseAmount, AcceptsDecimalsUpToTheExponent) {
  EXPECT_EQ(*ParseAmount("0", 2), 0);
  EXPECT_EQ(*ParseAmount("1", 2), 100);
  EXPECT_EQ(*ParseAmount("1.5", 2), 150);
  EXPECT_EQ(*ParseAmount("1234.56", 2), 123456);
  EXPECT_EQ(*ParseAmount("-0.01", 2), -1);
  EXPECT_EQ(*ParseAmount("007.10", 2), 710);
  EXPECT_EQ(*ParseAmount("12", 0), 12);
  EXPECT_EQ(*ParseAmount("31.103", 3), 31103);
}

TEST(ParseAmount, RefusesMalformedText) {
  for (const char* text : {"", "-", ".", "1.", ".5", "1.234", "1e5", "+1", " 1", "1 ", "1,000",
                           "0x10", "１", "1.2.3", "--1", "NaN", "inf"}) {
    auto parsed = ParseAmount(text, 2);
    EXPECT_FALSE(parsed.ok()) << "'" << text << "' parsed as " << (parsed.ok() ? *parsed : 0);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().reason(), "invalid_amount");
    }
  }
  EXPECT_FALSE(ParseAmount("1.5", 0).ok());
}

TEST(ParseAmount, RefusesOverflowAndAcceptsTheExtremes) {
  EXPECT_EQ(*ParseAmount("92233720368547758.07", 2), kMax);
  EXPECT_EQ(*ParseAmount("-92233720368547758.08", 2), kMin);
  EXPECT_FALSE(ParseAmount("92233720368547758.08", 2).ok());
  EXPECT_FALSE(ParseAmount("92233720368547758.1", 2).ok());
  EXPECT_FALSE(ParseAmount("99999999999999999999", 0).ok());
  EXPECT_FALSE(ParseAmount("92233720368547758", 3).ok());
}

TEST(FormatAmount, RoundTripsWithParse) {
  EXPECT_EQ(FormatAmount(123450, 2), "1234.50");
  EXPECT_EQ(FormatAmount(-1, 2), "-0.01");
  EXPECT_EQ(FormatAmount(5, 0), "5");
  EXPECT_EQ(FormatAmount(31103, 3), "31.103");
  EXPECT_EQ(FormatAmount(kMin, 2), "-92233720368547758.08");
  for (int64_t value : {int64_t{0}, int64_t{1}, int64_t{-99}, kMax, kMin, int64_t{1000000}}) {
    for (int exponent : {0, 2, 3}) {
      EXPECT_EQ(*ParseAmount(FormatAmount(value, exponent), exponent), value);
    }
  }
}

TEST(Money, CheckedArithmetic) {
  Money a(Currency::Cny(), 100);
  EXPECT_EQ(*a.Plus(Money(Currency::Cny(), 50)), Money(Currency::Cny(), 150));
  EXPECT_EQ(a.Plus(Money(Currency::Usd(), 50)).status().reason(), "currency_mismatch");
  EXPECT_EQ(Money(Currency::Cny(), kMax).Plus(Money(Currency::Cny(), 1)).status().reason(),
            "amount_overflow");
  EXPECT_EQ(Money(Currency::Cny(), kMin).Negated().status().reason(), "amount_overflow");
  EXPECT_EQ(Money(Currency::Cny(), kMin).Minus(Money(Currency::Cny(), 1)).status().reason(),
            "amount_overflow");
  EXPECT_EQ(a.ToString(), "1.00 CNY");
  EXPECT_FALSE(CheckedMul(kMax, 2).has_value());
  EXPECT_EQ(*CheckedMul(-3, 4), -12);
}

TEST(Rate, ConvertsWithHalfEvenRounding) {
  Rate usd_cny = *Rate::Parse("7.1234");
  // 100.00 USD * 7.1234 = 712.34 CNY exactly.
  EXPECT_EQ(*Convert(Money(Currency::Usd(), 10000), usd_cny, Currency::Cny()),
            Money(Currency::Cny(), 71234));
  // 0.01 USD * 7.1234 = 0.071234 -> 0.07 CNY.
  EXPECT_EQ(Convert(Money(Currency::Usd(), 1), usd_cny, Currency::Cny())->minor(), 7);
  // Half-even: 0.5 rounds to 0, 1.5 to 2, 2.5 to 2.
  Rate half = *Rate::Parse("0.5");
  EXPECT_EQ(Convert(Money(Currency::Cny(), 1), half, Currency::Usd())->minor(), 0);
  EXPECT_EQ(Convert(Money(Currency::Cny(), 3), half, Currency::Usd())->minor(), 2);
  EXPECT_EQ(Convert(Money(Currency::Cny(), 5), half, Currency::Usd())->minor(), 2);
  EXPECT_EQ(Convert(Money(Currency::Cny(), -3), half, Currency::Usd())->minor(), -2);
  // Exponent change: 1000 JPY at 0.0482 CNY/JPY = 48.20 CNY.
  EXPECT_EQ(Convert(Money(*Currency::Parse("JPY"), 1000), *Rate::Parse("0.0482"), Currency::Cny())
                ->minor(),
            4820);
  EXPECT_EQ(
      Convert(Money(Currency::Cny(), kMax), *Rate::Parse("2"), Currency::Usd()).status().reason(),
      "amount_overflow");
  EXPECT_FALSE(Rate::Parse("0").ok());
  EXPECT_FALSE(Rate::Parse("-1.2").ok());
  EXPECT_FALSE(Rate::Parse("1.0000000001").ok());
  EXPECT_EQ(Rate::Parse("7.1234")->ToString(), "7.123400000");
}

}  // namespace
}  // namespace ebank
