// Decimal exchange rates for FX, exact to nine decimal places.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/money.h"

namespace ebank {

// A positive rate such as 7.1234 (CNY per 1 USD), stored as an integer of 10^-9.
class Rate {
 public:
  static constexpr int kDecimals = 9;

  // Accepts "7.1234", "0.000001234"; refuses zero, negatives and more than nine decimals.
  static Result<Rate> Parse(std::string_view text);
  static Rate FromNanos(int64_t nanos) { return Rate(nanos); }

  int64_t nanos() const { return nanos_; }
  std::string ToString() const;

 private:
  explicit Rate(int64_t nanos) : nanos_(nanos) {}
  int64_t nanos_;
};

// Converts `amount` into `to` at `rate` (units of `to` per one unit of amount's currency),
// rounding half to even to `to`'s minor unit. Errors on overflow.
Result<Money> Convert(Money amount, Rate rate, Currency to);

}  // namespace ebank
