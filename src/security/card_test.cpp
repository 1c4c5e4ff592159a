// Card security against vectors published by others or worked by hand in the comments, never
// against values this code produced. Sources:
// - Luhn: the common worked example 79927398713 (Wikipedia, "Luhn algorithm"), the Visa test
//   card 4111 1111 1111 1111, and a UnionPay number worked by hand below.
// - Format 0: ANSI X9.8's textbook example as EFTlab's BP-Tools prints it (PIN 1234, PAN
//   43219876543210987); the examples of the "pinblock" module of Electron ATM (PIN 1234, PAN
//   4000001234562000; PIN 92389, PAN 4000001234565) and of the psec library's tests (PAN
//   5555555551234567), each also checked by hand.
// - TDES: FIPS 81's DES example, the DES vector of Applied Cryptography's appendix (also in
//   Linux's tcrypt), the TDEA example of NIST SP 800-67 Rev. 1, and the classic double-length
//   test key's encryption of zeros, 08D7B4FB629D0885, whose first 3 bytes are its well-known
//   check value 08D7B4.
// - AES: FIPS 197 appendix C, and AES-128 of zeros under the zero key (66E94BD4...), the
//   first known answer of the AESAVS and of most AES test suites.
// - Format 4: the ep2 EFT/POS 2000 Security Specification 8.0.0 section 8.4 example and the
//   deterministic vectors of the psec (Python) and paysec (Rust) libraries, which also supply
//   malformed blocks with the reason each must be refused for.
// - PAN tokens and PIN verifiers: HMAC-SHA256 computed with the openssl command line
//   (`printf 'pan:6222020200112230' | openssl dgst -sha256 -mac HMAC -macopt hexkey:61...61`),
//   which pins the message layout: a change to it would orphan every stored card.
#include "security/card.h"

#include <gtest/gtest.h>

#include <utility>

#include "core/hash.h"

