// Pack and Unpack: a Message to and from the bytes a Spec lays out; framing; response MTIs.
#include <bit>
#include <cassert>
#include <optional>

#include "iso8583/internal.h"
#include "iso8583/iso8583.h"

namespace ebank::iso8583 {
namespace {

using internal::ForEachField;
using internal::HexValue;
using internal::kCharacterClasses;

constexpr size_t kBitmapBytes = 8;
constexpr size_t kBitmapHexChars = 2 * kBitmapBytes;
constexpr size_t kMtiBcdBytes = kMtiDigits / 2;
// Field 1's bit in the primary bitmap: a secondary bitmap follows.
constexpr uint64_t kSecondaryBitmapBit = uint64_t{1} << 63;
constexpr unsigned char kBcdSeparatorNibble = 0xd;

Status FieldError(std::string reason, int field, std::string_view what) {
  return Status::Invalid(std::move(reason),
                         "field " + std::to_string(field) + " " + std::string(what));
}

std::string_view TypeName(FieldType type) {
  switch (type) {
    case FieldType::kN:
      return "n";
    case FieldType::kA:
      return "a";
    case FieldType::kAn:
      return "an";
    case FieldType::kAns:
      return "ans";
    case FieldType::kB:
      return "b";
    case FieldType::kZ:
      return "z";
    case FieldType::kXn:
      return "xn";
  }
  return "?";
}

Status CharactersError(const FieldSpec& field) {
  return FieldError(
      "invalid_field_characters", field.number,
      "has characters that type " + std::string(TypeName(field.type)) + " does not allow");
}

bool ValidValue(const FieldSpec& field, std::string_view value) {
  if (field.type == FieldType::kXn) {
    return !value.empty() && (value[0] == 'C' || value[0] == 'D') &&
           kCharacterClasses.Allows(FieldType::kXn, value.substr(1));
  }
  return kCharacterClasses.Allows(field.type, value);
}

// The bytes a value of `length` characters (bytes for b) takes on the wire.
size_t EncodedValueBytes(const FieldSpec& field, size_t length) {
  switch (field.value_encoding) {
    case Encoding::kAscii:
      return field.type == FieldType::kB ? 2 * length : length;
    case Encoding::kBcd:
      // An xn sign is one ASCII byte before the digits.
      return field.type == FieldType::kXn ? 1 + length / 2 : (length + 1) / 2;
    case Encoding::kBinary:
      return length;
  }
  return length;
}

size_t LengthPrefixBytes(const FieldSpec& field) {
  if (field.length_encoding == Encoding::kAscii) return static_cast<size_t>(field.length_digits);
  return field.length_digits == 2 ? 1 : 2;
}

// --- Pack ---

// Digits and '=' (nibble D), two a byte, an odd count left-padded with a 0 nibble.
void AppendBcd(std::string_view digits, std::string& out) {
  auto nibble = [](char c) { return c == '=' ? kBcdSeparatorNibble : c - '0'; };
  size_t at = 0;
  if (digits.size() % 2 == 1) {
    out += static_cast<char>(nibble(digits[0]));
    at = 1;
  }
  for (; at < digits.size(); at += 2) {
    out += static_cast<char>(nibble(digits[at]) << 4 | nibble(digits[at + 1]));
  }
}

void AppendLength(const FieldSpec& field, size_t length, std::string& out) {
  auto digit = [](size_t value) { return static_cast<char>('0' + value); };
  bool three = field.length_digits == 3;
  switch (field.length_encoding) {
    case Encoding::kAscii:
      if (three) out += digit(length / 100);
      out += digit(length / 10 % 10);
      out += digit(length % 10);
      return;
    case Encoding::kBcd:
      if (three) out += static_cast<char>(length / 100);
      out += static_cast<char>(length / 10 % 10 << 4 | length % 10);
      return;
    case Encoding::kBinary:
      if (three) out += static_cast<char>(length >> 8);
      out += static_cast<char>(length & 0xff);
      return;
  }
}

void AppendBitmap(Encoding encoding, uint64_t bits, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    auto byte = static_cast<unsigned char>(bits >> shift);
    if (encoding == Encoding::kBinary) {
      out += static_cast<char>(byte);
    } else {
      out += internal::kHexDigits[byte >> 4];
      out += internal::kHexDigits[byte & 0xf];
    }
  }
}

Status PackField(const FieldSpec& field, std::string_view value, std::string& out) {
  size_t length = value.size();
  auto max_length = static_cast<size_t>(field.max_length);
  bool fixed = field.length_digits == 0;
  if (fixed ? length != max_length : length > max_length) {
    std::string_view unit = field.type == FieldType::kB ? " bytes" : " characters";
    return FieldError("invalid_field_length", field.number,
                      std::string(fixed ? "must be exactly " : "may be at most ") +
                          std::to_string(max_length) + std::string(unit) + ", not " +
                          std::to_string(length));
  }
  if (!ValidValue(field, value)) {
    return CharactersError(field);
  }
  if (!fixed) AppendLength(field, length, out);
  switch (field.value_encoding) {
    case Encoding::kAscii:
      if (field.type == FieldType::kB) {
        internal::AppendHex(value, out);
      } else {
        out += value;
      }
      break;
    case Encoding::kBcd:
      if (field.type == FieldType::kXn) {
        out += value[0];
        value.remove_prefix(1);
      }
      AppendBcd(value, out);
      break;
    case Encoding::kBinary:
      out += value;
      break;
  }
  return Status::Ok();
}

// --- Unpack ---

// `digits` characters from BCD `encoded` (whose size fits them), appended to `out`.
Status DecodeBcd(const FieldSpec& field, std::string_view encoded, size_t digits,
                 std::string& out) {
  size_t nibbles = 2 * encoded.size();
  size_t at = nibbles - digits;  // 1 when a pad nibble leads, else 0.
  if (at == 1 && (static_cast<unsigned char>(encoded[0]) >> 4) != 0) {
    return FieldError("invalid_bcd", field.number, "has a pad nibble that is not 0");
  }
  for (; at < nibbles; ++at) {
    auto byte = static_cast<unsigned char>(encoded[at / 2]);
    unsigned char nibble = at % 2 == 0 ? byte >> 4 : byte & 0xf;
    if (nibble <= 9) {
      out += static_cast<char>('0' + nibble);
    } else if (nibble == kBcdSeparatorNibble && field.type == FieldType::kZ) {
      out += '=';
    } else {
      return FieldError("invalid_bcd", field.number, "has a nibble that is not a digit");
    }
  }
  return Status::Ok();
}

std::optional<size_t> ReadLength(const FieldSpec& field, std::string_view prefix) {
  size_t length = 0;
  switch (field.length_encoding) {
    case Encoding::kAscii:
      for (char c : prefix) {
        if (!internal::IsDigit(c)) return std::nullopt;
        length = length * 10 + static_cast<size_t>(c - '0');
      }
      return length;
    case Encoding::kBcd:
      for (size_t at = 0; at < prefix.size(); ++at) {
        auto byte = static_cast<unsigned char>(prefix[at]);
        unsigned char high = byte >> 4;
        unsigned char low = byte & 0xf;
        // LLL's 3 digits leave a pad nibble in front, which must be 0.
        bool pad = field.length_digits == 3 && at == 0;
        if ((pad ? high != 0 : high > 9) || low > 9) return std::nullopt;
        length = length * 100 + high * 10u + low;
      }
      return length;
    case Encoding::kBinary:
      for (char c : prefix)
        length = length << 8 | static_cast<unsigned char>(c);
      return length;
  }
  return std::nullopt;
}

// Reads one field at `at`, appends its value to `values` and moves `at` past it.
Status UnpackField(const FieldSpec& field, std::string_view bytes, size_t& at,
                   std::string& values) {
  auto length = static_cast<size_t>(field.max_length);
  if (field.length_digits != 0) {
    size_t prefix_bytes = LengthPrefixBytes(field);
    if (bytes.size() - at < prefix_bytes) {
      return FieldError("field_truncated", field.number, "has a length prefix past the end");
    }
    std::optional<size_t> prefix = ReadLength(field, bytes.substr(at, prefix_bytes));
    if (!prefix) {
      return FieldError("invalid_length_prefix", field.number, "has a length prefix of non-digits");
    }
    if (*prefix > length) {
      return FieldError("field_too_long", field.number,
                        "has a length of " + std::to_string(*prefix) + ", past its maximum of " +
                            std::to_string(length));
    }
    length = *prefix;
    at += prefix_bytes;
  }
  size_t value_bytes = EncodedValueBytes(field, length);
  if (bytes.size() - at < value_bytes) {
    return FieldError("field_truncated", field.number, "runs past the end of the message");
  }
  std::string_view encoded = bytes.substr(at, value_bytes);
  at += value_bytes;
  switch (field.value_encoding) {
    case Encoding::kAscii:
      if (field.type == FieldType::kB) {
        for (size_t i = 0; i < encoded.size(); i += 2) {
          int high = HexValue(encoded[i]);
          int low = HexValue(encoded[i + 1]);
          if (high < 0 || low < 0) {
            return FieldError("invalid_field_characters", field.number, "is not hex");
          }
          values += static_cast<char>(high << 4 | low);
        }
        return Status::Ok();
      }
      if (!ValidValue(field, encoded)) {
        return CharactersError(field);
      }
      values += encoded;
      return Status::Ok();
    case Encoding::kBcd:
      if (field.type == FieldType::kXn) {
        if (encoded[0] != 'C' && encoded[0] != 'D') {
          return FieldError("invalid_field_characters", field.number,
                            "has a sign that is not C or D");
        }
        values += encoded[0];
        return DecodeBcd(field, encoded.substr(1), length - 1, values);
      }
      return DecodeBcd(field, encoded, length, values);
    case Encoding::kBinary:
      values += encoded;
      return Status::Ok();
  }
  return Status::Ok();
}

Status ReadMti(Encoding encoding, std::string_view bytes, size_t& at, std::string& mti) {
  size_t mti_bytes = encoding == Encoding::kBcd ? kMtiBcdBytes : kMtiDigits;
  if (bytes.size() < mti_bytes) {
    return Status::Invalid("mti_truncated", "the message ends inside its MTI");
  }
  if (encoding == Encoding::kBcd) {
    for (size_t i = 0; i < kMtiBcdBytes; ++i) {
      auto byte = static_cast<unsigned char>(bytes[i]);
      if (byte >> 4 > 9 || (byte & 0xf) > 9) {
        return Status::Invalid("invalid_mti", "the MTI is not BCD digits");
      }
      mti += static_cast<char>('0' + (byte >> 4));
      mti += static_cast<char>('0' + (byte & 0xf));
    }
  } else {
    std::string_view text = bytes.substr(0, kMtiDigits);
    if (!kCharacterClasses.Allows(FieldType::kN, text)) {
      return Status::Invalid("invalid_mti", "the MTI is not 4 digits");
    }
    mti.assign(text);
  }
  at = mti_bytes;
  return Status::Ok();
}

Status ReadBitmap(Encoding encoding, std::string_view bytes, size_t& at, uint64_t& bits) {
  size_t bitmap_bytes = encoding == Encoding::kBinary ? kBitmapBytes : kBitmapHexChars;
  if (bytes.size() - at < bitmap_bytes) {
    return Status::Invalid("bitmap_truncated", "the message ends inside a bitmap");
  }
  bits = 0;
  for (size_t i = 0; i < bitmap_bytes; ++i) {
    char c = bytes[at + i];
    if (encoding == Encoding::kBinary) {
      bits = bits << 8 | static_cast<unsigned char>(c);
      continue;
    }
    int value = HexValue(c);
    if (value < 0) return Status::Invalid("invalid_bitmap", "a bitmap is not hex");
    bits = bits << 4 | static_cast<uint64_t>(value);
  }
  at += bitmap_bytes;
  return Status::Ok();
}

Status MessageTooLong() {
  return Status::Invalid("message_too_long",
                         "a message is at most " + std::to_string(kMessageBytesMax) + " bytes");
}

}  // namespace

