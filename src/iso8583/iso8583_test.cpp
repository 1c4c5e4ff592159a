#include "iso8583/iso8583.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <vector>

namespace ebank::iso8583 {
namespace {

// Bytes from hex text with spaces ("30 38 30 30"). The golden messages below are written
// out by hand from ISO 8583:1987 and the spec files, never produced by the encoder.
std::string Hex(std::string_view text) {
  auto value = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
  std::string bytes;
  for (size_t at = 0; at < text.size(); ++at) {
    if (text[at] == ' ') continue;
    bytes += static_cast<char>(value(text[at]) << 4 | value(text[at + 1]));
    ++at;
  }
  return bytes;
}

template <typename T>
std::string ReasonOf(const Result<T>& result) {
  return result.ok() ? "ok" : result.status().reason();
}

const std::string kPinBlock = Hex("12 34 56 78 9A BC DE F0");
const std::string kPan = "4761739001010010";
// PAN, separator, expiry YYMM 2512, service code 201, 9 digits of discretionary data.
const std::string kTrack2 = "4761739001010010=2512201123456789";

// A network management echo test under Ascii87: fields 7, 11 and 70 (secondary bitmap).
const std::string kEchoAscii = std::string("0800") +             // MTI, 4 ASCII digits
                               Hex("82 20 00 00 00 00 00 00") +  // bits 1 (secondary), 7, 11
                               Hex("04 00 00 00 00 00 00 00") +  // bit 70
                               "1206153000" +  // 7 n10 transmission date and time MMDDhhmmss
                               "000001" +      // 11 n6 STAN
                               "301";          // 70 n3 network management code: echo test

Message EchoMessage() {
  Message message("0800");
  message.Set(7, "1206153000");
  message.Set(11, "000001");
  message.Set(70, "301");
  return message;
}

// A purchase authorisation with PIN: fields 2, 3, 4, 11, 22, 35, 41, 49, 52.
const std::string kPurchaseAscii =
    std::string("0200") +             // MTI
    Hex("70 20 04 00 20 80 90 00") +  // bits 2 3 4 | 11 | 22 | - | 35 | 41 | 49 52 | -
    "16" + kPan +                     // 2 n..19 LL: "16", then the PAN
    "000000" +                        // 3 n6 processing code: goods and services
    "000000010000" +                  // 4 n12 amount: 100.00
    "000123" +                        // 11 n6 STAN
    "051" +                           // 22 n3 POS entry mode: chip, PIN
    "33" + kTrack2 +                  // 35 z..37 LL: "33", then track 2
    "TERM0001" +                      // 41 ans8 terminal
    "156" +                           // 49 n3 currency: CNY
    kPinBlock;                        // 52 b8 PIN block, raw bytes

// The same message under Bcd87.
const std::string kPurchaseBcd =
    Hex("02 00") +                       // MTI, BCD
    Hex("70 20 04 00 20 80 90 00") +     // the same bitmap
    Hex("16 47 61 73 90 01 01 00 10") +  // 2: BCD length 16, 8 bytes
    Hex("00 00 00") +                    // 3 n6
    Hex("00 00 00 01 00 00") +           // 4 n12
    Hex("00 01 23") +                    // 11 n6
    Hex("00 51") +                       // 22 n3: odd, a 0 nibble first
    // 35: BCD length 33, then 17 bytes: a 0 pad nibble, the PAN, '=' as nibble D, the rest.
    Hex("33 04 76 17 39 00 10 10 01 0D 25 12 20 11 23 45 67 89") +
    "TERM0001" +    // 41 ans8 stays ASCII
    Hex("01 56") +  // 49 n3
    kPinBlock;      // 52 b8

Message PurchaseMessage() {
  Message message("0200");
  message.Set(2, kPan);
  message.Set(3, "000000");
  message.Set(4, "000000010000");
  message.Set(11, "000123");
  message.Set(22, "051");
  message.Set(35, kTrack2);
  message.Set(41, "TERM0001");
  message.Set(49, "156");
  message.Set(52, kPinBlock);
  return message;
}

// A reversal advice with the original data elements (90) in the secondary bitmap.
const std::string kReversalAscii =
    std::string("0420") +
    Hex("B0 20 00 00 00 80 00 00") +  // bits 1 (secondary) 3 4 | 11 | - | - | - | 41 | - | -
    Hex("00 00 00 40 00 00 00 00") +  // bits - | - | - | 90 | ...
    "000000" +                        // 3
    "000000010000" +                  // 4
    "000124" +                        // 11
    "TERM0001" +                      // 41
    // 90 n42: original MTI, STAN, transmission time, acquirer and forwarder (n11 each).
    "0200"
    "000123"
    "1206153000"
    "00000012345"
    "00000000000";

Message ReversalMessage() {
  Message message("0420");
  message.Set(3, "000000");
  message.Set(4, "000000010000");
  message.Set(11, "000124");
  message.Set(41, "TERM0001");
  message.Set(90, "020000012312061530000000001234500000000000");
  return message;
}

// A spec with the encodings the built-in ones do not use.
constexpr std::string_view kOtherSpecText = R"(# A test spec.
mti ascii
bitmap ascii   # 16 hex characters
field 2  n   LL  19  ascii binary "PAN, with a binary length"
field 28 xn  0   9   bcd          "Fee: ASCII sign, BCD digits"
field 44 a   0   3   ascii        "Letters"
field 48 ans LLL 999 ascii bcd    "Private, with a BCD length"
field 52 b   0   8   ascii        "PIN block as hex"
)";

const std::string kOtherMessage =
    std::string("0100") +
    "4000001000011000" +        // bitmap as hex: bits 2 | - | - | 28 | - | 48 | 52 | -
    Hex("10") + kPan +          // 2: one binary length byte, 16
    "D" + Hex("00 00 01 50") +  // 28 xn9 "D00000150": the sign in ASCII, 8 BCD digits
    Hex("00 05") + "A/B 1" +    // 48: BCD length 005
    "123456789ABCDEF0";         // 52 b8 as hex

const Spec& OtherSpec() {
  static const Spec spec = *Spec::Parse(kOtherSpecText);
  return spec;
}

Message OtherMessage() {
  Message message("0100");
  message.Set(2, kPan);
  message.Set(28, "D00000150");
  message.Set(48, "A/B 1");
  message.Set(52, kPinBlock);
  return message;
}

struct Golden {
  const char* name;
  const Spec& spec;
  const std::string& bytes;
  Message message;
};

std::vector<Golden> Goldens() {
  return {{"echo ascii", Spec::Ascii87(), kEchoAscii, EchoMessage()},
          {"purchase ascii", Spec::Ascii87(), kPurchaseAscii, PurchaseMessage()},
          {"purchase bcd", Spec::Bcd87(), kPurchaseBcd, PurchaseMessage()},
          {"reversal ascii", Spec::Ascii87(), kReversalAscii, ReversalMessage()},
          {"other spec", OtherSpec(), kOtherMessage, OtherMessage()}};
}

TEST(Iso8583Golden, PackGivesTheHandBuiltBytes) {
  for (const Golden& golden : Goldens()) {
    Result<std::string> packed = Pack(golden.spec, golden.message);
    ASSERT_TRUE(packed.ok()) << golden.name << ": " << packed.status().ToString();
    EXPECT_EQ(*packed, golden.bytes) << golden.name;
  }
}

TEST(Iso8583Golden, UnpackGivesTheFields) {
  for (const Golden& golden : Goldens()) {
    Result<Message> unpacked = Unpack(golden.spec, golden.bytes);
    ASSERT_TRUE(unpacked.ok()) << golden.name << ": " << unpacked.status().ToString();
    EXPECT_EQ(*unpacked, golden.message) << golden.name << "\n" << unpacked->Describe({});
  }
  Message purchase = *Unpack(Spec::Bcd87(), kPurchaseBcd);
  EXPECT_EQ(purchase.mti(), "0200");
  EXPECT_EQ(purchase.Get(2), kPan);
  EXPECT_EQ(purchase.Get(22), "051");
  EXPECT_EQ(purchase.Get(35), kTrack2);
  EXPECT_EQ(purchase.Get(52), kPinBlock);
  EXPECT_EQ(purchase.Fields(), (std::vector<int>{2, 3, 4, 11, 22, 35, 41, 49, 52}));
  EXPECT_FALSE(purchase.Has(1));
  EXPECT_FALSE(purchase.Has(5));
  EXPECT_EQ(purchase.Get(5), "");
}

TEST(Iso8583Golden, AbsentSecondaryFieldsLeaveNoSecondaryBitmap) {
  Result<std::string> packed = Pack(Spec::Ascii87(), PurchaseMessage());
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(static_cast<unsigned char>((*packed)[4]) & 0x80, 0);
  Message reversal = ReversalMessage();
  reversal.Unset(90);
  packed = Pack(Spec::Ascii87(), reversal);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(packed->substr(4, 8), Hex("30 20 00 00 00 80 00 00"));
  EXPECT_EQ(packed->size(), kReversalAscii.size() - 8 - 42);
}

TEST(Iso8583Golden, AcceptsAnEmptyVariableValue) {
  Message message("0100");
  message.Set(2, "");
  Result<std::string> packed = Pack(Spec::Ascii87(), message);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(*packed, std::string("0100") + Hex("40 00 00 00 00 00 00 00") + "00");
  Result<Message> unpacked = Unpack(Spec::Ascii87(), *packed);
  ASSERT_TRUE(unpacked.ok());
  EXPECT_TRUE(unpacked->Has(2));
  EXPECT_EQ(*unpacked, message);
}

// --- Unpack refusals ---

struct Refusal {
  const char* what;
  const Spec& spec;
  std::string bytes;
  std::string reason;
};

// kPurchaseAscii up to (not including) field 35, then `rest`.
std::string PurchaseAsciiBefore35(std::string_view rest) {
  size_t field35 = kPurchaseAscii.find("33" + kTrack2);
  return kPurchaseAscii.substr(0, field35) + std::string(rest);
}

TEST(Iso8583Unpack, RefusesMalformedMessages) {
  const Spec& ascii = Spec::Ascii87();
  const Spec& bcd = Spec::Bcd87();
  const std::string bitmap_2 = Hex("40 00 00 00 00 00 00 00");
  const std::string bitmap_3 = Hex("20 00 00 00 00 00 00 00");
  const std::string bitmap_35 = Hex("00 00 00 00 20 00 00 00");
  const std::string bitmap_36 = Hex("00 00 00 00 10 00 00 00");
  const std::string bitmap_28 = Hex("00 00 00 10 00 00 00 00");
  const std::vector<Refusal> refusals = {
      {"too long", ascii, "0800" + std::string(kMessageBytesMax, '\0'), "message_too_long"},
      {"empty", ascii, "", "mti_truncated"},
      {"short MTI", ascii, "080", "mti_truncated"},
      {"short BCD MTI", bcd, Hex("08"), "mti_truncated"},
      {"letter in the MTI", ascii, "08A0" + Hex("00 00 00 00 00 00 00 00"), "invalid_mti"},
      {"nibble A in a BCD MTI", bcd, Hex("0A 00 00 00 00 00 00 00 00 00"), "invalid_mti"},
      {"no bitmap", ascii, "0800", "bitmap_truncated"},
      {"short bitmap", ascii, "0800" + Hex("00 00 00 00 00 00 00"), "bitmap_truncated"},
      {"short secondary bitmap", ascii, "0800" + Hex("80 00 00 00 00 00 00 00 00 00 00 00"),
       "bitmap_truncated"},
      {"hex bitmap not hex", OtherSpec(), "01004000001000G11000", "invalid_bitmap"},
      {"field 3 not in the spec", OtherSpec(),
       "0100"
       "2000000000000000"
       "000000",
       "undefined_field"},
      {"prefix cut", ascii, "0100" + bitmap_2 + "1", "field_truncated"},
      {"value cut", ascii, "0100" + bitmap_2 + "16" + kPan.substr(0, 15), "field_truncated"},
      {"fixed value cut", ascii, "0100" + bitmap_3 + "00000", "field_truncated"},
      {"BCD value cut", bcd, Hex("01 00 20 00 00 00 00 00 00 00 00 00"), "field_truncated"},
      {"letter in a length", ascii, "0100" + bitmap_2 + "1A" + kPan, "invalid_length_prefix"},
      {"sign in a length", ascii, "0100" + bitmap_2 + "+9" + "123456789", "invalid_length_prefix"},
      {"nibble A in a BCD length", bcd, Hex("01 00") + bitmap_2 + Hex("1A"),
       "invalid_length_prefix"},
      {"BCD LLL pad not 0", bcd, Hex("01 00") + bitmap_36 + Hex("10 01 01"),
       "invalid_length_prefix"},
      {"length past max", ascii, "0100" + bitmap_2 + "20" + kPan + "0000", "field_too_long"},
      {"BCD length past max", bcd, Hex("01 00") + bitmap_2 + Hex("20"), "field_too_long"},
      {"binary length past max", OtherSpec(),
       "0100"
       "4000000000000000" +
           Hex("14") + kPan,
       "field_too_long"},
      {"letter in n", ascii, "0100" + bitmap_3 + "00A000", "invalid_field_characters"},
      {"space in n", ascii, "0100" + bitmap_3 + "00 000", "invalid_field_characters"},
      {"D in z", ascii, PurchaseAsciiBefore35("33" + kPan + "D2512201123456789"),
       "invalid_field_characters"},
      {"control character in ans", ascii, "0100" + Hex("00 00 00 00 00 80 00 00") + "TERM\n001",
       "invalid_field_characters"},
      {"'!' in an", ascii, "0100" + Hex("00 00 00 00 02 00 00 00") + "O!",
       "invalid_field_characters"},
      {"xn sign", ascii, "0100" + bitmap_28 + "X00000150", "invalid_field_characters"},
      {"xn BCD sign", bcd, Hex("01 00") + bitmap_28 + "X" + Hex("00 00 01 50"),
       "invalid_field_characters"},
      {"b hex not hex", OtherSpec(),
       "0100"
       "0000000000001000"
       "123456789ABCDEFG",
       "invalid_field_characters"},
      {"nibble A in BCD n", bcd, Hex("01 00") + bitmap_3 + Hex("00 0A 00"), "invalid_bcd"},
      {"BCD pad nibble not 0", bcd, Hex("01 00") + Hex("00 00 04 00 00 00 00 00") + Hex("10 51"),
       "invalid_bcd"},
      {"nibble E in BCD z", bcd, Hex("01 00") + bitmap_35 + Hex("02 4E"), "invalid_bcd"},
      {"trailing byte", ascii, kPurchaseAscii + "0", "trailing_bytes"},
      {"trailing BCD byte", bcd, kPurchaseBcd + Hex("00"), "trailing_bytes"},
  };
  for (const Refusal& refusal : refusals) {
    Result<Message> unpacked = Unpack(refusal.spec, refusal.bytes);
    EXPECT_EQ(ReasonOf(unpacked), refusal.reason) << refusal.what;
  }
}

TEST(Iso8583Unpack, RefusesWrongCharactersInEachTextType) {
  // 39 an2, 41 ans8 and 44 a3 under a spec with all three fixed.
  Spec spec = *Spec::Parse(
      "mti ascii\nbitmap binary\n"
      "field 39 an 0 2 ascii \"an\"\nfield 41 ans 0 8 ascii \"ans\"\n"
      "field 44 a 0 3 ascii \"a\"\n");
  const std::string bitmap_39 = Hex("00 00 00 00 02 00 00 00");
  const std::string bitmap_41 = Hex("00 00 00 00 00 80 00 00");
  const std::string bitmap_44 = Hex("00 00 00 00 00 10 00 00");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_39 + "0 ")), "ok");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_39 + "0!")), "invalid_field_characters");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_41 + "T~RM 0!1")), "ok");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_41 +
                                      "TERM\x7f"
                                      "001")),
            "invalid_field_characters");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_41 +
                                      "TERM\xc3\xa9"
                                      "01")),
            "invalid_field_characters");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_44 + "Ab ")), "ok");
  EXPECT_EQ(ReasonOf(Unpack(spec, "0110" + bitmap_44 + "A1 ")), "invalid_field_characters");
}

