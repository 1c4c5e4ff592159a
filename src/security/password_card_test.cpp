#include "security/password_card.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace ebank::security {
namespace {

// A source whose k-th 32-bit draw is k: the serial's digits are 0-9 then 0-5 and the code
// of the cell at row-major index i is 16 + i, which pins down the card's layout.
ScriptedRandom CountingRandom(uint32_t draws) {
  ScriptedRandom random("");
  for (uint32_t k = 0; k < draws; ++k)
    random.AddDraw(k);
  return random;
}

PasswordCard CountingCard() {
  ScriptedRandom random = CountingRandom(kCardSerialDigits + kCardCells);
  return PasswordCard::Generate(random);
}

// The right answer to `challenge`, computed the long way.
std::string AnswerFor(const PasswordCard& card, const CardChallenge& challenge) {
  std::string answer;
  for (const CardCell& cell : challenge.cells) {
    char digits[4];
    std::snprintf(digits, sizeof(digits), "%03d", card.code(cell));
    answer += digits;
  }
  return answer;
}

TEST(CardCell, NamesRoundTrip) {
  EXPECT_EQ(CellName({0, 0}), "A1");
  EXPECT_EQ(CellName({1, 6}), "B7");
  EXPECT_EQ(CellName({7, 9}), "H10");
  for (int column = 0; column < kCardColumns; ++column) {
    for (int row = 0; row < kCardRows; ++row) {
      CardCell cell{column, row};
      EXPECT_EQ(*ParseCellName(CellName(cell)), cell) << CellName(cell);
    }
  }
  for (std::string name : {"", "A", "I1", "a1", "A0", "A11", "A01", "B7 ", "AA", "1A", "H100"}) {
    auto parsed = ParseCellName(name);
    EXPECT_FALSE(parsed.ok()) << name;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().reason(), "invalid_card_cell");
    }
  }
}

TEST(PasswordCard, GenerateFillsCellsRowByRow) {
  PasswordCard card = CountingCard();
  EXPECT_EQ(card.serial(), "0123456789012345");
  EXPECT_EQ(card.code({0, 0}), 16);  // A1
  EXPECT_EQ(card.code({1, 0}), 17);  // B1
  EXPECT_EQ(card.code({0, 1}), 24);  // A2
  EXPECT_EQ(card.code({7, 9}), 95);  // H10
}

TEST(PasswordCard, GenerateIsRandomAndInRange) {
  SeededRandom random(5);
  PasswordCard first = PasswordCard::Generate(random);
  PasswordCard second = PasswordCard::Generate(random);
  EXPECT_NE(first.serial(), second.serial());
  EXPECT_FALSE(first == second);
  SeededRandom again(5);
  EXPECT_EQ(PasswordCard::Generate(again), first);
  std::set<int> codes;
  for (int column = 0; column < kCardColumns; ++column) {
    for (int row = 0; row < kCardRows; ++row) {
      int code = first.code({column, row});
      EXPECT_GE(code, 0);
      EXPECT_LT(code, 1000);
      codes.insert(code);
    }
  }
  // 80 draws from 1000 values repeat a few times, never dozens.
  EXPECT_GT(codes.size(), 60u);
  EXPECT_EQ(first.serial().size(), kCardSerialDigits);
  EXPECT_EQ(first.serial().find_first_not_of("0123456789"), std::string::npos);
}

TEST(PasswordCard, SerializeRoundTrips) {
  PasswordCard card = CountingCard();
  std::string stored = card.Serialize();
  EXPECT_EQ(stored.substr(0, 25), "pc1:0123456789012345:0160");
  EXPECT_EQ(stored.size(), 4 + kCardSerialDigits + 1 + kCardCells * kCardCodeDigits);
  EXPECT_EQ(*PasswordCard::Parse(stored), card);
  SeededRandom random(9);
  PasswordCard random_card = PasswordCard::Generate(random);
  EXPECT_EQ(*PasswordCard::Parse(random_card.Serialize()), random_card);
}

TEST(PasswordCard, ParseRefusesAnythingElse) {
  std::string stored = CountingCard().Serialize();
  std::vector<std::string> bad = {"", stored.substr(1), stored + "0", "pc2" + stored.substr(3)};
  std::string letter = stored;
  letter[100] = 'a';
  bad.push_back(letter);
  std::string colon = stored;
  colon[20] = '0';
  bad.push_back(colon);
  std::string serial = stored;
  serial[5] = 'x';
  bad.push_back(serial);
  for (const std::string& text : bad) {
    auto parsed = PasswordCard::Parse(text);
    EXPECT_FALSE(parsed.ok());
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().reason(), "invalid_password_card");
      // The stored text is the card: the message must not repeat it.
      EXPECT_EQ(parsed.status().message().find("0123456789"), std::string::npos);
    }
  }
}

TEST(PasswordCard, RendersAPrintableMatrix) {
  std::string text = Render(CountingCard());
  EXPECT_NE(text.find("No. 0123 4567 8901 2345\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n      A    B    C    D    E    F    G    H\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n 1  016  017  018  019  020  021  022  023\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n10  088  089  090  091  092  093  094  095\n"), std::string::npos) << text;
  // A title, the serial, a blank line, the header and ten rows.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 14);
}

