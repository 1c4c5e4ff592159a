// The password card (口令卡): a printed matrix of codes that a customer scratches open
// and keeps. Each payment asks for the codes in a few random cells ("B7 C3 H10") and the
// customer types them one after the other.
//
// Every answer the customer types shows some of the card's codes to whoever watches the
// screen or the line, so a card wears out after kCardUsesMax answers. The use count is
// data the caller persists with the card (count in, new count out); nothing here keeps
// state. Thread-safe: all types are values and all functions are pure apart from the
// RandomSource they are given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "security/random.h"

namespace ebank::security {

// Columns A-H and rows 1-10, as printed on the card.
inline constexpr int kCardColumns = 8;
inline constexpr int kCardRows = 10;
inline constexpr size_t kCardCells = kCardColumns * kCardRows;
inline constexpr size_t kCardCodeDigits = 3;
inline constexpr uint16_t kCardCodeValues = 1000;
inline constexpr size_t kCardSerialDigits = 16;
// A challenge of 3 cells leaves a guesser one chance in 10^9, and 1000 answers of 3 cells
// each have shown every code many times over by the time the card is replaced.
inline constexpr int kCardUsesMax = 1000;
inline constexpr size_t kChallengeCellsDefault = 3;
inline constexpr size_t kChallengeCellsMax = 8;

// One cell of the card. `column` 0-7 is printed 'A'-'H', `row` 0-9 is printed 1-10.
struct CardCell {
  int column = 0;
  int row = 0;

  friend bool operator==(const CardCell&, const CardCell&) = default;
};

// "B7" for column 1, row 6; "H10" for column 7, row 9. REQUIRES: the cell is on the card.
std::string CellName(CardCell cell);
// The inverse of CellName: upper-case column letter, row without leading zeros.
// Invalid "invalid_card_cell" otherwise.
Result<CardCell> ParseCellName(std::string_view name);

class PasswordCard {
 public:
  // A new card with a random serial number and random codes.
  static PasswordCard Generate(RandomSource& random);

  // The storage form: "pc1:<serial>:<240 digits>", the codes row by row. It is the card
  // in the clear, so the caller encrypts it before it reaches a database or a backup, and
  // never logs it.
  std::string Serialize() const;
  // The inverse of Serialize. Invalid "invalid_password_card" for any other text.
  static Result<PasswordCard> Parse(std::string_view stored);

  // kCardSerialDigits digits, printed on the card and shown with each challenge so that a
  // customer with two cards picks the right one. Random: the caller's store keeps serials
  // unique (a unique index) and generates another card on a clash.
  const std::string& serial() const { return serial_; }
  // The code printed in `cell`, 0-999. REQUIRES: the cell is on the card (-1 otherwise).
  int code(CardCell cell) const;

  friend bool operator==(const PasswordCard&, const PasswordCard&) = default;

 private:
  PasswordCard() = default;

  std::string serial_;
  std::array<uint16_t, kCardCells> codes_{};  // Row by row: codes_[row * kCardColumns + column].
};

// The card as fixed-width text for the card printer: a title, the serial number in groups
// of four, a header row "A".."H" and ten rows of three-digit codes.
std::string Render(const PasswordCard& card);

// The cells a customer is asked for, all different, in the order they must be typed.
struct CardChallenge {
  std::vector<CardCell> cells;

  friend bool operator==(const CardChallenge&, const CardChallenge&) = default;
};

// `cells` distinct random cells. REQUIRES: 1 <= cells <= kChallengeCellsMax.
CardChallenge NewChallenge(RandomSource& random, size_t cells = kChallengeCellsDefault);
// "B7 C3 H10", for the screen and for the caller's session store.
std::string ChallengeText(const CardChallenge& challenge);
// The inverse of ChallengeText. Invalid "invalid_card_challenge" for anything else,
// including repeated cells and more than kChallengeCellsMax of them.
Result<CardChallenge> ParseChallenge(std::string_view text);

inline bool CardWornOut(int uses) {
  return uses >= kCardUsesMax;
}

// The outcome of VerifyCardAnswer: whether the answer was right, and the use count to
// store whatever the answer was.
struct CardAnswerResult {
  Status status;
  int uses = 0;
};

// Checks `answer`, the codes of the challenge's cells typed one after the other
// ("123456789" for three cells), against the card, in constant time. `uses` is the card's
// use count before this answer. Every well-formed answer, right or wrong, counts as a use,
// because the customer typed codes off the card either way. The caller must issue a new
// challenge after a wrong answer, so that one challenge cannot be guessed at repeatedly.
// Statuses: OK; Rejected "password_card_worn_out" when `uses` has reached kCardUsesMax
// (the count is left as it was); Invalid "invalid_card_answer" when the answer is not
// three digits per cell (not counted); Rejected "wrong_card_answer".
CardAnswerResult VerifyCardAnswer(const PasswordCard& card, const CardChallenge& challenge,
                                  std::string_view answer, int uses);

}  // namespace ebank::security