TEST(Iso8583Unpack, NeverReadsPastAnyPrefix) {
  // Every proper prefix of every golden message is refused (none of them is a message), and
  // under ASan a read past the end of the copy would be caught.
  for (const Golden& golden : Goldens()) {
    for (size_t size = 0; size < golden.bytes.size(); ++size) {
      std::vector<char> copy(golden.bytes.begin(), golden.bytes.begin() + size);
      Result<Message> unpacked = Unpack(golden.spec, std::string_view(copy.data(), copy.size()));
      EXPECT_FALSE(unpacked.ok()) << golden.name << " cut to " << size;
    }
  }
}

// --- Pack refusals ---

TEST(Iso8583Pack, RefusesInvalidValues) {
  struct Case {
    const char* what;
    int field;
    std::string value;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"fixed n short (the caller pads)", 3, "00000", "invalid_field_length"},
      {"fixed n long", 3, "0000000", "invalid_field_length"},
      {"LL past max", 2, "12345678901234567890", "invalid_field_length"},
      {"b fixed short", 52, kPinBlock.substr(0, 7), "invalid_field_length"},
      {"ans fixed short", 41, "TERM001", "invalid_field_length"},
      {"space in n", 3, "00 000", "invalid_field_characters"},
      {"letter in LL n", 2, "476173900101001X", "invalid_field_characters"},
      {"D as track 2 separator", 35, "4761739001010010D2512201123456789",
       "invalid_field_characters"},
      {"control character in ans", 41, "TERM\t001", "invalid_field_characters"},
      {"'-' in an", 39, "0-", "invalid_field_characters"},
      {"xn without sign", 28, "000000150", "invalid_field_characters"},
      {"xn with a letter", 28, "C0000015A", "invalid_field_characters"},
  };
  for (const Spec* spec : {&Spec::Ascii87(), &Spec::Bcd87()}) {
    for (const Case& c : cases) {
      Message message("0200");
      message.Set(c.field, c.value);
      EXPECT_EQ(ReasonOf(Pack(*spec, message)), c.reason) << c.what;
    }
  }
}