namespace ebank::security {
namespace {

std::string Hex(std::string_view bytes) {
  std::string hex = HexEncode(bytes);
  for (char& c : hex) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return hex;
}

std::string Bytes(std::string_view hex) {
  std::string lower(hex), bytes;
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  EXPECT_TRUE(HexDecode(lower, &bytes)) << hex;
  return bytes;
}

PinKey Key(std::string_view hex, PinKey::Algorithm algorithm = PinKey::Algorithm::kTdes) {
  auto key = PinKey::FromHex(hex, algorithm);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return std::move(key).value();
}

PinKey AesKey(std::string_view hex) {
  return Key(hex, PinKey::Algorithm::kAes);
}

std::string Reason(const Status& status) {
  return status.reason();
}

TEST(LuhnTest, PublishedExamples) {
  // 79927398713: 11 digits, so a Luhn example but not a card number.
  EXPECT_EQ(LuhnCheckDigit("7992739871"), '3');
  EXPECT_FALSE(LuhnValid("79927398713"));
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_EQ(LuhnCheckDigit("411111111111111"), '1');
  // UnionPay, by hand for 622202020011223. From the right the digits are
  // 3 2 2 1 1 0 0 2 0 2 0 2 2 2 6; doubling the 1st, 3rd, ... gives
  // 6 2 4 1 2 0 0 2 0 2 0 2 4 2 3 (6 doubled is 12, less 9 is 3), which sum to 30, so the
  // check digit is 0.
  EXPECT_EQ(LuhnCheckDigit("622202020011223"), '0');
  EXPECT_TRUE(LuhnValid("6222020200112230"));
  EXPECT_FALSE(LuhnValid("6222020200112231"));
  EXPECT_EQ(MakePan("622202020011223"), "6222020200112230");
  EXPECT_TRUE(CheckPan(MakePan("621288123456789012")).ok());  // 19 digits.
  EXPECT_TRUE(CheckPan(MakePan("621288123456")).ok());        // 13 digits.
}

TEST(LuhnTest, RefusesWhatIsNotACardNumber) {
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("411111111111"));          // 12 digits.
  EXPECT_FALSE(LuhnValid("41111111111111111111"));  // 20 digits.
  EXPECT_FALSE(LuhnValid("41111111111111x1"));
  EXPECT_FALSE(LuhnValid("4111 1111 1111 1111"));
  EXPECT_EQ(Reason(CheckPan("4111111111111112")), "pan_check_digit");
  EXPECT_EQ(Reason(CheckPan("12345")), "pan_malformed");
  EXPECT_EQ(Reason(CheckPan("4111-1111-1111-1111")), "pan_malformed");
  EXPECT_TRUE(CheckPan("4111111111111111").ok());
}

TEST(PanTest, MaskAndLastFour) {
  EXPECT_EQ(MaskPan("6222020200112230"), "622202******2230");
  EXPECT_EQ(MaskPan("6212881234567890125"), "621288*********0125");
  EXPECT_EQ(MaskPan("6212881234564"), "621288***4564");
  EXPECT_EQ(MaskPan("123456789012"), "************");  // Not a PAN: nothing shown.
  EXPECT_EQ(PanLastFour("6222020200112230"), "2230");
  EXPECT_EQ(PanLastFour("123"), "123");
}

TEST(PanTest, TokenIsKeyedDeterministicAndHidesThePan) {
  PanTokenizer a(std::string(32, 'a')), b(std::string(32, 'b'));
  std::string token = a.Token("6222020200112230");
  // HMAC-SHA256 under 32 bytes of 'a' of "pan:6222020200112230", by the openssl CLI.
  EXPECT_EQ(token, "7888b3825fb4ccf29775d9082508a32824aa8c634f9504103bf90fbe1f5218fd");
  EXPECT_EQ(a.Token("6222020200112230"), token);
  EXPECT_NE(b.Token("6222020200112230"), token);
  EXPECT_NE(a.Token("6222020200112248"), token);
  EXPECT_EQ(token.find("2230"), std::string::npos);
}

TEST(PinBlockTest, Format0PublishedExamples) {
  // By hand: PIN field 04 12 34 FF FF FF FF FF; PAN field 0000 + 111111111111 (the 12
  // digits left of the check digit) = 00 00 11 11 11 11 11 11; xor 04 12 25 EE EE EE EE EE.
  EXPECT_EQ(Hex(*PinBlockFormat0("1234", "4111111111111111")), "041225EEEEEEEEEE");
  // ANSI X9.8 textbook (17-digit PAN): PAN field 0000 + 987654321098 = 00 00 98 76 54 32 10
  // 98; 04 12 34 FF FF FF FF FF xor that is 04 12 AC 89 AB CD EF 67.
  EXPECT_EQ(Hex(*PinBlockFormat0("1234", "43219876543210987")), "0412AC89ABCDEF67");
  // PAN 4000001234562000 without its check digit 0 is 400000123456200; its 12 rightmost
  // digits 000123456200 give the PAN field 00 00 00 01 23 45 62 00 (not 0000001234562000,
  // which would keep the check digit). 04 12 34 FF FF FF FF FF xor it: 04 12 34 FE DC BA 9D FF.
  EXPECT_EQ(Hex(*PinBlockFormat0("1234", "4000001234562000")), "041234FEDCBA9DFF");
  // 13 digits: PAN field 0000 + 400000123456; 05 92 38 9F FF FF FF FF xor 00 00 40 00 00 12
  // 34 56 = 05 92 78 9F FF ED CB A9.
  EXPECT_EQ(Hex(*PinBlockFormat0("92389", "4000001234565")), "0592789FFFEDCBA9");
  // psec: PAN field 0000 + 555555123456 = 00 00 55 55 55 12 34 56.
  EXPECT_EQ(Hex(*PinBlockFormat0("1234", "5555555551234567")), "041261AAAAEDCBA9");
  // Twelve digits, length nibble C: 0C 12 34 56 78 90 12 FF xor the same PAN field.
  EXPECT_EQ(Hex(*PinBlockFormat0("123456789012", "5555555551234567")), "0C1261032D8226A9");
}

TEST(PinBlockTest, Format0Decodes) {
  EXPECT_EQ(*PinFromFormat0(Bytes("0412AC89ABCDEF67"), "43219876543210987"), "1234");
  EXPECT_EQ(*PinFromFormat0(Bytes("041234FEDCBA9DFF"), "4000001234562000"), "1234");
  EXPECT_EQ(*PinFromFormat0(Bytes("0592789FFFEDCBA9"), "4000001234565"), "92389");
  // psec's decoding vectors for 9 and 10 digits.
  EXPECT_EQ(*PinFromFormat0(Bytes("091261032D8DCBA9"), "5555555551234567"), "123456789");
  EXPECT_EQ(*PinFromFormat0(Bytes("0A1261032D82CBA9"), "5555555551234567"), "1234567890");
  EXPECT_EQ(*PinFromFormat0(Bytes("0C1261032D8226A9"), "5555555551234567"), "123456789012");
}

TEST(PinBlockTest, RefusesBadPinsAndPans) {
  const std::string pan = "4111111111111111";
  EXPECT_EQ(Reason(PinBlockFormat0("123", pan).status()), "invalid_pin");
  EXPECT_EQ(Reason(PinBlockFormat0("1234567890123", pan).status()), "invalid_pin");
  EXPECT_EQ(Reason(PinBlockFormat0("12a4", pan).status()), "invalid_pin");
  EXPECT_EQ(Reason(PinBlockFormat0("", pan).status()), "invalid_pin");
  EXPECT_EQ(Reason(PinBlockFormat0("1234", "411111111111").status()), "pan_malformed");
  EXPECT_EQ(Reason(PinBlockFormat0("1234", "41111111111111x1").status()), "pan_malformed");
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("041225EEEEEEEEEE"), "4111").status()), "pan_malformed");
}

