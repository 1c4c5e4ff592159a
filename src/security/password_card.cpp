#include "security/password_card.h"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "security/constant_time.h"

namespace ebank::security {
namespace {

constexpr std::string_view kSerializedPrefix = "pc1:";
constexpr size_t kSerializedSize =
    kSerializedPrefix.size() + kCardSerialDigits + 1 + kCardCells * kCardCodeDigits;
// The longest challenge text: kChallengeCellsMax names of up to 3 characters, spaced.
constexpr size_t kChallengeTextMax = kChallengeCellsMax * 4;
constexpr size_t kSerialGroupDigits = 4;

bool AllDigits(std::string_view text) {
  return text.find_first_not_of("0123456789") == std::string_view::npos;
}

bool OnCard(CardCell cell) {
  return cell.column >= 0 && cell.column < kCardColumns && cell.row >= 0 && cell.row < kCardRows;
}

size_t CellIndex(CardCell cell) {
  return static_cast<size_t>(cell.row * kCardColumns + cell.column);
}

CardCell CellAt(size_t index) {
  return CardCell{static_cast<int>(index % kCardColumns), static_cast<int>(index / kCardColumns)};
}

// "007" for 7.
std::string FormatCode(int code) {
  std::string digits = std::to_string(code);
  return std::string(kCardCodeDigits - digits.size(), '0') + digits;
}

Status CheckChallenge(const CardChallenge& challenge) {
  auto invalid = [](std::string_view why) {
    return Status::Invalid("invalid_card_challenge", "a card challenge " + std::string(why));
  };
  if (challenge.cells.empty()) return invalid("has no cells");
  if (challenge.cells.size() > kChallengeCellsMax) return invalid("has too many cells");
  for (size_t i = 0; i < challenge.cells.size(); ++i) {
    if (!OnCard(challenge.cells[i])) return invalid("names a cell that is not on the card");
    for (size_t j = 0; j < i; ++j) {
      if (challenge.cells[j] == challenge.cells[i]) return invalid("repeats a cell");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string CellName(CardCell cell) {
  assert(OnCard(cell));
  return static_cast<char>('A' + cell.column) + std::to_string(cell.row + 1);
}

Result<CardCell> ParseCellName(std::string_view name) {
  auto invalid = [] {
    return Status::Invalid("invalid_card_cell", "a card cell is a letter A-H and a row 1-10");
  };
  if (name.size() < 2 || name.size() > 3) return invalid();
  if (name[0] < 'A' || name[0] >= 'A' + kCardColumns) return invalid();
  std::string_view row = name.substr(1);
  if (!AllDigits(row) || row[0] == '0') return invalid();
  int row_number = 0;
  for (char c : row)
    row_number = row_number * 10 + (c - '0');
  if (row_number > kCardRows) return invalid();
  return CardCell{name[0] - 'A', row_number - 1};
}

PasswordCard PasswordCard::Generate(RandomSource& random) {
  PasswordCard card;
  card.serial_ = RandomDigits(random, kCardSerialDigits);
  for (uint16_t& code : card.codes_)
    code = static_cast<uint16_t>(RandomBelow(random, kCardCodeValues));
  return card;
}

std::string PasswordCard::Serialize() const {
  std::string text;
  text.reserve(kSerializedSize);
  text += kSerializedPrefix;
  text += serial_;
  text += ':';
  for (uint16_t code : codes_)
    text += FormatCode(code);
  return text;
}

Result<PasswordCard> PasswordCard::Parse(std::string_view stored) {
  // The text is the card itself, so the message never quotes it.
  auto invalid = [] {
    return Status::Invalid("invalid_password_card", "stored password card is malformed");
  };
  if (stored.size() != kSerializedSize || !stored.starts_with(kSerializedPrefix)) {
    return invalid();
  }
  std::string_view serial = stored.substr(kSerializedPrefix.size(), kCardSerialDigits);
  std::string_view separator = stored.substr(kSerializedPrefix.size() + kCardSerialDigits, 1);
  std::string_view codes = stored.substr(kSerializedPrefix.size() + kCardSerialDigits + 1);
  if (!AllDigits(serial) || separator != ":" || !AllDigits(codes)) return invalid();
  PasswordCard card;
  card.serial_ = std::string(serial);
  for (size_t i = 0; i < kCardCells; ++i) {
    std::string_view digits = codes.substr(i * kCardCodeDigits, kCardCodeDigits);
    card.codes_[i] =
        static_cast<uint16_t>((digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0'));
  }
  return card;
}

int PasswordCard::code(CardCell cell) const {
  assert(OnCard(cell));
  // Release builds compile the assertion out; never read outside the card even then.
  if (!OnCard(cell)) return -1;
  return codes_[CellIndex(cell)];
}

std::string Render(const PasswordCard& card) {
  std::string text = "口令卡 Password card\nNo.";
  for (size_t i = 0; i < card.serial().size(); i += kSerialGroupDigits) {
    text += ' ';
    text += card.serial().substr(i, kSerialGroupDigits);
  }
  text += "\n\n  ";
  for (int column = 0; column < kCardColumns; ++column) {
    text += "    ";
    text += static_cast<char>('A' + column);
  }
  text += '\n';
  for (int row = 0; row < kCardRows; ++row) {
    std::string label = std::to_string(row + 1);
    text += std::string(2 - label.size(), ' ') + label;
    for (int column = 0; column < kCardColumns; ++column)
      text += "  " + FormatCode(card.code(CardCell{column, row}));
    text += '\n';
  }
  return text;
}

CardChallenge NewChallenge(RandomSource& random, size_t cells) {
  assert(cells >= 1 && cells <= kChallengeCellsMax);
  // Also bounded in release builds, where the assertion is compiled out, so that the loop
  // below never runs past the card.
  cells = std::clamp<size_t>(cells, 1, kChallengeCellsMax);
  // A partial Fisher-Yates shuffle of the cell indexes: the first `cells` entries are a
  // uniform choice of distinct cells in a uniform order.
  std::array<size_t, kCardCells> indexes;
  std::iota(indexes.begin(), indexes.end(), size_t{0});
  CardChallenge challenge;
  for (size_t i = 0; i < cells; ++i) {
    size_t pick = i + RandomBelow(random, static_cast<uint32_t>(kCardCells - i));
    std::swap(indexes[i], indexes[pick]);
    challenge.cells.push_back(CellAt(indexes[i]));
  }
  return challenge;
}

std::string ChallengeText(const CardChallenge& challenge) {
  std::string text;
  for (const CardCell& cell : challenge.cells) {
    if (!text.empty()) text += ' ';
    text += CellName(cell);
  }
  return text;
}

Result<CardChallenge> ParseChallenge(std::string_view text) {
  if (text.size() > kChallengeTextMax) {
    return Status::Invalid("invalid_card_challenge", "a card challenge has too many cells");
  }
  CardChallenge challenge;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find(' ', start), text.size());
    auto cell = ParseCellName(text.substr(start, end - start));
    if (!cell.ok()) {
      return Status::Invalid("invalid_card_challenge",
                             "a card challenge is cell names separated by single spaces");
    }
    challenge.cells.push_back(*cell);
    start = end + 1;
  }
  EBANK_RETURN_IF_ERROR(CheckChallenge(challenge));
  return challenge;
}

CardAnswerResult VerifyCardAnswer(const PasswordCard& card, const CardChallenge& challenge,
                                  std::string_view answer, int uses) {
  if (uses < 0) {
    return {Status::Internal("invalid_card_uses", "a card's use count cannot be negative"), uses};
  }
  if (CardWornOut(uses)) {
    return {Status::Rejected("password_card_worn_out", "the password card has been used " +
                                                           std::to_string(kCardUsesMax) +
                                                           " times; the customer needs a new one"),
            uses};
  }
  if (Status status = CheckChallenge(challenge); !status.ok()) return {status, uses};
  if (answer.size() != challenge.cells.size() * kCardCodeDigits || !AllDigits(answer)) {
    return {Status::Invalid("invalid_card_answer",
                            "the answer must be " + std::to_string(kCardCodeDigits) +
                                " digits for each cell, typed one after the other"),
            uses};
  }
  std::string expected;
  for (const CardCell& cell : challenge.cells)
    expected += FormatCode(card.code(cell));
  if (!ConstantTimeEquals(expected, answer)) {
    return {Status::Rejected("wrong_card_answer", "the password card answer is wrong"), uses + 1};
  }
  return {Status::Ok(), uses + 1};
}

}  // namespace ebank::security