TEST(Iso8583Pack, RefusesBadMtiUndefinedFieldsAndLongMessages) {
  Message message = PurchaseMessage();
  for (std::string mti : {"", "020", "02000", "02A0", " 200"}) {
    message.set_mti(mti);
    EXPECT_EQ(ReasonOf(Pack(Spec::Ascii87(), message)), "invalid_mti") << mti;
  }
  Message other = OtherMessage();
  other.Set(3, "000000");
  Result<std::string> packed = Pack(OtherSpec(), other);
  EXPECT_EQ(ReasonOf(packed), "undefined_field");
  EXPECT_NE(packed.status().message().find("field 3"), std::string::npos);

  Message big("0200");
  for (int field = 56; field <= 63; ++field)
    big.Set(field, std::string(999, 'x'));
  EXPECT_EQ(ReasonOf(Pack(Spec::Ascii87(), big)), "ok");  // 8 * 1002 + 12 bytes
  big.Set(120, std::string(999, 'x'));
  EXPECT_EQ(ReasonOf(Pack(Spec::Ascii87(), big)), "message_too_long");
}

TEST(Iso8583Pack, ErrorsNeverRepeatTheValue) {
  Message message("0200");
  message.Set(2, kPan + "9999");
  Result<std::string> packed = Pack(Spec::Ascii87(), message);
  ASSERT_FALSE(packed.ok());
  EXPECT_EQ(packed.status().message().find("4761"), std::string::npos) << packed.status().message();
}