TEST(CardChallenge, PicksDistinctCellsCoveringTheCard) {
  SeededRandom random(11);
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    CardChallenge challenge = NewChallenge(random);
    ASSERT_EQ(challenge.cells.size(), kChallengeCellsDefault);
    std::set<std::string> names;
    for (const CardCell& cell : challenge.cells) {
      names.insert(CellName(cell));
      seen.insert(CellName(cell));
    }
    EXPECT_EQ(names.size(), challenge.cells.size());
  }
  EXPECT_EQ(seen.size(), kCardCells);
  EXPECT_EQ(NewChallenge(random, 1).cells.size(), 1u);
  CardChallenge longest = NewChallenge(random, kChallengeCellsMax);
  EXPECT_EQ(longest.cells.size(), kChallengeCellsMax);
  EXPECT_TRUE(ParseChallenge(ChallengeText(longest)).ok());
}

TEST(CardChallenge, TextRoundTrips) {
  CardChallenge challenge{{{1, 6}, {2, 2}, {7, 9}}};
  EXPECT_EQ(ChallengeText(challenge), "B7 C3 H10");
  EXPECT_EQ(*ParseChallenge("B7 C3 H10"), challenge);
  for (std::string text : {"", "B7 B7", "B7  C3", " B7", "B7 ", "B7,C3", "Z9", "B7 C3 I1",
                           "A1 A2 A3 A4 A5 A6 A7 A8 A9"}) {
    auto parsed = ParseChallenge(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().reason(), "invalid_card_challenge") << text;
    }
  }
}

TEST(VerifyCardAnswer, AcceptsTheRightCodesAndCountsTheUse) {
  PasswordCard card = CountingCard();
  CardChallenge challenge = *ParseChallenge("B7 C3 H10");
  // B7 is row 6, column 1: 16 + 49; C3 is 16 + 18; H10 is 16 + 79.
  EXPECT_EQ(AnswerFor(card, challenge), "065034095");
  CardAnswerResult result = VerifyCardAnswer(card, challenge, "065034095", 41);
  EXPECT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(result.uses, 42);
}

TEST(VerifyCardAnswer, RefusesWrongAnswersAndCountsThem) {
  SeededRandom random(13);
  PasswordCard card = PasswordCard::Generate(random);
  CardChallenge challenge = NewChallenge(random);
  std::string right = AnswerFor(card, challenge);
  ASSERT_TRUE(VerifyCardAnswer(card, challenge, right, 0).status.ok());
  for (size_t i = 0; i < right.size(); ++i) {
    std::string wrong = right;
    wrong[i] = wrong[i] == '9' ? '0' : static_cast<char>(wrong[i] + 1);
    CardAnswerResult result = VerifyCardAnswer(card, challenge, wrong, 7);
    EXPECT_EQ(result.status.code(), Code::kRejected) << wrong;
    EXPECT_EQ(result.status.reason(), "wrong_card_answer") << wrong;
    EXPECT_EQ(result.uses, 8);
  }
  // The right codes in the wrong order.
  std::string rotated = right.substr(3) + right.substr(0, 3);
  if (rotated != right) {
    EXPECT_EQ(VerifyCardAnswer(card, challenge, rotated, 0).status.reason(), "wrong_card_answer");
  }
  // The same codes from another card.
  PasswordCard other = PasswordCard::Generate(random);
  EXPECT_FALSE(VerifyCardAnswer(other, challenge, right, 0).status.ok());
}

TEST(VerifyCardAnswer, RefusesMalformedAnswersWithoutCountingThem) {
  PasswordCard card = CountingCard();
  CardChallenge challenge = *ParseChallenge("B7 C3 H10");
  for (std::string answer :
       {"", "06503409", "0650340950", "065 034 095", "06503409a", "065034095\n"}) {
    CardAnswerResult result = VerifyCardAnswer(card, challenge, answer, 5);
    EXPECT_EQ(result.status.reason(), "invalid_card_answer") << answer;
    EXPECT_EQ(result.uses, 5);
  }
  // A hand-made empty challenge must never accept an empty answer.
  CardAnswerResult empty = VerifyCardAnswer(card, CardChallenge{}, "", 5);
  EXPECT_EQ(empty.status.reason(), "invalid_card_challenge");
  CardAnswerResult outside = VerifyCardAnswer(card, CardChallenge{{{8, 0}}}, "000", 5);
  EXPECT_EQ(outside.status.reason(), "invalid_card_challenge");
  EXPECT_EQ(VerifyCardAnswer(card, challenge, "065034095", -1).status.code(), Code::kInternal);
}

TEST(VerifyCardAnswer, CardWearsOutAfterTheMaximumUses) {
  PasswordCard card = CountingCard();
  SeededRandom random(17);
  int uses = 0;
  for (int i = 0; i < kCardUsesMax; ++i) {
    CardChallenge challenge = NewChallenge(random);
    CardAnswerResult result = VerifyCardAnswer(card, challenge, AnswerFor(card, challenge), uses);
    ASSERT_TRUE(result.status.ok()) << i;
    ASSERT_EQ(result.uses, uses + 1);
    uses = result.uses;
  }
  EXPECT_EQ(uses, kCardUsesMax);
  EXPECT_TRUE(CardWornOut(uses));
  EXPECT_FALSE(CardWornOut(uses - 1));
  CardChallenge challenge = NewChallenge(random);
  CardAnswerResult result = VerifyCardAnswer(card, challenge, AnswerFor(card, challenge), uses);
  EXPECT_EQ(result.status.code(), Code::kRejected);
  EXPECT_EQ(result.status.reason(), "password_card_worn_out");
  EXPECT_EQ(result.uses, kCardUsesMax);
}

}  // namespace
}  // namespace ebank::security
