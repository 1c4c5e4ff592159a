#include "security/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>

#include "security/constant_time.h"

namespace ebank::security {
namespace {

TEST(RandomBelow, RejectsDrawsFromTheIncompleteTopRange) {
  // 2^32 = 429496729 * 10 + 6, so the six draws from 4294967290 up would favour 0-5.
  ScriptedRandom random("");
  random.AddDraw(0xffffffff);
  random.AddDraw(4294967290);
  random.AddDraw(4294967289);
  EXPECT_EQ(RandomBelow(random, 10), 9u);
  EXPECT_EQ(random.bytes_left(), 0u);

  ScriptedRandom exact("");
  exact.AddDraw(17);
  EXPECT_EQ(RandomBelow(exact, 10), 7u);
  exact.AddDraw(0xffffffff);
  EXPECT_EQ(RandomBelow(exact, 1), 0u);
  // 2^31 + 1 leaves room for one copy of the range only: draws from it up are refused.
  exact.AddDraw(0x80000001);
  exact.AddDraw(0x80000000);
  EXPECT_EQ(RandomBelow(exact, 0x80000001), 0x80000000u);
  EXPECT_EQ(exact.bytes_left(), 0u);
}

TEST(RandomDigits, MapsDrawsToDigitsAndKeepsLeadingZeros) {
  ScriptedRandom random("");
  for (uint32_t draw : {10u, 4294967295u, 21u, 4294967290u, 1234567893u, 9u})
    random.AddDraw(draw);
  EXPECT_EQ(RandomDigits(random, 4), "0139");
  EXPECT_EQ(random.bytes_left(), 0u);
  EXPECT_EQ(RandomDigits(random, 0), "");
}

TEST(RandomDigits, IsUniform) {
  // Seeded, so the outcome is fixed; the bound is the chi-square critical value for 9
  // degrees of freedom at p = 0.001, which a biased generator would exceed by far.
  constexpr size_t kDigits = 100000;
  SeededRandom random(42);
  std::array<int, 10> counts{};
  std::string digits;
  for (size_t i = 0; i < kDigits / kSmsCodeDigits + 1; ++i)
    digits += RandomDigits(random, kSmsCodeDigits);
  for (char c : digits) {
    ASSERT_TRUE(c >= '0' && c <= '9');
    ++counts[c - '0'];
  }
  double expected = static_cast<double>(digits.size()) / 10;
  double chi_square = 0;
  for (int count : counts)
    chi_square += (count - expected) * (count - expected) / expected;
  EXPECT_LT(chi_square, 27.88);
}

TEST(RandomToken, IsUnpaddedBase64Url) {
  ScriptedRandom foobar("foobar");
  EXPECT_EQ(RandomToken(foobar, 6), "Zm9vYmFy");
  ScriptedRandom high("\xfb\xff\xbf\xfb\xff");
  EXPECT_EQ(RandomToken(high, 3), "-_-_");
  EXPECT_EQ(RandomToken(high, 2), "-_8");
  ScriptedRandom one("f");
  EXPECT_EQ(RandomToken(one, 1), "Zg");
  EXPECT_EQ(RandomToken(one, 0), "");
}

TEST(RandomToken, SessionTokensAreLongAndDistinct) {
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) {
    std::string token = RandomToken(kSessionTokenBytes);
    EXPECT_EQ(token.size(), 22u);
    EXPECT_EQ(
        token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    tokens.insert(token);
  }
  EXPECT_EQ(tokens.size(), 100u);
  EXPECT_EQ(RandomDigits(kSmsCodeDigits).size(), kSmsCodeDigits);
  EXPECT_NE(RandomToken(kRandomTokenBytesMax), RandomToken(kRandomTokenBytesMax));
}

TEST(SeededRandom, IsRepeatableAndDependsOnTheSeed) {
  std::array<uint8_t, 100> a;
  std::array<uint8_t, 100> b;
  std::array<uint8_t, 100> c;
  SeededRandom(7).Fill(a);
  SeededRandom(7).Fill(b);
  SeededRandom(8).Fill(c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // Consecutive blocks differ: the counter goes into each one.
  EXPECT_FALSE(std::equal(a.begin(), a.begin() + 32, a.begin() + 32));
}

TEST(SystemRandom, FillsTheWholeBuffer) {
  // 4096 bytes all zero, or a second fill repeating the first, would mean a broken source.
  std::array<uint8_t, 4096> first{};
  std::array<uint8_t, 4096> second{};
  SystemRandom::Instance().Fill(first);
  SystemRandom::Instance().Fill(second);
  EXPECT_NE(first, second);
  EXPECT_NE(std::count(first.begin(), first.end(), 0), 4096);
}

TEST(ConstantTimeEquals, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("123456", "123456"));
  EXPECT_FALSE(ConstantTimeEquals("123456", "123457"));
  EXPECT_FALSE(ConstantTimeEquals("123456", "023456"));
  EXPECT_FALSE(ConstantTimeEquals("123456", "12345"));
  EXPECT_FALSE(ConstantTimeEquals("", "1"));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace ebank::security