// --- Random messages ---

std::string RandomValue(const FieldSpec& field, std::mt19937& random) {
  auto below = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  size_t length = static_cast<size_t>(field.max_length);
  if (field.length_digits != 0) length = below(std::min<size_t>(length, 120) + 1);
  static const std::string kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ";
  static const std::string kAlphanumeric = kLetters + "0123456789";
  std::string value;
  for (size_t i = 0; i < length; ++i) {
    switch (field.type) {
      case FieldType::kN:
        value += static_cast<char>('0' + below(10));
        break;
      case FieldType::kXn:
        value += i == 0 ? "CD"[below(2)] : static_cast<char>('0' + below(10));
        break;
      case FieldType::kZ:
        value += "0123456789="[below(11)];
        break;
      case FieldType::kA:
        value += kLetters[below(kLetters.size())];
        break;
      case FieldType::kAn:
        value += kAlphanumeric[below(kAlphanumeric.size())];
        break;
      case FieldType::kAns:
        value += static_cast<char>(' ' + below(95));
        break;
      case FieldType::kB:
        value += static_cast<char>(below(256));
        break;
    }
  }
  return value;
}

Message RandomMessage(const Spec& spec, std::mt19937& random) {
  std::uniform_int_distribution<int> digit(0, 9);
  std::string mti;
  for (size_t i = 0; i < kMtiDigits; ++i)
    mti += static_cast<char>('0' + digit(random));
  Message message(mti);
  // Each message draws its own density, so some are sparse and some nearly full.
  double density = std::uniform_real_distribution<double>(0.0, 0.3)(random);
  bool primary_only = std::bernoulli_distribution(0.3)(random);
  int last_field = primary_only ? 64 : kFieldNumberMax;
  for (int number = kFieldNumberMin; number <= last_field; ++number) {
    const FieldSpec* field = spec.Field(number);
    if (field == nullptr || !std::bernoulli_distribution(density)(random)) continue;
    message.Set(number, RandomValue(*field, random));
  }
  return message;
}

