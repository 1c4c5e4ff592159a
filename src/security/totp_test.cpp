#include "security/totp.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace ebank::security {
namespace {

// The secrets of RFC 4226 Appendix D and RFC 6238 Appendix B, as ASCII.
const std::string kSecretSha1 = "12345678901234567890";
const std::string kSecretSha256 = "12345678901234567890123456789012";
const std::string kSecretSha512 =
    "1234567890123456789012345678901234567890123456789012345678901234";

constexpr int64_t kMsPerS = 1000;

TEST(Base32, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Encode(kSecretSha1), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Base32, DecodesPaddedAndUnpaddedText) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"MY======", "f"},
                                                                    {"MZXQ====", "fo"},
                                                                    {"MZXW6===", "foo"},
                                                                    {"MZXW6YQ=", "foob"},
                                                                    {"MZXW6YTB", "fooba"},
                                                                    {"MZXW6YTBOI======", "foobar"}};
  for (const auto& [text, bytes] : vectors) {
    EXPECT_EQ(*Base32Decode(text), bytes) << text;
    std::string unpadded = text.substr(0, text.find('='));
    EXPECT_EQ(*Base32Decode(unpadded), bytes) << unpadded;
  }
}

TEST(Base32, RoundTripsEveryLength) {
  SeededRandom random(1);
  for (size_t size = 0; size <= kOtpSecretBytesMax; ++size) {
    std::string bytes(size, '\0');
    random.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), size));
    auto decoded = Base32Decode(Base32Encode(bytes));
    ASSERT_TRUE(decoded.ok()) << size;
    EXPECT_EQ(*decoded, bytes) << size;
  }
}

TEST(Base32, RefusesMalformedText) {
  for (std::string text : {
           "mzxw6ytb",          // Lowercase.
           "MZXW 6YTB",         // A space.
           "MZXW6YT1",          // '1' is not in the alphabet.
           "M",                 // One character holds no byte.
           "MZX",               // Nor do three beyond a whole byte.
           "MZXW6YTBO",         // Nine characters: 8 + 1.
           "MZXW6==",           // Padding short of a block.
           "MZ=XW6==",          // Data after padding.
           "MZXW6YTB========",  // A whole block of padding.
           "MZ",                // Trailing bits that are not zero ("MY" is "f").
           "MZXW6YTBOJ",        // The same at the end of a longer text.
       }) {
    auto decoded = Base32Decode(text);
    EXPECT_FALSE(decoded.ok()) << text;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().reason(), "invalid_base32") << text;
    }
  }
  EXPECT_FALSE(Base32Decode(std::string(1000, 'A')).ok());
}

TEST(Hotp, MatchesRfc4226AppendixD) {
  const std::array<std::string_view, 10> expected = {"755224", "287082", "359152", "969429",
                                                     "338314", "254676", "287922", "162583",
                                                     "399871", "520489"};
  for (uint64_t counter = 0; counter < expected.size(); ++counter)
    EXPECT_EQ(*Hotp(kSecretSha1, counter), expected[counter]) << counter;
}

TEST(Hotp, RefusesSecretsAndDigitCountsOutsideTheLimits) {
  EXPECT_EQ(Hotp(std::string(kOtpSecretBytesMin - 1, 'k'), 0).status().reason(),
            "invalid_otp_secret");
  EXPECT_EQ(Hotp(std::string(kOtpSecretBytesMax + 1, 'k'), 0).status().reason(),
            "invalid_otp_secret");
  EXPECT_TRUE(Hotp(std::string(kOtpSecretBytesMin, 'k'), 0).ok());
  EXPECT_TRUE(Hotp(std::string(kOtpSecretBytesMax, 'k'), 0).ok());
  EXPECT_EQ(Hotp(kSecretSha1, 0, 5).status().reason(), "invalid_otp_params");
  EXPECT_EQ(Hotp(kSecretSha1, 0, 9).status().reason(), "invalid_otp_params");
  EXPECT_EQ(Hotp(kSecretSha1, 0, 7)->size(), 7u);
}

