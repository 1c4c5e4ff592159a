// An ISO 8583:1987 codec for card messages: a message type (MTI), a primary bitmap, a
// secondary bitmap when any field 65-128 is present, and the fields the bitmaps name, each
// laid out as a Spec says. The layout is data, as in jPOS's GenericPackager: a Spec is
// parsed from a short text, and two are built in (Ascii87, Bcd87).
//
// The spec text: one directive a line; '#' outside double quotes starts a comment that runs
// to the end of the line; words are separated by spaces or tabs.
//
//   mti <ascii|bcd>
//       The 4-digit message type as 4 ASCII digits or 2 BCD bytes. Exactly once.
//   bitmap <binary|ascii>
//       Each 64-bit bitmap as 8 raw bytes or as 16 hex characters. Exactly once.
//   field <number> <type> <length> <max> <value encoding> [<length encoding>] "<name>"
//       number           2 to 128, each at most once. Field 1 is the secondary bitmap, which
//                        Pack adds when a field 65-128 is present.
//       type             n   digits 0-9
//                        a   letters A-Z a-z and space
//                        an  letters, digits and space
//                        ans printable ASCII, space to '~'
//                        z   track 2 and 3 data: digits and the separator '='
//                        xn  an amount with its sign: 'C' (credit) or 'D' (debit), then
//                            digits; fixed length only, at least 2 characters
//                        b   any bytes
//                        Spaces are allowed in a and an because fixed-length text fields
//                        are space-padded in practice.
//       length           0 for a fixed length; LL or LLL for a variable length given by a
//                        prefix of 2 or 3 decimal digits.
//       max              The fixed length (1-999) or the longest value (LL 1-99, LLL
//                        1-999), in characters, or in bytes for b. Length prefixes count
//                        the same units: digits for n even when two share a BCD byte.
//       value encoding   ascii  one byte a character (for b: two upper-case hex
//                               characters a byte);
//                        bcd    n, z and xn only: two digits a byte, high nibble first, an
//                               odd count left-padded with a 0 nibble; '=' is nibble D; the
//                               xn sign stays one ASCII byte before the digits;
//                        binary b only: the bytes as they are.
//       length encoding  Variable lengths only, and then required: ascii (2 or 3 digits),
//                        bcd (LL 1 byte, LLL 2 bytes with a 0 high nibble) or binary (LL 1
//                        byte, LLL 2 bytes big-endian).
//       name             In double quotes, not empty; for logs and documentation.
//
// Values in a Message are text for n, a, an, ans, z and xn (the digits "000000", never a
// number) and raw bytes for b, whatever the encoding on the wire. Fixed-length values must
// have exactly their length: the caller pads (numbers with leading zeros, text with
// trailing spaces), as the padding rule belongs to each field's meaning.
//
// Thread-safety: a Spec is immutable and may be shared by any number of threads. A Message
// is a plain value; concurrent reads are safe, a write needs exclusive access.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ebank::iso8583 {

// The largest message body Pack produces and Unpack and FrameLength accept. Card messages
// are a few hundred bytes; this leaves room for ICC data and private fields.
inline constexpr size_t kMessageBytesMax = 8192;
// A 2-byte length prefix can describe no longer body.
inline constexpr size_t kFrameBytesMax = 65535;
inline constexpr size_t kFrameHeaderBytes = 2;
inline constexpr size_t kMtiDigits = 4;
// Field 1 is the secondary bitmap; data fields are 2 to 128.
inline constexpr int kFieldNumberMin = 2;
inline constexpr int kFieldNumberMax = 128;
// The largest `max` a spec may give a field (three length digits).
inline constexpr int kFieldLengthMax = 999;
// The largest spec text Parse and Load accept; the built-in ones are about 12 KiB.
inline constexpr size_t kSpecBytesMax = 256 * 1024;
// The fields Describe() shows as "***": primary account number, expiration date, track 2
// and 3, track 1, PIN data and ICC data (which holds the cryptogram and track 2 again).
inline constexpr std::array<int, 7> kDescribeMaskedFields = {2, 14, 35, 36, 45, 52, 55};

// Numeric, alphabetic, alphanumeric, alphanumeric and special, binary, track data, and
// amount with its credit/debit sign ("x+n" in the standard).
enum class FieldType : unsigned char { kN, kA, kAn, kAns, kB, kZ, kXn };
enum class Encoding : unsigned char { kAscii, kBcd, kBinary };

struct FieldSpec {
  int number = 0;
  FieldType type = FieldType::kAns;
  // 0 for a fixed length, 2 for LL, 3 for LLL.
  int length_digits = 0;
  // Characters, or bytes for b; the exact length of a fixed field.
  int max_length = 0;
  Encoding value_encoding = Encoding::kAscii;
  // Meaningful only when length_digits is not 0.
  Encoding length_encoding = Encoding::kAscii;
  std::string name;
};

class Spec {
 public:
  // Parses the text form above. Invalid "invalid_spec" with the line number in the message
  // ("line 7: unknown type 'q'").
  static Result<Spec> Parse(std::string_view text);
  // Reads and parses a spec file. NotFound "spec_not_found" when it cannot be read, and
  // the errors of Parse with the path in front of the message.
  static Result<Spec> Load(const std::string& path);
  // The built-in specs, iso87ascii.spec and iso87bcd.spec, embedded at build time.
  static const Spec& Ascii87();
  static const Spec& Bcd87();