TEST(Iso8583RoundTrip, RandomMessagesUnderBothSpecs) {
  std::mt19937 random(8583);
  int packed_count = 0;
  for (const Spec* spec : {&Spec::Ascii87(), &Spec::Bcd87(), &OtherSpec()}) {
    for (int i = 0; i < 3000; ++i) {
      Message message = RandomMessage(*spec, random);
      Result<std::string> packed = Pack(*spec, message);
      if (!packed.ok()) {
        // Only the size limit may refuse a message built from valid values.
        ASSERT_EQ(packed.status().reason(), "message_too_long") << message.Describe({});
        continue;
      }
      ++packed_count;
      Result<Message> unpacked = Unpack(*spec, *packed);
      ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString() << "\n" << message.Describe({});
      ASSERT_EQ(*unpacked, message) << message.Describe({}) << unpacked->Describe({});
      Result<std::string> repacked = Pack(*spec, *unpacked);
      ASSERT_TRUE(repacked.ok());
      ASSERT_EQ(*repacked, *packed);
    }
  }
  EXPECT_GT(packed_count, 8000);
}

// Whatever a mutation makes of a message, Unpack answers (no crash, no read past the end)
// and what it accepts packs and unpacks to itself.
TEST(Iso8583RoundTrip, MutatedAndTruncatedBytesNeverCrash) {
  std::mt19937 random(1987);
  auto below = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  int accepted = 0;
  int refused = 0;
  for (const Spec* spec : {&Spec::Ascii87(), &Spec::Bcd87(), &OtherSpec()}) {
    for (int i = 0; i < 400; ++i) {
      Result<std::string> packed = Pack(*spec, RandomMessage(*spec, random));
      if (!packed.ok()) continue;
      for (int j = 0; j < 25; ++j) {
        std::string bytes = *packed;
        switch (below(5)) {
          case 0:  // Flip some bits.
            for (size_t k = below(4) + 1; k > 0 && !bytes.empty(); --k) {
              bytes[below(bytes.size())] ^= static_cast<char>(1 << below(8));
            }
            break;
          case 1:  // Replace a byte.
            bytes[below(bytes.size())] = static_cast<char>(below(256));
            break;
          case 2:  // Truncate.
            bytes.resize(below(bytes.size()));
            break;
          case 3:  // Insert a byte.
            bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(below(bytes.size() + 1)),
                         static_cast<char>(below(256)));
            break;
          case 4:  // Drop a run.
            bytes.erase(below(bytes.size()), below(16) + 1);
            break;
        }
        std::vector<char> exact(bytes.begin(), bytes.end());  // No slack for over-reads.
        Result<Message> unpacked = Unpack(*spec, std::string_view(exact.data(), exact.size()));
        if (!unpacked.ok()) {
          ++refused;
          continue;
        }
        ++accepted;
        Result<std::string> repacked = Pack(*spec, *unpacked);
        ASSERT_TRUE(repacked.ok()) << repacked.status().ToString();
        Result<Message> again = Unpack(*spec, *repacked);
        ASSERT_TRUE(again.ok());
        ASSERT_EQ(*again, *unpacked);
      }
    }
  }
  EXPECT_GT(accepted, 100);
  EXPECT_GT(refused, 1000);
}