TEST(Totp, MatchesRfc6238AppendixB) {
  struct Vector {
    int64_t time_s;
    std::string_view sha1;
    std::string_view sha256;
    std::string_view sha512;
  };
  const std::array<Vector, 6> vectors = {{
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  }};
  for (const Vector& v : vectors) {
    int64_t now_ms = v.time_s * kMsPerS;
    EXPECT_EQ(*Totp(kSecretSha1, now_ms, {OtpHash::kSha1, 8}), v.sha1) << v.time_s;
    EXPECT_EQ(*Totp(kSecretSha256, now_ms, {OtpHash::kSha256, 8}), v.sha256) << v.time_s;
    EXPECT_EQ(*Totp(kSecretSha512, now_ms, {OtpHash::kSha512, 8}), v.sha512) << v.time_s;
  }
}

TEST(Totp, StepsAreThirtySecondsFromTheEpoch) {
  EXPECT_EQ(*TotpStep(0), 0);
  EXPECT_EQ(*TotpStep(29999), 0);
  EXPECT_EQ(*TotpStep(30000), 1);
  EXPECT_EQ(*TotpStep(59 * kMsPerS), 1);
  EXPECT_EQ(*TotpStep(1111111109 * kMsPerS), 37037036);
  EXPECT_EQ(*TotpStep(60 * kMsPerS, 60), 1);
  EXPECT_EQ(TotpStep(-1).status().reason(), "invalid_time");
  EXPECT_EQ(TotpStep(0, 0).status().reason(), "invalid_otp_params");
  EXPECT_EQ(TotpStep(0, kTotpStepMaxS + 1).status().reason(), "invalid_otp_params");
  // The default is SHA-1 with 6 digits: the last 6 of the 8-digit RFC value.
  EXPECT_EQ(*Totp(kSecretSha1, 1111111109 * kMsPerS), "081804");
}

class VerifyTotpTest : public ::testing::Test {
 protected:
  // 1111111111 s lies in step 37037037.
  static constexpr int64_t kNowMs = 1111111111 * kMsPerS;
  static constexpr int64_t kNowStep = 37037037;

  std::string CodeAt(int64_t step) { return *Hotp(kSecretSha1, static_cast<uint64_t>(step)); }
};

TEST_F(VerifyTotpTest, AcceptsTheWindowAroundNow) {
  EXPECT_EQ(*VerifyTotp(kSecretSha1, CodeAt(kNowStep), kNowMs, kTotpNeverUsed), kNowStep);
  EXPECT_EQ(*VerifyTotp(kSecretSha1, CodeAt(kNowStep - 1), kNowMs, kTotpNeverUsed), kNowStep - 1);
  EXPECT_EQ(*VerifyTotp(kSecretSha1, CodeAt(kNowStep + 1), kNowMs, kTotpNeverUsed), kNowStep + 1);
  for (int64_t step : {kNowStep - 2, kNowStep + 2, kNowStep - 100}) {
    EXPECT_EQ(VerifyTotp(kSecretSha1, CodeAt(step), kNowMs, kTotpNeverUsed).status().reason(),
              "wrong_otp")
        << step;
  }
}

TEST_F(VerifyTotpTest, AcceptsACodeOnlyOnce) {
  std::string code = CodeAt(kNowStep);
  auto first = VerifyTotp(kSecretSha1, code, kNowMs, kTotpNeverUsed);
  ASSERT_TRUE(first.ok());
  int64_t last_used_step = *first;
  // The same code again, at once and later in the same step.
  for (int64_t later_ms : {int64_t{0}, int64_t{5000}, int64_t{18000}}) {
    auto again = VerifyTotp(kSecretSha1, code, kNowMs + later_ms, last_used_step);
    EXPECT_EQ(again.status().code(), Code::kRejected);
    EXPECT_EQ(again.status().reason(), "otp_replayed");
  }
  // An older code still inside the window is refused too once a newer one was used.
  EXPECT_EQ(VerifyTotp(kSecretSha1, CodeAt(kNowStep - 1), kNowMs, last_used_step).status().reason(),
            "otp_replayed");
  // The next step's code is fresh.
  EXPECT_EQ(*VerifyTotp(kSecretSha1, CodeAt(kNowStep + 1), kNowMs, last_used_step), kNowStep + 1);
  // After using the code of step now+1 early, the current step's code no longer works.
  EXPECT_EQ(VerifyTotp(kSecretSha1, CodeAt(kNowStep), kNowMs, kNowStep + 1).status().reason(),
            "otp_replayed");
}