Result<std::string> Pack(const Spec& spec, const Message& message) {
  std::string_view mti = message.mti_;
  if (mti.size() != kMtiDigits || !kCharacterClasses.Allows(FieldType::kN, mti)) {
    return Status::Invalid("invalid_mti", "the MTI must be 4 digits");
  }
  std::string out;
  // Enough for any encoding: hex doubles a b value, a prefix is at most 3 bytes.
  size_t fields =
      static_cast<size_t>(std::popcount(message.present_[0]) + std::popcount(message.present_[1]));
  out.reserve(kMtiDigits + 2 * kBitmapHexChars + 2 * message.live_bytes_ + 3 * fields);
  if (spec.mti_encoding() == Encoding::kBcd) {
    AppendBcd(mti, out);
  } else {
    out += mti;
  }
  uint64_t primary = message.present_[0];
  uint64_t secondary = message.present_[1];
  if (secondary != 0) primary |= kSecondaryBitmapBit;
  AppendBitmap(spec.bitmap_encoding(), primary, out);
  if (secondary != 0) AppendBitmap(spec.bitmap_encoding(), secondary, out);
  Status status = ForEachField(message.present_, [&](int number) {
    const FieldSpec* field = spec.Field(number);
    if (field == nullptr) return FieldError("undefined_field", number, "is not in the spec");
    EBANK_RETURN_IF_ERROR(PackField(*field, message.Get(number), out));
    if (out.size() > kMessageBytesMax) return MessageTooLong();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return out;
}

Result<Message> Unpack(const Spec& spec, std::string_view bytes) {
  if (bytes.size() > kMessageBytesMax) return MessageTooLong();
  Message message;
  size_t at = 0;
  EBANK_RETURN_IF_ERROR(ReadMti(spec.mti_encoding(), bytes, at, message.mti_));
  std::array<uint64_t, 2> present = {};
  EBANK_RETURN_IF_ERROR(ReadBitmap(spec.bitmap_encoding(), bytes, at, present[0]));
  if ((present[0] & kSecondaryBitmapBit) != 0) {
    present[0] &= ~kSecondaryBitmapBit;
    EBANK_RETURN_IF_ERROR(ReadBitmap(spec.bitmap_encoding(), bytes, at, present[1]));
  }
  // BCD digits are the most a byte on the wire can become: two characters.
  message.values_.reserve(2 * (bytes.size() - at));
  Status status = ForEachField(present, [&](int number) {
    const FieldSpec* field = spec.Field(number);
    if (field == nullptr) {
      return FieldError("undefined_field", number, "is in the bitmap but not in the spec");
    }
    size_t offset = message.values_.size();
    EBANK_RETURN_IF_ERROR(UnpackField(*field, bytes, at, message.values_));
    message.slots_[static_cast<size_t>(number)] = {
        static_cast<uint32_t>(offset), static_cast<uint32_t>(message.values_.size() - offset)};
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (at != bytes.size()) {
    return Status::Invalid("trailing_bytes",
                           std::to_string(bytes.size() - at) + " bytes follow the last field");
  }
  message.present_ = present;
  message.live_bytes_ = message.values_.size();
  return message;
}

std::string Frame(std::string_view body) {
  assert(body.size() <= kFrameBytesMax);
  std::string frame;
  frame.reserve(kFrameHeaderBytes + body.size());
  frame += static_cast<char>(body.size() >> 8 & 0xff);
  frame += static_cast<char>(body.size() & 0xff);
  frame += body;
  return frame;
}

Result<size_t> FrameLength(std::string_view header2, size_t max_bytes) {
  if (header2.size() != kFrameHeaderBytes) {
    return Status::Invalid("invalid_frame_length", "a frame header is 2 bytes");
  }
  size_t length = static_cast<size_t>(static_cast<unsigned char>(header2[0])) << 8 |
                  static_cast<unsigned char>(header2[1]);
  if (length == 0 || length > max_bytes) {
    return Status::Invalid(
        "invalid_frame_length",
        "a frame of " + std::to_string(length) + " bytes is not 1 to " + std::to_string(max_bytes));
  }
  return length;
}

Result<std::string> ResponseMti(std::string_view request_mti) {
  if (request_mti.size() != kMtiDigits || !kCharacterClasses.Allows(FieldType::kN, request_mti)) {
    return Status::Invalid("invalid_mti", "an MTI is 4 digits");
  }
  char function = request_mti[2];
  char origin = request_mti[3];
  if ((function != '0' && function != '2') || origin > '5') {
    return Status::Invalid("not_a_request",
                           "MTI " + std::string(request_mti) + " is not a request or advice");
  }
  std::string response(request_mti);
  response[2] = static_cast<char>(function + 1);
  response[3] = static_cast<char>('0' + ((origin - '0') & ~1));
  return response;
}

}  // namespace ebank::iso8583
