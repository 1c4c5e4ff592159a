// Currencies and money as integers of minor units; never floating point.
//
// Amounts are int64 counts of a currency's minor unit (fen for CNY, cents for USD,
// milligrams for gold XAU). Every operation that could overflow is checked and
// reports an error instead of wrapping. Thread-safe: all types here are values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank {

// A currency from the bank's fixed table. Cheap to copy (one byte).
class Currency {
 public:
  // The currencies the bank books. Gold XAU is booked in milligrams and shown in
  // grams with three decimals, the unit Chinese banks quote RMB gold in.
  static Currency Cny();
  static Currency Usd();
  static Currency Xau();

  // Accepts the ISO 4217 code, upper case ("CNY", "USD", "XAU", "HKD", "EUR", "JPY").
  static Result<Currency> Parse(std::string_view code);

  std::string_view code() const;
  // Decimal places of the minor unit: 2 for CNY, 0 for JPY, 3 for XAU (mg as grams).
  int exponent() const;

  friend bool operator==(Currency a, Currency b) { return a.index_ == b.index_; }
  friend bool operator<(Currency a, Currency b) { return a.index_ < b.index_; }

 private:
  explicit Currency(unsigned char index) : index_(index) {}
  unsigned char index_;
};

// Checked int64 arithmetic; nullopt on overflow.
std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);
std::optional<int64_t> CheckedSub(int64_t a, int64_t b);
std::optional<int64_t> CheckedMul(int64_t a, int64_t b);

// Parses a decimal amount such as "1234.5", "-0.01" or "100" into minor units of a
// currency with `exponent` decimals. Refuses more decimals than the currency has, signs
// other than a leading '-', exponents, spaces, empty text and anything past int64.
Result<int64_t> ParseAmount(std::string_view text, int exponent);

// "1234.50" for 123450 with exponent 2; "-0.01"; "12" for exponent 0.
std::string FormatAmount(int64_t minor, int exponent);

// An amount in a currency.
class Money {
 public:
  Money(Currency currency, int64_t minor) : currency_(currency), minor_(minor) {}

  static Result<Money> Parse(Currency currency, std::string_view text);

  Currency currency() const { return currency_; }
  int64_t minor() const { return minor_; }
  // "1234.50 CNY".
  std::string ToString() const;
  // "1234.50".
  std::string Decimal() const { return FormatAmount(minor_, currency_.exponent()); }

  // Errors on a currency mismatch or overflow.
  Result<Money> Plus(Money other) const;
  Result<Money> Minus(Money other) const;
  Result<Money> Negated() const;

  friend bool operator==(const Money& a, const Money& b) {
    return a.currency_ == b.currency_ && a.minor_ == b.minor_;
  }

 private:
  Currency currency_;
  int64_t minor_;
};

}  // namespace ebank
