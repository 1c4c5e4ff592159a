#include "core/rate.h"

#include <limits>

namespace ebank {
namespace {

__int128 PowerOfTen128(int exponent) {
  __int128 value = 1;
  for (int i = 0; i < exponent; ++i)
    value *= 10;
  return value;
}

// Divides rounding half to even. REQUIRES: divisor > 0.
__int128 DivideHalfEven(__int128 dividend, __int128 divisor) {
  __int128 quotient = dividend / divisor;
  __int128 remainder = dividend % divisor;
  if (remainder < 0) {
    remainder += divisor;
    quotient -= 1;
  }
  __int128 twice = remainder * 2;
  if (twice > divisor || (twice == divisor && quotient % 2 != 0)) quotient += 1;
  return quotient;
}

}  // namespace

Result<Rate> Rate::Parse(std::string_view text) {
  auto nanos = ParseAmount(text, kDecimals);
  if (!nanos.ok()) {
    return Status::Invalid("invalid_rate", "rate '" + std::string(text.substr(0, 40)) +
                                               "' is not a decimal with at most 9 places");
  }
  if (*nanos <= 0) return Status::Invalid("invalid_rate", "rate must be positive");
  return Rate(*nanos);
}

std::string Rate::ToString() const {
  return FormatAmount(nanos_, kDecimals);
}

Result<Money> Convert(Money amount, Rate rate, Currency to) {
  // result_minor = amount_minor * rate / 10^9 * 10^(to.exp - from.exp)
  __int128 numerator = static_cast<__int128>(amount.minor()) * rate.nanos();
  __int128 denominator = PowerOfTen128(Rate::kDecimals);
  int shift = to.exponent() - amount.currency().exponent();
  if (shift >= 0) {
    numerator *= PowerOfTen128(shift);
  } else {
    denominator *= PowerOfTen128(-shift);
  }
  __int128 result = DivideHalfEven(numerator, denominator);
  if (result > std::numeric_limits<int64_t>::max() ||
      result < std::numeric_limits<int64_t>::min()) {
    return Status::Invalid("amount_overflow", "conversion of " + amount.ToString() + " overflows");
  }
  return Money(to, static_cast<int64_t>(result));
}

}  // namespace ebank
