#include "security/id_document.h"

#include <algorithm>
#include <array>

namespace ebank::security {
namespace {

// GB 11643-1999: the weight of position i is 2^(17-i) mod 11, and the check character
// for a weighted sum s is kResidentIdCheck[s mod 11].
constexpr std::array<int, kResidentIdLength - 1> kResidentIdWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                                       3, 7, 9,  10, 5, 8, 4, 2};
constexpr std::string_view kResidentIdCheck = "10X98765432";
constexpr size_t kBirthDateOffset = 6;

// GB 32100-2015: the value of a character is its index in the alphabet, the weight of
// position i is 3^i mod 31, and the check value is (31 - s mod 31) mod 31.
constexpr std::string_view kCreditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, kCreditCodeLength - 1> kCreditCodeWeights = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
constexpr int kCreditCodeModulus = 31;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

Status InvalidResidentId(std::string_view why) {
  return Status::Invalid("invalid_resident_id", "resident ID number " + std::string(why));
}

Status InvalidCreditCode(std::string_view why) {
  return Status::Invalid("invalid_credit_code", "unified social credit code " + std::string(why));
}

// REQUIRES: text is all digits.
int ParseDigits(std::string_view text) {
  int value = 0;
  for (char c : text)
    value = value * 10 + (c - '0');
  return value;
}

}  // namespace

char ResidentIdCheckCharacter(std::string_view first17) {
  int sum = 0;
  for (size_t i = 0; i < kResidentIdWeights.size() && i < first17.size(); ++i)
    sum += (first17[i] - '0') * kResidentIdWeights[i];
  return kResidentIdCheck[static_cast<size_t>(sum % 11)];
}

Status ValidateResidentId(std::string_view number, std::chrono::year_month_day today) {
  if (number.size() != kResidentIdLength) return InvalidResidentId("must be 18 characters");
  std::string_view body = number.substr(0, kResidentIdLength - 1);
  if (!std::all_of(body.begin(), body.end(), IsDigit)) {
    return InvalidResidentId("must start with 17 digits");
  }
  char check = number.back();
  if (!IsDigit(check) && check != 'X') {
    return InvalidResidentId("must end with a digit or an upper-case X");
  }
  if (ResidentIdCheckCharacter(body) != check) {
    return InvalidResidentId("has a wrong check character");
  }
  std::string_view birth = number.substr(kBirthDateOffset, 8);
  std::chrono::year_month_day birth_date{
      std::chrono::year{ParseDigits(birth.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(ParseDigits(birth.substr(4, 2)))},
      std::chrono::day{static_cast<unsigned>(ParseDigits(birth.substr(6, 2)))}};
  if (!birth_date.ok()) return InvalidResidentId("has a birth date that is not a real date");
  if (birth_date.year() < std::chrono::year{kResidentIdBirthYearMin}) {
    return InvalidResidentId("has a birth date before " + std::to_string(kResidentIdBirthYearMin));
  }
  if (birth_date > today) return InvalidResidentId("has a birth date in the future");
  return Status::Ok();
}

std::chrono::year_month_day ChinaStandardDate(int64_t unix_ms) {
  using namespace std::chrono;
  constexpr hours kChinaStandardOffset{8};
  sys_time<milliseconds> time{milliseconds{unix_ms}};
  return year_month_day{floor<days>(time + kChinaStandardOffset)};
}

Status ValidateUnifiedSocialCreditCode(std::string_view code) {
  if (code.size() != kCreditCodeLength) return InvalidCreditCode("must be 18 characters");
  std::array<int, kCreditCodeLength> values;
  for (size_t i = 0; i < code.size(); ++i) {
    size_t value = kCreditCodeAlphabet.find(code[i]);
    if (value == std::string_view::npos) {
      return InvalidCreditCode(
          "may contain only digits and the upper-case letters of GB 32100 (no I, O, S, V, Z)");
    }
    values[i] = static_cast<int>(value);
  }
  int sum = 0;
  for (size_t i = 0; i < kCreditCodeWeights.size(); ++i)
    sum += values[i] * kCreditCodeWeights[i];
  int check = (kCreditCodeModulus - sum % kCreditCodeModulus) % kCreditCodeModulus;
  if (values.back() != check) return InvalidCreditCode("has a wrong check character");
  return Status::Ok();
}

std::string MaskResidentId(std::string_view number) {
  if (number.size() != kResidentIdLength) {
    return std::string(std::min(number.size(), kResidentIdLength), '*');
  }
  std::string masked(number);
  std::fill(masked.begin() + kResidentIdMaskKeepFront, masked.end() - kResidentIdMaskKeepBack, '*');
  return masked;
}

}  // namespace ebank::security
