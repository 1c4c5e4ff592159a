// Login passwords (登录密码): the policy a new password must meet, and its storage as an
// Argon2id hash (libsodium), memory-hard so that a stolen table of hashes is slow to
// attack even with GPUs.
//
// The caller checks the policy when a customer chooses a password, stores HashPassword's
// text, and at each login calls VerifyPassword and then PasswordNeedsRehash, storing a
// new hash when the bank has raised the cost since. Thread-safe: libsodium is
// initialised once, on first use, whichever thread gets there first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::security {

// Long enough to resist guessing with lockout in front of it; short enough to type on a
// randomised keypad (SEC-9) and to bound the work a hostile input can cause.
inline constexpr size_t kPasswordBytesMin = 8;
inline constexpr size_t kPasswordBytesMax = 32;
// Argon2id hash text such as "$argon2id$v=19$m=65536,t=2,p=1$...", libsodium's
// crypto_pwhash_STRBYTES less its terminating NUL.
inline constexpr size_t kPasswordHashTextMax = 127;

// Argon2id's cost: passes over memory, and memory in bytes.
struct PasswordHashCost {
  uint64_t ops_limit = 0;
  size_t mem_limit_bytes = 0;

  // libsodium's INTERACTIVE cost (2 passes over 64 MiB, about 0.1 s on a server core),
  // meant for online logins; the production default.
  static PasswordHashCost Interactive();
  // libsodium's minimum (1 pass over 8 KiB). For tests only: it makes a hash cheap to
  // attack, which is fine for a test password and wrong for a customer's.
  static PasswordHashCost Minimum();
};

// Checks a password a customer chooses: 8 to 32 printable ASCII characters without
// spaces (what every channel's keypad can type), mixing at least two of digits, letters
// and symbols, and not trivially guessable: not a short pattern repeated ("a1a1a1a1"),
// not one or two runs of neighbouring or equal characters ("abcd1234", "aaaa1111",
// "a1234567"), and not on a short list of well-known weak passwords ("1qaz2wsx"),
// letters compared without case. The message says which rule failed and never quotes
// the password. A breached-password list check, if the bank wants one, belongs to the
// caller, which can hold the list. Invalid "weak_password" otherwise.
Status CheckPasswordPolicy(std::string_view password);

// The Argon2id hash text of `password` with a random salt, to store as it is.
// Invalid "invalid_password" for an empty password or one longer than kPasswordBytesMax;
// Internal "invalid_password_hash_cost" for a cost outside libsodium's limits;
// Internal "password_hash_failed" when the memory could not be allocated.
Result<std::string> HashPassword(std::string_view password,
                                 const PasswordHashCost& cost = PasswordHashCost::Interactive());

// OK when `password` matches `stored_hash`, in time that does not depend on where they
// differ. Rejected "wrong_password" otherwise, including for a password longer than
// kPasswordBytesMax (no stored hash can match one), and also, since libsodium does not
// tell the two apart, when the memory for the check could not be allocated. Internal
// "invalid_password_hash" when `stored_hash` is not an Argon2 hash text at all.
Status VerifyPassword(std::string_view stored_hash, std::string_view password);

// True when `stored_hash` is not an Argon2id hash of exactly `cost`, so that the caller,
// holding the password the customer just typed correctly, stores a new hash.
bool PasswordNeedsRehash(std::string_view stored_hash,
                         const PasswordHashCost& cost = PasswordHashCost::Interactive());

}  // namespace ebank::security
