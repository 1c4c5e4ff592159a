// Card security against published vectors: Luhn (ISO/IEC 7812-1 annex B), ISO 9564-1
// format 0 PIN blocks (ANSI X9.8's textbook example and one worked by hand), TDES known answers (FIPS 81's DES example run as
// two-key TDES with K1 = K2, and the usual key check value of the classic test key).
#include "security/card.h"

#include <gtest/gtest.h>

#include "core/hash.h"

namespace ebank::security {
namespace {

std::string Hex(std::string_view bytes) {
  std::string hex = HexEncode(bytes);
  for (char& c : hex)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

std::string Bytes(std::string_view hex) {
  std::string bytes, lower(hex);
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(HexDecode(lower, &bytes));
  return bytes;
}

TEST(LuhnTest, PublishedExamples) {
  EXPECT_EQ(LuhnCheckDigit("7992739871"), '3');  // ISO/IEC 7812-1's worked example.
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  // By hand for 622202020011223: from the right, 3→6, 2, 2→4, 1, 1→2, 0, 0, 2, 0→0, 2,
  // 0→0, 2, 2→4, 2, 6→3 (12 - 9); the sum is 30, so the check digit is 0.
  EXPECT_EQ(LuhnCheckDigit("622202020011223"), '0');
  EXPECT_TRUE(LuhnValid("6222020200112230"));
  EXPECT_FALSE(LuhnValid("411111111111"));  // 12 digits: too short.
  EXPECT_FALSE(LuhnValid("41111111111111x1"));
  EXPECT_EQ(CheckPan("4111111111111112").reason(), "pan_check_digit");
  EXPECT_EQ(CheckPan("12345").reason(), "pan_malformed");
  EXPECT_TRUE(CheckPan(MakePan("621288123456789012")).ok());
}

TEST(PanTest, MaskLastFourAndToken) {
  EXPECT_EQ(MaskPan("6222020200112230"), "622202******2230");
  EXPECT_EQ(PanLastFour("6222020200112230"), "2230");
  PanTokenizer a(std::string(32, 'a')), b(std::string(32, 'b'));
  EXPECT_EQ(a.Token("6222020200112230"), a.Token("6222020200112230"));
  EXPECT_EQ(a.Token("6222020200112230").size(), 64u);
  EXPECT_NE(a.Token("6222020200112230"), b.Token("6222020200112230"));
  EXPECT_NE(a.Token("6222020200112230"), a.Token("4111111111111111"));
  EXPECT_EQ(a.Token("6222020200112230").find("2230"), std::string::npos);
}

TEST(PinBlockTest, Format0ByHand) {
  // PIN field 04 12 34 FF FF FF FF FF; PAN field 0000 + "111111111111" (the 12 digits left
  // of the check digit); their xor 04 12 25 EE EE EE EE EE.
  auto block = PinBlockFormat0("1234", "4111111111111111");
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(Hex(*block), "041225EEEEEEEEEE");
  // The textbook ANSI X9.8 example: PIN 1234, PAN 43219876543210987: PIN field
  // 04 12 34 FF FF FF FF FF xor PAN field 00 00 98 76 54 32 10 98 = 04 12 AC 89 AB CD EF 67.
  auto x98 = PinBlockFormat0("1234", "43219876543210987");
  ASSERT_TRUE(x98.ok());
  EXPECT_EQ(Hex(*x98), "0412AC89ABCDEF67");
  auto pin = PinFromFormat0(*x98, "43219876543210987");
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(*pin, "1234");
  // Twelve digits: length nibble C.
  auto long_pin = PinBlockFormat0("123456789012", "4111111111111111");
  ASSERT_TRUE(long_pin.ok());
  EXPECT_EQ(Hex(*long_pin).substr(0, 2), "0C");
  EXPECT_EQ(*PinFromFormat0(*long_pin, "4111111111111111"), "123456789012");
}

TEST(PinBlockTest, RefusesWhatIsNotFormat0) {
  EXPECT_EQ(PinBlockFormat0("123", "4111111111111111").status().reason(), "invalid_pin");
  EXPECT_EQ(PinBlockFormat0("1234567890123", "4111111111111111").status().reason(), "invalid_pin");
  EXPECT_EQ(PinBlockFormat0("12a4", "4111111111111111").status().reason(), "invalid_pin");
  const std::string pan = "4111111111111111";
  // Each block below is the clear PIN field xor the PAN field 0000111111111111.
  auto with_pan = [&](std::string_view pin_field_hex) {
    std::string field = Bytes(pin_field_hex), pan_field = Bytes("0000111111111111");
    for (size_t i = 0; i < 8; ++i)
      field[i] = static_cast<char>(field[i] ^ pan_field[i]);
    return field;
  };
  EXPECT_EQ(PinFromFormat0(with_pan("141234FFFFFFFFFF"), pan).status().reason(),
            "pin_block_format");  // Control nibble 1.
  EXPECT_EQ(PinFromFormat0(with_pan("031234FFFFFFFFFF"), pan).status().reason(),
            "pin_block_format");  // Length 3.
  EXPECT_EQ(PinFromFormat0(with_pan("0412A4FFFFFFFFFF"), pan).status().reason(),
            "pin_block_format");  // A PIN digit A.
  EXPECT_EQ(PinFromFormat0(with_pan("041234FFFFFFFF0F"), pan).status().reason(),
            "pin_block_format");  // Filler not F.
  EXPECT_EQ(PinFromFormat0("short", pan).status().reason(), "pin_block_format");
  EXPECT_EQ(*PinFromFormat0(with_pan("041234FFFFFFFFFF"), pan), "1234");
}

TEST(PinKeyTest, TdesKnownAnswers) {
  // FIPS 81 (DES modes) example: key 0123456789ABCDEF, "Now is t" → 3FA40E8A984D4815;
  // two-key TDES with K1 = K2 is single DES.
  auto same = PinKey::FromHex("0123456789ABCDEF0123456789ABCDEF");
  ASSERT_TRUE(same.ok());
  auto encrypted = same->EncryptBlock(Bytes("4e6f772069732074"));
  ASSERT_TRUE(encrypted.ok()) << encrypted.status().ToString();
  EXPECT_EQ(Hex(*encrypted), "3FA40E8A984D4815");
  EXPECT_EQ(*same->DecryptBlock(*encrypted), Bytes("4e6f772069732074"));
  // The classic double-length test key's check value.
  auto key = PinKey::FromHex("0123456789ABCDEFFEDCBA9876543210");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->CheckValue(), "08D7B4");
  auto triple = PinKey::FromHex("0123456789ABCDEFFEDCBA98765432100123456789ABCDEF");
  ASSERT_TRUE(triple.ok());
  EXPECT_EQ(triple->CheckValue(), "08D7B4");  // K3 = K1 is two-key TDES.
}

TEST(PinKeyTest, EncryptedPinRoundTripAndRefusals) {
  auto key = PinKey::FromHex("0123456789ABCDEFFEDCBA9876543210");
  ASSERT_TRUE(key.ok());
  auto block = key->EncryptPin("123456", "6222020200112230");
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(block->size(), 8u);
  EXPECT_EQ(*key->DecryptPin(*block, "6222020200112230"), "123456");
  // Under another card's PAN the block does not decode to the PIN.
  auto other = key->DecryptPin(*block, "4111111111111111");
  EXPECT_TRUE(!other.ok() || *other != "123456");
  auto wrong_key = PinKey::FromHex("FEDCBA98765432100123456789ABCDEF");
  ASSERT_TRUE(wrong_key.ok());
  auto under_wrong = wrong_key->DecryptPin(*block, "6222020200112230");
  EXPECT_TRUE(!under_wrong.ok() || *under_wrong != "123456");
  EXPECT_EQ(PinKey::FromHex("0123").status().reason(), "invalid_pin_key");
  EXPECT_EQ(PinKey::FromHex("0123456789ABCDEFFEDCBA987654321G").status().reason(),
            "invalid_pin_key");
  EXPECT_EQ(key->EncryptBlock("1234567").status().reason(), "pin_block_format");
  auto aes = PinKey::FromHex("000102030405060708090A0B0C0D0E0F", PinKey::Algorithm::kAes);
  ASSERT_TRUE(aes.ok());
  // FIPS 197 appendix C.1: AES-128 of 00112233445566778899aabbccddeeff.
  auto aes_block = aes->EncryptBlock(Bytes("00112233445566778899aabbccddeeff"));
  ASSERT_TRUE(aes_block.ok());
  EXPECT_EQ(Hex(*aes_block), "69C4E0D86A7B0430D8CDB78070B4C55A");
  EXPECT_EQ(aes->EncryptPin("1234", "4111111111111111").status().reason(), "format4_unsupported");
}

TEST(PinVerifierTest, MatchesOnlyTheRightPinOfTheRightCard) {
  PinVerifier verifier(std::string(32, 'k'));
  std::string stored = verifier.Verifier("token-a", "123456");
  EXPECT_TRUE(verifier.Matches("token-a", "123456", stored));
  EXPECT_FALSE(verifier.Matches("token-a", "123457", stored));
  EXPECT_FALSE(verifier.Matches("token-b", "123456", stored));
  EXPECT_EQ(stored.find("123456"), std::string::npos);
  PinVerifier other(std::string(32, 'q'));
  EXPECT_FALSE(other.Matches("token-a", "123456", stored));
}

}  // namespace
}  // namespace ebank::security