TEST_F(VerifyTotpTest, RefusesWrongAndMalformedCodes) {
  std::string code = CodeAt(kNowStep);
  std::string wrong = code;
  wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
  EXPECT_EQ(VerifyTotp(kSecretSha1, wrong, kNowMs, kTotpNeverUsed).status().reason(), "wrong_otp");
  for (std::string malformed : {std::string(""), code.substr(0, 5), code + "0", code + " ",
                                code.substr(0, 5) + "a", std::string("+12345")}) {
    auto result = VerifyTotp(kSecretSha1, malformed, kNowMs, kTotpNeverUsed);
    EXPECT_EQ(result.status().code(), Code::kInvalid) << malformed;
    EXPECT_EQ(result.status().reason(), "invalid_otp") << malformed;
  }
  // A code from another secret.
  EXPECT_EQ(VerifyTotp(kSecretSha256, code, kNowMs, kTotpNeverUsed).status().reason(), "wrong_otp");
  EXPECT_EQ(VerifyTotp("short", code, kNowMs, kTotpNeverUsed).status().reason(),
            "invalid_otp_secret");
  EXPECT_EQ(VerifyTotp(kSecretSha1, code, -1, kTotpNeverUsed).status().reason(), "invalid_time");
}

TEST_F(VerifyTotpTest, WorksAtTheEpochWhereThereIsNoEarlierStep) {
  EXPECT_EQ(*VerifyTotp(kSecretSha1, CodeAt(0), 0, kTotpNeverUsed), 0);
  EXPECT_EQ(*VerifyTotp(kSecretSha1, CodeAt(1), 0, kTotpNeverUsed), 1);
}

TEST(OtpauthUri, BuildsTheKeyUriFormat) {
  EXPECT_EQ(*OtpauthUri("ebank", "alice@example.com", kSecretSha1),
            "otpauth://totp/ebank:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=ebank&algorithm=SHA1&digits=6&period=30");
  // UTF-8 and reserved characters are percent-encoded; a space is %20, never '+'.
  EXPECT_EQ(
      *OtpauthUri("中国 银行", "张三+li@example.com", kSecretSha256, {OtpHash::kSha256, 8, 60}),
      "otpauth://totp/%E4%B8%AD%E5%9B%BD%20%E9%93%B6%E8%A1%8C:"
      "%E5%BC%A0%E4%B8%89%2Bli%40example.com"
      "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
      "&issuer=%E4%B8%AD%E5%9B%BD%20%E9%93%B6%E8%A1%8C&algorithm=SHA256&digits=8&period=60");
}

TEST(OtpauthUri, RefusesNamesTheFormatCannotCarry) {
  EXPECT_EQ(OtpauthUri("e:bank", "alice", kSecretSha1).status().reason(), "invalid_otpauth_name");
  EXPECT_EQ(OtpauthUri("ebank", "a:lice", kSecretSha1).status().reason(), "invalid_otpauth_name");
  EXPECT_EQ(OtpauthUri("", "alice", kSecretSha1).status().reason(), "invalid_otpauth_name");
  EXPECT_EQ(OtpauthUri("ebank", "", kSecretSha1).status().reason(), "invalid_otpauth_name");
  EXPECT_EQ(OtpauthUri("ebank", std::string(kOtpauthNameBytesMax + 1, 'a'), kSecretSha1)
                .status()
                .reason(),
            "invalid_otpauth_name");
  EXPECT_EQ(OtpauthUri("ebank", "alice", "short").status().reason(), "invalid_otp_secret");
}

TEST(NewTotpSecret, IsTwentyRandomBytesThatRoundTripThroughTheUri) {
  SeededRandom random(3);
  std::string secret = NewTotpSecret(random);
  EXPECT_EQ(secret.size(), kTotpSecretBytes);
  EXPECT_NE(secret, NewTotpSecret(random));
  EXPECT_NE(NewTotpSecret(SystemRandom::Instance()), NewTotpSecret(SystemRandom::Instance()));
  // What the app scans is what the server verifies against.
  std::string uri = *OtpauthUri("ebank", "alice", secret);
  size_t start = uri.find("secret=") + 7;
  std::string text = uri.substr(start, uri.find('&', start) - start);
  EXPECT_EQ(*Base32Decode(text), secret);
  int64_t now_ms = 1700000000 * kMsPerS;
  EXPECT_TRUE(VerifyTotp(secret, *Totp(*Base32Decode(text), now_ms), now_ms, kTotpNeverUsed).ok());
}

}  // namespace
}  // namespace ebank::security
