// What the codec and Message share: the fields of a bitmap, character classes and hex text.
// Internal to src/iso8583.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "iso8583/iso8583.h"

namespace ebank::iso8583::internal {

// Calls visit(field) for each field whose bit is set in `present` (field f is bit f - 1
// from the most significant of word 0, as on the wire), in ascending order, and stops at
// the first error.
template <typename Visit>
Status ForEachField(const std::array<uint64_t, 2>& present, Visit visit) {
  for (size_t word = 0; word < present.size(); ++word) {
    uint64_t bits = present[word];
    while (bits != 0) {
      int bit = std::countl_zero(bits);
      bits &= ~(uint64_t{1} << (63 - bit));
      EBANK_RETURN_IF_ERROR(visit(static_cast<int>(word) * 64 + bit + 1));
    }
  }
  return Status::Ok();
}

inline constexpr char kHexDigits[] = "0123456789ABCDEF";

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline bool IsPrintable(char c) {
  return c >= ' ' && c <= '~';
}

// 0-15 for '0'-'9', 'A'-'F' and 'a'-'f'; -1 for anything else.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Upper-case, two characters a byte.
inline void AppendHex(std::string_view bytes, std::string& out) {
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 0xf];
  }
}

// Whether a value has only the characters its type allows (for xn, the digits after the
// sign). Pack and Unpack check every character of every field, so this is built for speed:
// range checks eight bytes at a time for digits and printable text, which are most of a
// message, and a table lookup per byte for the rest.
class CharacterClasses {
 public:
  constexpr CharacterClasses() {
    for (int c = 0; c < 256; ++c) {
      bool digit = c >= '0' && c <= '9';
      bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      bool space = c == ' ';
      Allow(FieldType::kA, c, letter || space);
      Allow(FieldType::kAn, c, letter || digit || space);
      Allow(FieldType::kZ, c, digit || c == '=');
    }
  }

  bool Allows(FieldType type, std::string_view value) const {
    switch (type) {
      case FieldType::kB:
        return true;
      case FieldType::kN:
      case FieldType::kXn:
        return InRange<'0', '9'>(value);
      case FieldType::kAns:
        return InRange<' ', '~'>(value);
      case FieldType::kA:
      case FieldType::kAn:
      case FieldType::kZ:
        break;
    }
    const std::array<bool, 256>& allowed = table_[static_cast<size_t>(type)];
    bool all = true;
    // No early exit: the loop is short and branch-free, and the common case is all valid.
    for (char c : value)
      all &= allowed[static_cast<unsigned char>(c)];
    return all;
  }

 private:
  // Whether every byte is in [low, high], eight at a time (a lookup per byte was a quarter
  // of Pack's and Unpack's time). Once no byte has its top bit set, adding 0x80 - low to a
  // byte sets its top bit exactly when it is at least `low`, adding 0x7f - high exactly
  // when it is above `high`, and neither sum carries into the next byte.
  template <char low, char high>
  static bool InRange(std::string_view value) {
    static_assert(low > 0 && high > low);
    constexpr uint64_t kOnes = 0x0101010101010101;
    constexpr uint64_t kTops = 0x80 * kOnes;
    constexpr uint64_t kAddLow = (0x80 - low) * kOnes;
    constexpr uint64_t kAddHigh = (0x7f - high) * kOnes;
    size_t at = 0;
    for (; at + 8 <= value.size(); at += 8) {
      uint64_t bytes;
      std::memcpy(&bytes, value.data() + at, 8);
      if ((bytes & kTops) != 0 || ((bytes + kAddLow) & kTops) != kTops ||
          ((bytes + kAddHigh) & kTops) != 0) {
        return false;
      }
    }
    bool all = true;
    for (; at < value.size(); ++at)
      all &= value[at] >= low && value[at] <= high;
    return all;
  }

  constexpr void Allow(FieldType type, int c, bool allowed) {
    table_[static_cast<size_t>(type)][static_cast<size_t>(c)] = allowed;
  }

  std::array<std::array<bool, 256>, 7> table_ = {};
};

inline constexpr CharacterClasses kCharacterClasses;

}  // namespace ebank::iso8583::internal
