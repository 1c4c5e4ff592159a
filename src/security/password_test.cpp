#include "security/password.h"

#include <gtest/gtest.h>

#include <vector>

namespace ebank::security {
namespace {

TEST(PasswordPolicy, AcceptsMixedPasswords) {
  const std::vector<std::string> strong = {
      "Tr0ub4dor&3",   "9fK#2mLq", "zhang_wei_88",
      "correct-horse", "Aq1!Aq2@", std::string("x9") + std::string(30, 'k')};
  for (const std::string& password : strong) {
    EXPECT_TRUE(CheckPasswordPolicy(password).ok())
        << password << ": " << CheckPasswordPolicy(password).ToString();
  }
}

TEST(PasswordPolicy, RefusesWeakPasswordsWithoutQuotingThem) {
  const std::vector<std::string> weak = {
      "Tr0ub4d",                                 // 7 characters.
      std::string("x9") + std::string(31, 'k'),  // 33 characters.
      "abcdefghij",                              // Letters only.
      "20240615",                                // Digits only.
      "!@#$%^&*",                                // Symbols only.
      "aaaaaaaa",                                // One character.
      "12345678",                                // A sequence.
      "abcd1234",                                // Two runs.
      "ABCD1234",                                // The same, in capitals.
      "1234abcd",
      "a1234567",
      "abc12345",
      "zyxw9876",   // Descending runs.
      "aaaa1111",   // Runs of equal characters.
      "a1a1a1a1",   // A short pattern repeated.
      "Ab1Ab1Ab",   // The same, cut short.
      "Password1",  // On the list of weak passwords.
      "1QAZ2wsx",   // A keyboard walk, any case.
      "woaini1314",
      "pass word1",               // A space.
      "pässwort1",                // Not ASCII.
      std::string("tab\tpass1"),  // A control character.
  };
  for (const std::string& password : weak) {
    Status status = CheckPasswordPolicy(password);
    EXPECT_EQ(status.code(), Code::kInvalid) << password;
    EXPECT_EQ(status.reason(), "weak_password") << password;
    EXPECT_EQ(status.message().find(password), std::string::npos) << password;
  }
}

TEST(PasswordPolicy, SaysWhichRuleFailed) {
  EXPECT_NE(CheckPasswordPolicy("a1").message().find("8 to 32"), std::string::npos);
  EXPECT_NE(CheckPasswordPolicy("abcdefghij").message().find("two of"), std::string::npos);
  EXPECT_NE(CheckPasswordPolicy("a1a1a1a1").message().find("repeated"), std::string::npos);
  EXPECT_NE(CheckPasswordPolicy("abcd1234").message().find("sequence"), std::string::npos);
  EXPECT_NE(CheckPasswordPolicy("1qaz2wsx").message().find("well-known"), std::string::npos);
}

TEST(PasswordHash, CostPresetsAreLibsodiums) {
  EXPECT_EQ(PasswordHashCost::Interactive().ops_limit, 2u);
  EXPECT_EQ(PasswordHashCost::Interactive().mem_limit_bytes, size_t{64} << 20);
  EXPECT_EQ(PasswordHashCost::Minimum().ops_limit, 1u);
  EXPECT_EQ(PasswordHashCost::Minimum().mem_limit_bytes, size_t{8} << 10);
}

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  auto hash = HashPassword("Tr0ub4dor&3", PasswordHashCost::Minimum());
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << *hash;
  EXPECT_LE(hash->size(), kPasswordHashTextMax);
  EXPECT_TRUE(VerifyPassword(*hash, "Tr0ub4dor&3").ok());
  for (std::string wrong : {"Tr0ub4dor&4", "tr0ub4dor&3", "Tr0ub4dor&", "Tr0ub4dor&33", ""}) {
    Status status = VerifyPassword(*hash, wrong);
    EXPECT_EQ(status.code(), Code::kRejected) << wrong;
    EXPECT_EQ(status.reason(), "wrong_password") << wrong;
  }
  EXPECT_EQ(VerifyPassword(*hash, std::string(kPasswordBytesMax + 1, 'a')).reason(),
            "wrong_password");
}

TEST(PasswordHash, SaltsEveryHash) {
  auto first = HashPassword("9fK#2mLq", PasswordHashCost::Minimum());
  auto second = HashPassword("9fK#2mLq", PasswordHashCost::Minimum());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(VerifyPassword(*first, "9fK#2mLq").ok());
  EXPECT_TRUE(VerifyPassword(*second, "9fK#2mLq").ok());
}

TEST(PasswordHash, RefusesBadInputAndBadCost) {
  EXPECT_EQ(HashPassword("", PasswordHashCost::Minimum()).status().reason(), "invalid_password");
  EXPECT_EQ(HashPassword(std::string(kPasswordBytesMax + 1, 'a'), PasswordHashCost::Minimum())
                .status()
                .reason(),
            "invalid_password");
  EXPECT_TRUE(HashPassword(std::string(kPasswordBytesMax, 'a'), PasswordHashCost::Minimum()).ok());
  EXPECT_EQ(HashPassword("9fK#2mLq", PasswordHashCost{}).status().reason(),
            "invalid_password_hash_cost");
  EXPECT_EQ(HashPassword("9fK#2mLq", PasswordHashCost{1, 1024}).status().code(), Code::kInternal);
}

TEST(PasswordHash, ReportsMalformedStoredHashes) {
  for (std::string stored :
       {std::string(""), std::string("Tr0ub4dor&3"), std::string("$2y$10$abcdefghijklmnopqrstuv"),
        std::string("$argon2id$") + std::string(200, 'a'), std::string("$argon2id$\0v=19", 15)}) {
    Status status = VerifyPassword(stored, "Tr0ub4dor&3");
    EXPECT_EQ(status.code(), Code::kInternal) << stored;
    EXPECT_EQ(status.reason(), "invalid_password_hash") << stored;
  }
  // A damaged Argon2id text verifies nothing.
  auto hash = HashPassword("Tr0ub4dor&3", PasswordHashCost::Minimum());
  ASSERT_TRUE(hash.ok());
  std::string damaged = hash->substr(0, hash->size() - 3);
  EXPECT_FALSE(VerifyPassword(damaged, "Tr0ub4dor&3").ok());
}

TEST(PasswordHash, NeedsRehashWhenTheCostChanges) {
  auto hash = HashPassword("Tr0ub4dor&3", PasswordHashCost::Minimum());
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(PasswordNeedsRehash(*hash, PasswordHashCost::Minimum()));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, PasswordHashCost::Interactive()));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, PasswordHashCost{2, size_t{8} << 10}));
  EXPECT_TRUE(PasswordNeedsRehash("", PasswordHashCost::Minimum()));
  EXPECT_TRUE(PasswordNeedsRehash("$2y$10$abcdefghijklmnopqrstuv", PasswordHashCost::Minimum()));
}

}  // namespace
}  // namespace ebank::security