TEST(PinBlockTest, RefusesWhatIsNotFormat0) {
  const std::string pan = "5555555551234567";
  // psec's malformed blocks for this PAN (its PAN field is 0000555555123456).
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("241261AAAAEDCBA9"), pan).status()),
            "pin_block_format");  // Control nibble 2.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("0F1261AAAAEDCBA9"), pan).status()),
            "pin_block_format");  // Length 15.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("021261AAAAEDCBA9"), pan).status()),
            "pin_block_format");  // Length 2.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("041261AAAAEDCBAA"), pan).status()),
            "pin_block_format");  // Last filler nibble C.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("051261AAAAEDCBA9"), pan).status()),
            "pin_block_format");  // Five digits, the fifth F.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("041261AAAAEDCB"), pan).status()), "pin_block_format");
  EXPECT_EQ(Reason(PinFromFormat0("", pan).status()), "pin_block_format");
  // By hand against PAN field 0000111111111111: 04 12 34 FF ... xor 00 00 11 11 ... with
  // one nibble changed each time.
  const std::string visa = "4111111111111111";
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("141225EEEEEEEEEE"), visa).status()),
            "pin_block_format");  // Control nibble 1.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("0412B5EEEEEEEEEE"), visa).status()),
            "pin_block_format");  // PIN digit A.
  EXPECT_EQ(Reason(PinFromFormat0(Bytes("041225EEEEEEEEE1"), visa).status()),
            "pin_block_format");  // Last filler nibble 0.
}

TEST(PinKeyTest, TdesKnownAnswers) {
  // FIPS 81 appendix B: DES under 0123456789ABCDEF of "Now is t" is 3FA40E8A984D4815.
  // Two-key TDES with K1 = K2 is single DES.
  PinKey same = Key("0123456789ABCDEF0123456789ABCDEF");
  EXPECT_EQ(Hex(*same.EncryptBlock("Now is t")), "3FA40E8A984D4815");
  EXPECT_EQ(*same.DecryptBlock(Bytes("3FA40E8A984D4815")), "Now is t");
  // Applied Cryptography's DES vector, here as three-key TDES with K1 = K2 = K3.
  PinKey triple_same = Key("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF");
  EXPECT_EQ(Hex(*triple_same.EncryptBlock(Bytes("0123456789ABCDE7"))), "C95744256A5ED31D");
  // NIST SP 800-67 Rev. 1: keys 0123456789ABCDEF, 23456789ABCDEF01, 456789ABCDEF0123 and
  // the plaintext "The qufck brown fox jump" (sic) in three ECB blocks.
  PinKey three = Key("0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123");
  EXPECT_EQ(Hex(*three.EncryptBlock("The qufc")), "A826FD8CE53B855F");
  EXPECT_EQ(Hex(*three.EncryptBlock("k brown ")), "CCE21C8112256FE6");
  EXPECT_EQ(Hex(*three.EncryptBlock("fox jump")), "68D5C05DD9B6B900");
  EXPECT_EQ(*three.DecryptBlock(Bytes("68D5C05DD9B6B900")), "fox jump");
  // The classic double-length test key: zeros encrypt to 08D7B4FB629D0885, so its check
  // value is 08D7B4; as a triple-length key with K3 = K1 it is the same key.
  PinKey classic = Key("0123456789abcdeffedcba9876543210");
  EXPECT_EQ(Hex(*classic.EncryptBlock(std::string(8, '\0'))), "08D7B4FB629D0885");
  EXPECT_EQ(classic.CheckValue(), "08D7B4");
  EXPECT_EQ(Key("0123456789ABCDEFFEDCBA98765432100123456789ABCDEF").CheckValue(), "08D7B4");
  EXPECT_EQ(classic.algorithm(), PinKey::Algorithm::kTdes);
  EXPECT_EQ(classic.block_bytes(), kPinBlockBytes);
}

