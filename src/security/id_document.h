// Chinese identity document numbers: the resident identity card (居民身份证) of a person
// and the unified social credit code (统一社会信用代码) of a company or other organisation.
//
// A resident ID number is personal data: no status message here repeats the number, and
// logs and screens show only MaskResidentId's form of it. Thread-safe: all functions are
// pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::security {

inline constexpr size_t kResidentIdLength = 18;
inline constexpr size_t kCreditCodeLength = 18;
// The earliest birth year a resident ID number may carry. The 18-digit number dates from
// GB 11643-1999 and nobody then alive had been born before about 1877 (no one is known to
// have lived past 122), so this floor refuses only dates no real card carries. A later
// floor such as 1900 would refuse the standard's own example, born in 1880, and the
// numbers of deceased customers that inheritance cases bring to the counter.
inline constexpr int kResidentIdBirthYearMin = 1870;
// Characters kept in the clear by MaskResidentId: the region code in front and the
// sequence and check characters at the end, which is what counter staff compare.
inline constexpr size_t kResidentIdMaskKeepFront = 6;
inline constexpr size_t kResidentIdMaskKeepBack = 4;

// Checks an 18-character resident identity card number (GB 11643-1999): 17 digits and a
// check character '0'-'9' or 'X' (ISO 7064 MOD 11-2), whose positions 7-14 hold a birth
// date YYYYMMDD that is a real calendar date from kResidentIdBirthYearMin-01-01 up to and
// including `today` (pass ChinaStandardDate of the clock's time). A lowercase 'x' is
// refused: the standard prints 'X', and accepting both would give one card two spellings
// that a unique index cannot see are the same; input screens upper-case before calling.
// The 15-digit first-generation numbers are refused too; those cards expired in 2013.
// The region code in positions 1-6 is not checked against a table: the check character
// already catches every single wrong digit and every swap of neighbours, and region codes
// change with administrative reorganisations. Invalid "invalid_resident_id" otherwise.
Status ValidateResidentId(std::string_view number, std::chrono::year_month_day today);
// The check character of the 17 digits `first17` (ISO 7064 MOD 11-2): '0'-'9' or 'X'.
char ResidentIdCheckCharacter(std::string_view first17);

// The calendar date at `unix_ms` in China Standard Time (UTC+8, without daylight saving
// since 1991), the calendar in which birth dates on resident ID cards are written.
std::chrono::year_month_day ChinaStandardDate(int64_t unix_ms);

// Checks an 18-character unified social credit code (GB 32100-2015) over the alphabet
// "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, S, V or Z), whose last character is the
// check character of the first 17. Lowercase letters are refused, for the same reason as
// in ValidateResidentId. Invalid "invalid_credit_code" otherwise.
Status ValidateUnifiedSocialCreditCode(std::string_view code);

// "110105********002X": an 18-character number with only the first 6 and the last 4
// characters shown. Text of any other length, which cannot be a valid number, is masked
// entirely (at most kResidentIdLength stars), so that a mistyped number never reaches a log
// in the clear.
std::string MaskResidentId(std::string_view number);

}  // namespace ebank::security