// --- Message ---

TEST(Iso8583Message, SetReplacesUnsetRemovesAndValuesMayAlias) {
  Message message("0200");
  message.Set(2, kPan);
  message.Set(2, "123");  // Shorter: in place.
  EXPECT_EQ(message.Get(2), "123");
  message.Set(2, "12345678901234567");  // Longer: appended.
  EXPECT_EQ(message.Get(2), "12345678901234567");
  message.Set(3, message.Get(2).substr(0, 6));  // A value from the same message.
  EXPECT_EQ(message.Get(3), "123456");
  message.Set(2, message.Get(2).substr(5));  // Overlapping its own old value.
  EXPECT_EQ(message.Get(2), "678901234567");
  message.Unset(3);
  EXPECT_FALSE(message.Has(3));
  EXPECT_EQ(message.Get(3), "");
  EXPECT_EQ(message.Fields(), std::vector<int>{2});
  message.Unset(3);  // Twice is harmless.
  EXPECT_FALSE(message.Has(0));
  EXPECT_FALSE(message.Has(129));
  EXPECT_FALSE(message.Has(-1));
  EXPECT_EQ(message.Get(200), "");
}

TEST(Iso8583Message, ManyReplacementsKeepValues) {
  Message message("0200");
  for (int round = 0; round < 2000; ++round) {
    for (int field : {2, 48, 127}) {
      message.Set(field, std::string(static_cast<size_t>(round % 97 + 1), 'a' + field % 26));
    }
  }
  for (int field : {2, 48, 127}) {
    EXPECT_EQ(message.Get(field), std::string(1999 % 97 + 1, 'a' + field % 26));
  }
  Message copy = message;
  EXPECT_EQ(copy, message);
  copy.Set(48, "x");
  EXPECT_FALSE(copy == message);
}

TEST(Iso8583Message, DescribeMasksSecrets) {
  Message message = PurchaseMessage();
  message.Set(14, "2512");
  message.Set(64, Hex("01 02 03 04 05 06 07 08"));
  message.Set(43, "SHOP\nmti 0210");  // A forged log line shows as hex.
  std::string text = message.Describe();
  EXPECT_EQ(text,
            "mti 0200\n"
            "002 ***\n"
            "003 000000\n"
            "004 000000010000\n"
            "011 000123\n"
            "014 ***\n"
            "022 051\n"
            "035 ***\n"
            "041 TERM0001\n"
            "043 hex:53484F500A6D74692030323130\n"
            "049 156\n"
            "052 ***\n"
            "064 hex:0102030405060708\n");
  EXPECT_EQ(text.find("4761"), std::string::npos);
  const int only_pin[] = {52};
  text = message.Describe(only_pin);
  EXPECT_NE(text.find("002 " + kPan + "\n"), std::string::npos);
  EXPECT_NE(text.find("052 ***\n"), std::string::npos);
}

// --- Spec ---

