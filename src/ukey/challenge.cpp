#include "ukey/challenge.h"

#include <array>

namespace ebank::ukey {
namespace {

constexpr char kSeparator = '|';
constexpr size_t kFieldCount = 6;

Status Malformed(std::string message) {
  return Status::Invalid("ukey_challenge_malformed", std::move(message));
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// None of the allowed characters is '|' or '=', so fields can never run into each other.
bool IsToken(std::string_view text, size_t bytes_max, std::string_view extra_characters) {
  if (text.empty() || text.size() > bytes_max) return false;
  for (char c : text) {
    if (!IsAsciiAlnum(c) && extra_characters.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool IsNonce(std::string_view text) {
  if (text.size() < kNonceHexDigitsMin || text.size() > kNonceHexDigitsMax) return false;
  if (text.size() % 2 != 0) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status ValidateChallenge(const Challenge& challenge) {
  if (!IsToken(challenge.id, kChallengeIdBytesMax, "-_")) {
    return Malformed("the challenge id is 1 to " + std::to_string(kChallengeIdBytesMax) +
                     " letters, digits, '-' or '_'");
  }
  if (challenge.amount.minor() <= 0) return Malformed("the amount must be positive");
  if (!IsToken(challenge.payee, kPayeeBytesMax, "-_.:")) {
    return Malformed("the payee is 1 to " + std::to_string(kPayeeBytesMax) +
                     " letters, digits, '-', '_', '.' or ':'");
  }
  if (!IsNonce(challenge.nonce_hex)) {
    return Malformed("the nonce is " + std::to_string(kNonceHexDigitsMin) + " to " +
                     std::to_string(kNonceHexDigitsMax) + " lower-case hex digits, even");
  }
  return Status::Ok();
}

Result<std::string> ChallengeText(const Challenge& challenge) {
  EBANK_RETURN_IF_ERROR(ValidateChallenge(challenge));
  std::string text(kChallengeVersion);
  text += "|challenge=" + challenge.id;
  text += "|amount=" + challenge.amount.Decimal();
  text += "|currency=" + std::string(challenge.amount.currency().code());
  text += "|payee=" + challenge.payee;
  text += "|nonce=" + challenge.nonce_hex;
  return text;
}

Result<Challenge> ParseChallengeText(std::string_view text) {
  if (text.size() > kChallengeTextBytesMax) {
    return Malformed("longer than " + std::to_string(kChallengeTextBytesMax) + " bytes");
  }
  std::array<std::string_view, kFieldCount> fields;
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t end = text.find(kSeparator, start);
    if (count == fields.size())
      return Malformed("more than " + std::to_string(kFieldCount) + " fields");
    fields[count++] = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (count != fields.size())
    return Malformed("fewer than " + std::to_string(kFieldCount) + " fields");
  if (fields[0] != kChallengeVersion) return Malformed("not " + std::string(kChallengeVersion));

  constexpr std::array<std::string_view, kFieldCount - 1> kNames = {"challenge", "amount",
                                                                    "currency", "payee", "nonce"};
  std::array<std::string_view, kFieldCount - 1> values;
  for (size_t i = 0; i < kNames.size(); ++i) {
    std::string_view field = fields[i + 1];
    if (field.size() <= kNames[i].size() || field.substr(0, kNames[i].size()) != kNames[i] ||
        field[kNames[i].size()] != '=') {
      return Malformed("field " + std::to_string(i + 2) + " is not " + std::string(kNames[i]) +
                       "=...");
    }
    values[i] = field.substr(kNames[i].size() + 1);
  }
  auto currency = Currency::Parse(values[2]);
  if (!currency.ok()) return Malformed(currency.status().message());
  auto amount = Money::Parse(*currency, values[1]);
  if (!amount.ok()) return Malformed(amount.status().message());
  Challenge challenge{std::string(values[0]), *amount, std::string(values[3]),
                      std::string(values[4])};
  // Rebuilding the text catches every non-canonical spelling the field parsers accept, such
  // as "100" or "0100.00" for 100.00.
  auto canonical = ChallengeText(challenge);
  if (!canonical.ok()) return canonical.status();
  if (*canonical != text) return Malformed("not in canonical form");
  return challenge;
}

}  // namespace ebank::ukey
