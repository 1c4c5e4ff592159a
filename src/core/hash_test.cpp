#include "core/hash.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/status.h"

namespace ebank {
namespace {

TEST(Sha256, MatchesKnownVectors) {
  EXPECT_EQ(ToHex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("ab", "c"), Sha256("abc"));
}

TEST(Hex, RoundTripsAndRefusesBadText) {
  Digest digest = Sha256("x");
  Digest back{};
  ASSERT_TRUE(FromHex(ToHex(digest), &back));
  EXPECT_EQ(back, digest);
  EXPECT_FALSE(FromHex("abc", &back));
  EXPECT_FALSE(FromHex(std::string(64, 'g'), &back));
  EXPECT_FALSE(FromHex(std::string(64, 'A'), &back));
}

TEST(Status, CarriesCodeReasonAndMessage) {
  Status status = Status::Rejected("insufficient_funds", "account 7");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.ToString(), "rejected/insufficient_funds: account 7");
  Result<int> result = Status::NotFound("unknown_account", "no account 9");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kNotFound);
  Result<int> value = 5;
  EXPECT_TRUE(value.ok());
  EXPECT_TRUE(value.status().ok());
  EXPECT_EQ(*value, 5);
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.Advance(500);
  EXPECT_EQ(clock.NowMs(), 1500);
  EXPECT_GT(SystemClock::Instance().NowMs(), 1700000000000);
}

}  // namespace
}  // namespace ebank