TEST(Iso8583Spec, BuiltInSpecsDefineTheIso87Elements) {
  for (const Spec* spec : {&Spec::Ascii87(), &Spec::Bcd87()}) {
    EXPECT_EQ(spec->Field(1), nullptr);
    EXPECT_EQ(spec->Field(129), nullptr);
    for (int number = kFieldNumberMin; number <= kFieldNumberMax; ++number) {
      ASSERT_NE(spec->Field(number), nullptr) << number;
      EXPECT_EQ(spec->Field(number)->number, number);
      EXPECT_FALSE(spec->Field(number)->name.empty());
    }
    EXPECT_TRUE(spec->bitmap_binary());
  }
  const Spec& ascii = Spec::Ascii87();
  EXPECT_EQ(ascii.mti_encoding(), Encoding::kAscii);
  const FieldSpec& pan = *ascii.Field(2);
  EXPECT_EQ(pan.type, FieldType::kN);
  EXPECT_EQ(pan.length_digits, 2);
  EXPECT_EQ(pan.max_length, 19);
  EXPECT_EQ(pan.name, "Primary account number (PAN)");
  EXPECT_EQ(ascii.Field(35)->type, FieldType::kZ);
  EXPECT_EQ(ascii.Field(35)->max_length, 37);
  EXPECT_EQ(ascii.Field(52)->type, FieldType::kB);
  EXPECT_EQ(ascii.Field(52)->value_encoding, Encoding::kBinary);
  EXPECT_EQ(ascii.Field(55)->length_digits, 3);
  EXPECT_EQ(ascii.Field(55)->max_length, 255);
  EXPECT_EQ(ascii.Field(90)->max_length, 42);
  EXPECT_EQ(ascii.Field(28)->type, FieldType::kXn);
  const Spec& bcd = Spec::Bcd87();
  EXPECT_EQ(bcd.mti_encoding(), Encoding::kBcd);
  EXPECT_EQ(bcd.Field(2)->value_encoding, Encoding::kBcd);
  EXPECT_EQ(bcd.Field(2)->length_encoding, Encoding::kBcd);
  EXPECT_EQ(bcd.Field(41)->value_encoding, Encoding::kAscii);
}

TEST(Iso8583Spec, ParseErrorsNameTheLine) {
  const std::string head = "mti ascii\nbitmap binary\n";  // Lines 1 and 2.
  struct Case {
    std::string text;
    std::string message;  // Must appear in the status message.
  };
  const std::vector<Case> cases = {
      {head + "field 2 q LL 19 ascii ascii \"PAN\"\n", "line 3: unknown type 'q'"},
      {head + "# comment\n\nfield 2 n LL 100 ascii ascii \"PAN\"\n",
       "line 5: the maximum length must be 1 to 99"},
      {head + "field 2 n LLL 1000 ascii ascii \"PAN\"\n", "line 3: the maximum length"},
      {head + "field 3 n 0 0 ascii \"Zero\"\n", "line 3: the maximum length"},
      {head + "field 3 n 0 six ascii \"Word\"\n", "line 3: the maximum length"},
      {head + "field 2 n L 19 ascii ascii \"PAN\"\n", "line 3: unknown length 'L'"},
      {head + "field 2 n LL 19 ascii \"PAN\"\n", "line 3: an LL or LLL field needs a length"},
      {head + "field 3 n 0 6 ascii ascii \"Code\"\n", "line 3: a fixed-length field has no"},
      {head + "field 3 n 0 6 ascii hex \"Code\"\n", "line 3: a fixed-length field has no"},
      {head + "field 2 n LL 19 ascii hex \"PAN\"\n", "line 3: unknown length encoding 'hex'"},
      {head + "field 41 ans 0 8 bcd \"Terminal\"\n", "line 3: value encoding 'bcd' does not"},
      {head + "field 52 b 0 8 bcd \"PIN\"\n", "line 3: value encoding 'bcd' does not"},
      {head + "field 3 n 0 6 binary \"Code\"\n", "line 3: value encoding 'binary' does not"},
      {head + "field 28 xn LL 9 ascii ascii \"Fee\"\n", "line 3: an xn field"},
      {head + "field 28 xn 0 1 ascii \"Fee\"\n", "line 3: an xn field"},
      {head + "field 1 b 0 8 binary \"Bitmap\"\n", "line 3: the field number must be 2 to 128"},
      {head + "field 129 n 0 3 ascii \"Beyond\"\n", "line 3: the field number"},
      {head + "field 3 n 0 6 ascii \"A\"\nfield 3 n 0 6 ascii \"B\"\n",
       "line 4: field 3 defined twice (first on line 3)"},
      {head + "field 3 n 0 6 ascii Code\n", "line 3: the field's name must be last"},
      {head + "field 3 n 0 6 ascii \"\"\n", "line 3: the field's name must be last"},
      {head + "field 3 n 0 6 ascii \"Code\" extra\n", "line 3: the field's name must be last"},
      {head + "field 3 n 0 6 ascii \"Code\n", "line 3: unterminated quote"},
      {head + "field 3 n 0 6 ascii \"Co\"\"de\"\n", "line 3: only the field's name may be"},
      {head + "field 3\n", "line 3: a field line is"},
      {head + "fields 3 n 0 6 ascii \"Code\"\n", "line 3: unknown directive 'fields'"},
      {head + "\"field\" 3 n 0 6 ascii \"Code\"\n", "line 3: a line starts with its directive"},
      {head + "mti bcd\n", "line 3: mti given twice (first on line 1)"},
      {"mti binary\n", "line 1: expected: mti ascii|bcd"},
      {"mti\n", "line 1: expected: mti ascii|bcd"},
      {"mti ascii\nbitmap bcd\n", "line 2: expected: bitmap binary|ascii"},
      {"bitmap binary\nfield 3 n 0 6 ascii \"Code\"\n", "the spec has no mti line"},
      {"mti ascii\n", "the spec has no bitmap line"},
      {"", "the spec has no mti line"},
  };
  for (const Case& c : cases) {
    Result<Spec> spec = Spec::Parse(c.text);
    ASSERT_FALSE(spec.ok()) << c.text;
    EXPECT_EQ(spec.status().reason(), "invalid_spec") << c.text;
    EXPECT_NE(spec.status().message().find(c.message), std::string::npos)
        << c.text << "\ngot: " << spec.status().message() << "\nwanted: " << c.message;
  }
  EXPECT_EQ(ReasonOf(Spec::Parse(std::string(kSpecBytesMax + 1, '#'))), "invalid_spec");
}