TEST(PinKeyTest, AesKnownAnswers) {
  // FIPS 197 appendix C.1 to C.3: 00112233445566778899AABBCCDDEEFF under 000102... keys.
  const std::string plain = Bytes("00112233445566778899AABBCCDDEEFF");
  PinKey aes128 = AesKey("000102030405060708090A0B0C0D0E0F");
  EXPECT_EQ(Hex(*aes128.EncryptBlock(plain)), "69C4E0D86A7B0430D8CDB78070B4C55A");
  EXPECT_EQ(*aes128.DecryptBlock(Bytes("69C4E0D86A7B0430D8CDB78070B4C55A")), plain);
  PinKey aes192 = AesKey("000102030405060708090A0B0C0D0E0F1011121314151617");
  EXPECT_EQ(Hex(*aes192.EncryptBlock(plain)), "DDA97CA4864CDFE06EAF70A0EC0D7191");
  PinKey aes256 = AesKey("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  EXPECT_EQ(Hex(*aes256.EncryptBlock(plain)), "8EA2B7CA516745BFEAFC49904B496089");
  // AES-128 of zeros under the zero key is 66E94BD4EF8A2C3B884CFA59CA342B2E: check value
  // 66E94B (the ECB kind, see card.h).
  PinKey zero = AesKey(std::string(32, '0'));
  EXPECT_EQ(zero.CheckValue(), "66E94B");
  EXPECT_EQ(zero.algorithm(), PinKey::Algorithm::kAes);
  EXPECT_EQ(zero.block_bytes(), kPinBlockAesBytes);
}

TEST(PinKeyTest, RefusesBadKeys) {
  using Algorithm = PinKey::Algorithm;
  EXPECT_EQ(Reason(PinKey::FromHex("").status()), "invalid_pin_key");
  EXPECT_EQ(Reason(PinKey::FromHex("0123").status()), "invalid_pin_key");
  EXPECT_EQ(Reason(PinKey::FromHex("0123456789ABCDEF").status()),
            "invalid_pin_key");  // Single DES.
  EXPECT_EQ(Reason(PinKey::FromHex("0123456789ABCDEFFEDCBA987654321G").status()),
            "invalid_pin_key");
  EXPECT_EQ(Reason(PinKey::FromHex("0123456789ABCDEFFEDCBA987654321").status()),
            "invalid_pin_key");  // Odd length.
  EXPECT_EQ(Reason(PinKey::FromHex("0123 456789ABCDEFFEDCBA987654321").status()),
            "invalid_pin_key");
  EXPECT_EQ(Reason(PinKey::FromHex(std::string(64, '1')).status()),
            "invalid_pin_key");  // 32 bytes is AES-256, not TDES.
  EXPECT_EQ(Reason(PinKey::FromHex(std::string(40, '1'), Algorithm::kAes).status()),
            "invalid_pin_key");  // 20 bytes.
  EXPECT_EQ(Reason(PinKey::FromHex(std::string(16, '1'), Algorithm::kAes).status()),
            "invalid_pin_key");  // 8 bytes.
}

TEST(PinKeyTest, RefusesBlocksOfTheWrongSize) {
  PinKey tdes = Key("0123456789ABCDEFFEDCBA9876543210");
  EXPECT_EQ(Reason(tdes.EncryptBlock("1234567").status()), "pin_block_format");
  EXPECT_EQ(Reason(tdes.DecryptBlock(std::string(16, 'x')).status()), "pin_block_format");
  EXPECT_EQ(Reason(tdes.DecryptPin(std::string(16, 'x'), "4111111111111111").status()),
            "pin_block_format");
  PinKey aes = AesKey("00112233445566778899AABBCCDDEEFF");
  EXPECT_EQ(Reason(aes.EncryptBlock("12345678").status()), "pin_block_format");
  EXPECT_EQ(Reason(aes.DecryptPin(std::string(8, 'x'), "4111111111111111").status()),
            "pin_block_format");
  EXPECT_EQ(Reason(aes.DecryptPin(std::string(17, 'x'), "4111111111111111").status()),
            "pin_block_format");
}

TEST(PinKeyTest, CopiesAndMovesKeepTheKey) {
  PinKey original = Key("0123456789ABCDEFFEDCBA9876543210");
  PinKey copy = original;
  EXPECT_EQ(copy.CheckValue(), "08D7B4");
  PinKey assigned = AesKey(std::string(32, '0'));
  assigned = copy;
  EXPECT_EQ(assigned.CheckValue(), "08D7B4");
  EXPECT_EQ(assigned.algorithm(), PinKey::Algorithm::kTdes);
  PinKey moved = std::move(copy);
  EXPECT_EQ(moved.CheckValue(), "08D7B4");
  assigned = AesKey(std::string(32, '0'));
  EXPECT_EQ(assigned.CheckValue(), "66E94B");
}

TEST(PinKeyTest, Format0EncryptedRoundTrip) {
  PinKey key = Key("0123456789ABCDEFFEDCBA9876543210");
  // The X9.8 block under the classic key, and back.
  auto block = key.EncryptPin("1234", "4000001234562000");
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(*block, *key.EncryptBlock(Bytes("041234FEDCBA9DFF")));
  EXPECT_EQ(*key.DecryptPin(*block, "4000001234562000"), "1234");
  auto six = key.EncryptPin("123456", "6222020200112230");
  ASSERT_TRUE(six.ok());
  EXPECT_EQ(six->size(), kPinBlockBytes);
  EXPECT_EQ(*key.DecryptPin(*six, "6222020200112230"), "123456");
  // Under another card's PAN or another key the block does not give the PIN.
  auto other_pan = key.DecryptPin(*six, "4111111111111111");
  EXPECT_TRUE(!other_pan.ok() || *other_pan != "123456");
  auto other_key = Key("FEDCBA98765432100123456789ABCDEF").DecryptPin(*six, "6222020200112230");
  EXPECT_TRUE(!other_key.ok() || *other_key != "123456");
  EXPECT_EQ(Reason(key.EncryptPin("12", "6222020200112230").status()), "invalid_pin");
  EXPECT_EQ(Reason(key.EncryptPin("1234", "622202").status()), "pan_malformed");
}

TEST(PinKeyTest, Format4PublishedVectors) {
  // ep2 Security Specification 8.0.0, 8.4 (PAN of 18 digits).
  PinKey ep2 = AesKey("C1D0F8FB4958670DBA40AB1F3752EF0D");
  EXPECT_EQ(*ep2.DecryptPin(Bytes("CC17F65586BFD0953010226C4FC5B3CA"), "432198765432109870"),
            "1234");
  // psec and paysec: with eight FF bytes as the random half, PIN 1234 and a 19-digit PAN
  // encrypt to 28B41FDDD29B743E93124BD8E32D921E.
  PinKey key = AesKey("00112233445566778899AABBCCDDEEFF");
  ScriptedRandom random(std::string(8, '\xff'));
  auto block = key.EncryptPin("1234", "1234567890123456789", random);
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  EXPECT_EQ(Hex(*block), "28B41FDDD29B743E93124BD8E32D921E");
  EXPECT_EQ(random.bytes_left(), 0u);
  EXPECT_EQ(*key.DecryptPin(*block, "1234567890123456789"), "1234");
  // paysec's deciphering vectors, with random halves of their own.
  EXPECT_EQ(*key.DecryptPin(Bytes("52DB178C6EDCE52E3A70F7FBC8E9C758"), "1234567890123456"), "1234");
  EXPECT_EQ(*key.DecryptPin(Bytes("847A0209C659E4C4A79CA6A2A2217D31"), "123456789012345678"),
            "123456");
  EXPECT_EQ(*key.DecryptPin(Bytes("018BFEC8B5EF60181A327AD8325A2BA4"), "1234567890123456789"),
            "12345678");
}

TEST(PinKeyTest, Format4RefusesMalformedBlocks) {
  // psec's blocks that decrypt to malformed PIN fields, each under its own key.
  struct Case {
    const char* key;
    const char* block;
    const char* pan;
  };
  const Case cases[] = {
      // Control field 3.
      {"E60B15B90ABDF14CEE337C97440F0D6E", "7D5AF4C33667A2098626027FB7A9A1B7",
       "4266229809609384667"},
      // PIN "1AB2" is not numeric.
      {"C7BBEBA16C5AD97D5866450718C03750", "2F9C910447F17293EC95DEDE1E3CA201",
       "8220499325458689523"},
      // Fill BBBBBBBBBB instead of A.
      {"820F6C7C12355BDFF1AB6CE12E8EED89", "CCF310A8300B46C925A86B1098089301",
       "939589847393485609"},
      // PIN length 3, under an AES-192 key.
      {"4FE3F0311936FBCE44F17159F1659CF09B2BF8913BB514A1", "51334B00A6CBA3EC7B1C6F871F060AFC",
       "2129100799029059903"},
  };
  for (const Case& c : cases) {
    auto pin = AesKey(c.key).DecryptPin(Bytes(c.block), c.pan);
    EXPECT_EQ(Reason(pin.status()), "pin_block_format") << c.block;
  }
  PinKey ep2 = AesKey("C1D0F8FB4958670DBA40AB1F3752EF0D");
  EXPECT_EQ(Reason(ep2.DecryptPin(Bytes("CC17F65586BFD0953010226C4FC5B3CA"), "4321").status()),
            "pan_malformed");
}

TEST(PinKeyTest, Format4RoundTripIsRandomised) {
  PinKey key = AesKey("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  auto first = key.EncryptPin("123456", "6222020200112230");
  auto second = key.EncryptPin("123456", "6222020200112230");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), kPinBlockAesBytes);
  EXPECT_NE(*first, *second);  // The random half differs.
  EXPECT_EQ(*key.DecryptPin(*first, "6222020200112230"), "123456");
  EXPECT_EQ(*key.DecryptPin(*second, "6222020200112230"), "123456");
  auto twelve = key.EncryptPin("123456789012", "6222020200112230");
  EXPECT_EQ(*key.DecryptPin(*twelve, "6222020200112230"), "123456789012");
  // Format 4 binds the whole PAN: another PAN scrambles the whole PIN field.
  auto other_pan = key.DecryptPin(*first, "6222020200112248");
  EXPECT_TRUE(!other_pan.ok() || *other_pan != "123456");
  EXPECT_EQ(Reason(key.EncryptPin("123", "6222020200112230").status()), "invalid_pin");
  EXPECT_EQ(Reason(key.EncryptPin("12x4", "6222020200112230").status()), "invalid_pin");
  EXPECT_EQ(Reason(key.EncryptPin("1234", "62220202001").status()), "pan_malformed");
}

TEST(PinVerifierTest, MatchesOnlyTheRightPinOfTheRightCard) {
  PinVerifier verifier(std::string(32, 'k'));
  std::string stored = verifier.Verifier("token-a", "123456");
  // HMAC-SHA256 under 32 bytes of 'k' of "token-a:123456", by the openssl CLI.
  EXPECT_EQ(stored, "00e5d94ae05c3cb6da4116de9e81f1964e6d8664e8edfff4fe0e82c3a28653d2");
  EXPECT_TRUE(verifier.Matches("token-a", "123456", stored));
  EXPECT_FALSE(verifier.Matches("token-a", "123457", stored));
  EXPECT_FALSE(verifier.Matches("token-b", "123456", stored));
  EXPECT_FALSE(verifier.Matches("token-a", "123456", stored.substr(0, 63)));
  EXPECT_FALSE(verifier.Matches("token-a", "123456", ""));
  PinVerifier other(std::string(32, 'q'));
  EXPECT_FALSE(other.Matches("token-a", "123456", stored));
}

}  // namespace
}  // namespace ebank::security
