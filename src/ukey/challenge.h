// The text a U-key signs to confirm a payment ("dynamic linking" in strong customer
// authentication): one line that binds the challenge, the amount and the payee.
//
//   ebank-sca-v1|challenge=<id>|amount=100.00|currency=CNY|payee=<account>|nonce=<hex>
//
// The bank makes the challenge when a payment needs confirmation, the customer's device
// shows amount and payee and has the U-key sign exactly this text, and the bank rebuilds
// the text from the payment it holds before verifying. Any change of amount, currency or
// payee changes the text, so a signature obtained for one payment never verifies for an
// altered one; the id and the nonce make every challenge's text unique, so a signature
// cannot be replayed for a second payment of the same amount to the same payee.
//
// There is exactly one text per challenge: fields in this order, the amount with the
// currency's decimals ("100.00", never "100" or "100.0"), lower-case hex, no spaces. The
// parser refuses every other spelling, so two parties can never disagree on what was
// signed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/money.h"
#include "core/status.h"

namespace ebank::ukey {

// Bump the version when the format changes; old signatures then stop verifying by design.
inline constexpr std::string_view kChallengeVersion = "ebank-sca-v1";

// Limits. Payees are ledger account codes, which have at most 64 bytes.
inline constexpr size_t kChallengeIdBytesMax = 64;
inline constexpr size_t kPayeeBytesMax = 64;
// At least 128 random bits, at most 256.
inline constexpr size_t kNonceHexDigitsMin = 32;
inline constexpr size_t kNonceHexDigitsMax = 64;
inline constexpr size_t kChallengeTextBytesMax = 512;

struct Challenge {
  std::string id;         // Letters, digits, '-' and '_'.
  Money amount;           // Positive.
  std::string payee;      // Letters, digits, '-', '_', '.' and ':' ("gl:cash:CNY").
  std::string nonce_hex;  // Lower-case hex, even length, kNonceHexDigitsMin to ...Max digits.

  friend bool operator==(const Challenge& a, const Challenge& b) = default;
};

// OK when every field is within the rules above; invalid/ukey_challenge_malformed otherwise.
Status ValidateChallenge(const Challenge& challenge);

// The canonical text of a valid challenge.
Result<std::string> ChallengeText(const Challenge& challenge);

// The challenge whose canonical text is exactly `text`; invalid/ukey_challenge_malformed
// for anything else, including a different version.
Result<Challenge> ParseChallengeText(std::string_view text);

}  // namespace ebank::ukey