TEST(Iso8583Spec, ParseAcceptsCommentsTabsAndCrLf) {
  Result<Spec> spec = Spec::Parse(
      "# A spec\r\n"
      "mti bcd # the MTI\r\n"
      "\tbitmap\tascii\r\n"
      "field 43 ans 0 40 ascii \"Name # not a comment\" # a comment\r\n");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->mti_encoding(), Encoding::kBcd);
  EXPECT_EQ(spec->bitmap_encoding(), Encoding::kAscii);
  EXPECT_FALSE(spec->bitmap_binary());
  ASSERT_NE(spec->Field(43), nullptr);
  EXPECT_EQ(spec->Field(43)->name, "Name # not a comment");
  EXPECT_EQ(spec->Field(2), nullptr);
}

TEST(Iso8583Spec, LoadReadsAFile) {
  std::string path = ::testing::TempDir() + "iso8583_test.spec";
  {
    std::ofstream file(path, std::ios::binary);
    file << kOtherSpecText;
  }
  Result<Spec> spec = Spec::Load(path);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(*Unpack(*spec, kOtherMessage), OtherMessage());
  {
    std::ofstream file(path, std::ios::binary);
    file << "mti ascii\nbitmap binary\nfield 2 q LL 19 ascii ascii \"PAN\"\n";
  }
  spec = Spec::Load(path);
  EXPECT_EQ(ReasonOf(spec), "invalid_spec");
  EXPECT_NE(spec.status().message().find(path + ": line 3"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_EQ(ReasonOf(Spec::Load(path)), "spec_not_found");
}

// --- Framing and MTIs ---

TEST(Iso8583Frame, PrefixesTheBigEndianLength) {
  EXPECT_EQ(Frame("abc"), Hex("00 03") + "abc");
  std::string body(300, 'x');
  EXPECT_EQ(Frame(body).substr(0, 2), Hex("01 2C"));
  EXPECT_EQ(Frame(body).size(), 302u);
  std::string framed = Frame(kPurchaseAscii);
  Result<size_t> length = FrameLength(framed.substr(0, 2));
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(*length, kPurchaseAscii.size());
  EXPECT_EQ(*FrameLength(Hex("20 00")), kMessageBytesMax);
  EXPECT_EQ(*FrameLength(Hex("FF FF"), kFrameBytesMax), 65535u);
}

TEST(Iso8583Frame, RefusesZeroTooLongAndShortHeaders) {
  EXPECT_EQ(ReasonOf(FrameLength(Hex("00 00"))), "invalid_frame_length");
  EXPECT_EQ(ReasonOf(FrameLength(Hex("20 01"))), "invalid_frame_length");
  EXPECT_EQ(ReasonOf(FrameLength(Hex("00 11"), 16)), "invalid_frame_length");
  EXPECT_EQ(ReasonOf(FrameLength(Hex("00 10"), 16)), "ok");
  EXPECT_EQ(ReasonOf(FrameLength(Hex("00"))), "invalid_frame_length");
  EXPECT_EQ(ReasonOf(FrameLength(Hex("00 10 00"))), "invalid_frame_length");
}

TEST(Iso8583ResponseMti, AnswersRequestsAndAdvices) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"0100", "0110"}, {"0200", "0210"}, {"0220", "0230"}, {"0221", "0230"},
      {"0420", "0430"}, {"0421", "0430"}, {"0800", "0810"}, {"0201", "0210"},
      {"0202", "0212"}, {"0203", "0212"}, {"1200", "1210"}};
  for (const auto& [request, response] : pairs) {
    Result<std::string> answer = ResponseMti(request);
    ASSERT_TRUE(answer.ok()) << request;
    EXPECT_EQ(*answer, response) << request;
  }
  for (std::string response : {"0210", "0230", "0430", "0810", "0240", "0206", "0299"}) {
    EXPECT_EQ(ReasonOf(ResponseMti(response)), "not_a_request") << response;
  }
  for (std::string bad : {"", "020", "02000", "02a0", "0 00"}) {
    EXPECT_EQ(ReasonOf(ResponseMti(bad)), "invalid_mti") << bad;
  }
}

}  // namespace
}  // namespace ebank::iso8583
