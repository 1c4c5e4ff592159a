#include "core/money.h"

#include <array>
#include <limits>

namespace ebank {
namespace {

struct CurrencyInfo {
  std::string_view code;
  int exponent;
};

// Index order is part of Currency's identity within one process only; never stored.
constexpr std::array<CurrencyInfo, 6> kCurrencies = {{
    {"CNY", 2},
    {"USD", 2},
    {"XAU", 3},
    {"HKD", 2},
    {"EUR", 2},
    {"JPY", 0},
}};

// 10^exponent for the exponents in the table.
int64_t PowerOfTen(int exponent) {
  int64_t value = 1;
  for (int i = 0; i < exponent; ++i)
    value *= 10;
  return value;
}

}  // namespace

Currency Currency::Cny() {
  return Currency(0);
}
Currency Currency::Usd() {
  return Currency(1);
}
Currency Currency::Xau() {
  return Currency(2);
}

Result<Currency> Currency::Parse(std::string_view code) {
  for (size_t i = 0; i < kCurrencies.size(); ++i) {
    if (kCurrencies[i].code == code) return Currency(static_cast<unsigned char>(i));
  }
  std::string shown(code.substr(0, 16));
  return Status::Invalid("unknown_currency", "unknown currency '" + shown + "'");
}

std::string_view Currency::code() const {
  return kCurrencies[index_].code;
}
int Currency::exponent() const {
  return kCurrencies[index_].exponent;
}

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_add_overflow(a, b, &result)) return std::nullopt;
  return result;
}

std::optional<int64_t> CheckedSub(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_sub_overflow(a, b, &result)) return std::nullopt;
  return result;
}

std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_mul_overflow(a, b, &result)) return std::nullopt;
  return result;
}

Result<int64_t> ParseAmount(std::string_view text, int exponent) {
  constexpr size_t kAmountTextMax = 40;
  auto invalid = [&](std::string_view why) {
    std::string shown(text.substr(0, kAmountTextMax));
    return Status::Invalid("invalid_amount", "amount '" + shown + "' " + std::string(why));
  };
  if (text.empty()) return invalid("is empty");
  if (text.size() > kAmountTextMax) return invalid("is too long");
  bool negative = false;
  size_t pos = 0;
  if (text[0] == '-') {
    negative = true;
    pos = 1;
  }
  // Accumulate as a negative number so that INT64_MIN parses too.
  int64_t value = 0;
  size_t integer_digits = 0;
  for (; pos < text.size() && text[pos] != '.'; ++pos) {
    char c = text[pos];
    if (c < '0' || c > '9') return invalid("is not a decimal number");
    auto scaled = CheckedMul(value, 10);
    if (!scaled) return invalid("is too large");
    auto next = CheckedSub(*scaled, c - '0');
    if (!next) return invalid("is too large");
    value = *next;
    ++integer_digits;
  }
  if (integer_digits == 0) return invalid("has no digits before the decimal point");
  int fraction_digits = 0;
  if (pos < text.size()) {
    ++pos;  // the '.'
    if (pos == text.size()) return invalid("has no digits after the decimal point");
    for (; pos < text.size(); ++pos) {
      char c = text[pos];
      if (c < '0' || c > '9') return invalid("is not a decimal number");
      if (fraction_digits == exponent) {
        return invalid("has more than " + std::to_string(exponent) + " decimal places");
      }
      auto scaled = CheckedMul(value, 10);
      if (!scaled) return invalid("is too large");
      auto next = CheckedSub(*scaled, c - '0');
      if (!next) return invalid("is too large");
      value = *next;
      ++fraction_digits;
    }
  }
  for (; fraction_digits < exponent; ++fraction_digits) {
    auto scaled = CheckedMul(value, 10);
    if (!scaled) return invalid("is too large");
    value = *scaled;
  }
  if (negative) return value;
  if (value == std::numeric_limits<int64_t>::min()) return invalid("is too large");
  return -value;
}

std::string FormatAmount(int64_t minor, int exponent) {
  // Work in unsigned magnitude so that INT64_MIN formats correctly.
  bool negative = minor < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  uint64_t scale = static_cast<uint64_t>(PowerOfTen(exponent));
  std::string text = std::to_string(magnitude / scale);
  if (exponent > 0) {
    std::string fraction = std::to_string(magnitude % scale);
    text += '.';
    text.append(static_cast<size_t>(exponent) - fraction.size(), '0');
    text += fraction;
  }
  return negative ? "-" + text : text;
}

Result<Money> Money::Parse(Currency currency, std::string_view text) {
  auto minor = ParseAmount(text, currency.exponent());
  if (!minor.ok()) return minor.status();
  return Money(currency, *minor);
}

std::string Money::ToString() const {
  return Decimal() + " " + std::string(currency_.code());
}

Result<Money> Money::Plus(Money other) const {
  if (!(currency_ == other.currency_)) {
    return Status::Invalid("currency_mismatch", ToString() + " + " + other.ToString());
  }
  auto sum = CheckedAdd(minor_, other.minor_);
  if (!sum) return Status::Invalid("amount_overflow", ToString() + " + " + other.ToString());
  return Money(currency_, *sum);
}

Result<Money> Money::Minus(Money other) const {
  auto negated = other.Negated();
  if (!negated.ok()) return negated.status();
  return Plus(*negated);
}

Result<Money> Money::Negated() const {
  auto negated = CheckedSub(0, minor_);
  if (!negated) return Status::Invalid("amount_overflow", "cannot negate " + ToString());
  return Money(currency_, *negated);
}

}  // namespace ebank
