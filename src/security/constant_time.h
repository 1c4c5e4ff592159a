// Comparison of secrets without timing leaks.
#pragma once

#include <string_view>

namespace ebank::security {

// True when `a` and `b` are equal. The time taken depends only on the lengths, never on
// where the first difference lies, so that an attacker who measures response times
// learns nothing about a code or digest a byte at a time. Lengths are not secret here:
// callers compare codes of a fixed, public length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace ebank::security