  // Nullptr when `number` is not defined.
  const FieldSpec* Field(int number) const {
    if (number < kFieldNumberMin || number > kFieldNumberMax) return nullptr;
    const FieldSpec& field = fields_[static_cast<size_t>(number)];
    return field.number == 0 ? nullptr : &field;
  }
  Encoding mti_encoding() const { return mti_encoding_; }
  // kBinary or kAscii (hex).
  Encoding bitmap_encoding() const { return bitmap_encoding_; }
  bool bitmap_binary() const { return bitmap_encoding_ == Encoding::kBinary; }

 private:
  Spec() = default;

  Encoding mti_encoding_ = Encoding::kAscii;
  Encoding bitmap_encoding_ = Encoding::kBinary;
  // Indexed by field number; number 0 marks an undefined field.
  std::array<FieldSpec, kFieldNumberMax + 1> fields_;
};

class Message;
Result<std::string> Pack(const Spec& spec, const Message& message);
Result<Message> Unpack(const Spec& spec, std::string_view bytes);

// One message's MTI and field values. All values share one buffer and each field has a
// fixed slot, so building, copying and unpacking a message allocate at most once.
class Message {
 public:
  Message() = default;
  explicit Message(std::string_view mti) : mti_(mti) {}

  std::string_view mti() const { return mti_; }
  // Any text; Pack refuses an MTI that is not 4 digits.
  void set_mti(std::string_view mti) { mti_.assign(mti); }

  // False for numbers outside 2-128.
  bool Has(int field) const;
  // The value, "" when absent. Valid until the next Set, Unset or assignment.
  std::string_view Get(int field) const;
  // Stores the value as given; Pack checks it against the spec. `value` may point into this
  // message. REQUIRES: 2 <= field <= 128.
  void Set(int field, std::string_view value);
  void Unset(int field);
  // The present fields in ascending order.
  std::vector<int> Fields() const;

  // One line per field for logs: "mti 0200", then "003 000000"; a value that is not all
  // printable ASCII as "064 hex:0102030405060708", so no value can forge a log line. The
  // fields in `masked_fields` appear as "052 ***"; Describe() masks kDescribeMaskedFields.
  std::string Describe() const;
  std::string Describe(std::span<const int> masked_fields) const;

  // The same MTI and the same fields with the same values.
  friend bool operator==(const Message& a, const Message& b);

 private:
  friend Result<std::string> Pack(const Spec& spec, const Message& message);
  friend Result<Message> Unpack(const Spec& spec, std::string_view bytes);

  struct Slot {
    uint32_t offset = 0;
    uint32_t length = 0;
  };

  static bool IsFieldNumber(int field) {
    return field >= kFieldNumberMin && field <= kFieldNumberMax;
  }
  // Field f is bit (f - 1) of the 128 counted from the most significant bit of word 0, as in
  // the bitmaps on the wire.
  static size_t WordOf(int field) { return static_cast<size_t>(field - 1) / 64; }
  static uint64_t BitOf(int field) { return uint64_t{1} << (63 - (field - 1) % 64); }
  // Rebuilds values_ from the present fields when replaced values have left more dead
  // bytes than live ones.
  void CompactIfWasteful();

  std::string mti_;
  std::string values_;
  size_t live_bytes_ = 0;
  std::array<uint64_t, 2> present_ = {};
  std::array<Slot, kFieldNumberMax + 1> slots_ = {};
};

// Checks each present field against `spec` (defined, characters of its type, exact length
// when fixed, at most its maximum otherwise) and encodes the message body. Errors, all
// Invalid and naming the field but never its value: "invalid_mti", "undefined_field",
// "invalid_field_length", "invalid_field_characters", "message_too_long" (past
// kMessageBytesMax).
Result<std::string> Pack(const Spec& spec, const Message& message);

// Decodes exactly one message body (no frame) in one pass. Never reads past `bytes`.
// Errors, all Invalid: "message_too_long" (past kMessageBytesMax), "mti_truncated",
// "invalid_mti" (not digits), "bitmap_truncated", "invalid_bitmap" (hex bitmaps: not hex),
// "undefined_field" (in the bitmap, not in the spec), "field_truncated" (a length prefix or
// value runs past the end), "invalid_length_prefix" (not digits), "field_too_long" (a
// prefix past the field's maximum), "invalid_field_characters", "invalid_bcd" (a nibble
// that is no digit, or a pad nibble that is not 0), "trailing_bytes".
Result<Message> Unpack(const Spec& spec, std::string_view bytes);

// The 2-byte big-endian length prefix, then `body`. REQUIRES: body.size() <=
// kFrameBytesMax (Pack's output always is).
std::string Frame(std::string_view body);
// The body length a frame header announces. Invalid "invalid_frame_length" when `header2`
// is not 2 bytes, or the length is 0 or past `max_bytes`.
Result<size_t> FrameLength(std::string_view header2, size_t max_bytes = kMessageBytesMax);

// The MTI answering a request or advice: "0200" -> "0210", "0220" and its repeat "0221" ->
// "0230", "0420" -> "0430", "0800" -> "0810". The function digit (third) must be 0
// (request) or 2 (advice) and the origin digit (fourth) 0-5; a repeat's response drops the
// repeat (odd origin digits become even). Invalid "invalid_mti" when not 4 digits,
// "not_a_request" otherwise.
Result<std::string> ResponseMti(std::string_view request_mti);

}  // namespace ebank::iso8583
