#include "print/statement.h"

#include <fmt/format.h>

#include <chrono>

namespace ebank::print {

std::string ChinaTimeText(int64_t unix_ms) {
  using namespace std::chrono;
  sys_time<milliseconds> utc{milliseconds(unix_ms)};
  auto local = floor<seconds>(utc + hours(8));
  auto day = floor<days>(local);
  year_month_day date{day};
  hh_mm_ss time{local - day};
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::string GroupedAmount(int64_t minor, Currency currency) {
  std::string plain = FormatAmount(minor, currency.exponent());
  size_t sign = plain.starts_with('-') ? 1 : 0;
  size_t point = plain.find('.');
  size_t whole_end = point == std::string::npos ? plain.size() : point;
  std::string out = plain.substr(0, sign);
  for (size_t i = sign; i < whole_end; ++i) {
    if (i > sign && (whole_end - i) % 3 == 0) out += ',';
    out += plain[i];
  }
  out += plain.substr(whole_end);
  return out;
}

}  // namespace ebank::print
