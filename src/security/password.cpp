#include "security/password.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace ebank::security {
namespace {

static_assert(kPasswordHashTextMax + 1 == crypto_pwhash_STRBYTES);

constexpr std::string_view kArgon2idPrefix = "$argon2id$";
constexpr std::string_view kArgon2iPrefix = "$argon2i$";

// Well-known weak passwords that pass the rules on character classes, runs and repeats,
// in lower case. Most come from leaked Chinese password lists, where keyboard walks
// ("1qaz2wsx") and "I love you" (woaini) are common.
constexpr std::array<std::string_view, 20> kWeakPasswords = {
    "1qaz2wsx",  "1qaz@wsx",  "!qaz2wsx", "1qaz!qaz", "1qaz2wsx3edc", "1q2w3e4r",  "1q2w3e4r5t",
    "q1w2e3r4",  "a1b2c3d4",  "1a2b3c4d", "qwer1234", "1234qwer",     "qwe123qwe", "123qwe123",
    "qwerty123", "password1", "passw0rd", "p@ssw0rd", "woaini1314",   "woaini520",
};

// libsodium's sodium_init is safe to call again and from several threads, but a
// function-local static also keeps the answer, so that a failure is reported every time
// without trying again.
Status EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) return Status::Internal("sodium_unavailable", "libsodium failed to initialise");
  return Status::Ok();
}

Status WeakPassword(std::string_view why) {
  return Status::Invalid("weak_password", "the password " + std::string(why));
}

// True when `text` is a shorter pattern repeated, the last copy possibly cut short:
// "a1a1a1a1", "abcabcab", and "aaaaaaaa" with a pattern of one character.
bool IsRepeatedPattern(std::string_view text) {
  for (size_t period = 1; period <= text.size() / 2; ++period) {
    bool repeated = true;
    for (size_t i = period; i < text.size() && repeated; ++i)
      repeated = text[i] == text[i - period];
    if (repeated) return true;
  }
  return false;
}

// The number of runs `text` splits into, where a run is a stretch in which each character
// is equal to, one above or one below the one before, by the same step throughout
// ("1234", "dcba", "aaaa"). Splitting is greedy from the left.
size_t CountRuns(std::string_view text) {
  size_t runs = 0;
  size_t i = 0;
  while (i < text.size()) {
    ++runs;
    if (i + 1 == text.size()) break;
    int step = text[i + 1] - text[i];
    if (std::abs(step) > 1) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end + 1 < text.size() && text[end + 1] - text[end] == step)
      ++end;
    i = end + 1;
  }
  return runs;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

PasswordHashCost PasswordHashCost::Interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordHashCost PasswordHashCost::Minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < kPasswordBytesMin || password.size() > kPasswordBytesMax) {
    return WeakPassword("must be " + std::to_string(kPasswordBytesMin) + " to " +
                        std::to_string(kPasswordBytesMax) + " characters long");
  }
  bool digits = false;
  bool letters = false;
  bool symbols = false;
  std::string folded;
  for (char c : password) {
    if (c < '!' || c > '~') {
      return WeakPassword("may contain only printable ASCII characters without spaces");
    }
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      letters = true;
    } else {
      symbols = true;
    }
    folded += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (digits + letters + symbols < 2) {
    return WeakPassword("must mix at least two of digits, letters and symbols");
  }
  if (IsRepeatedPattern(folded)) return WeakPassword("must not be a short pattern repeated");
  if (CountRuns(folded) <= 2) {
    return WeakPassword("must not be one or two simple sequences of characters");
  }
  if (std::find(kWeakPasswords.begin(), kWeakPasswords.end(), folded) != kWeakPasswords.end()) {
    return WeakPassword("is on the list of well-known weak passwords");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost) {
  EBANK_RETURN_IF_ERROR(EnsureSodium());
  if (password.empty() || password.size() > kPasswordBytesMax) {
    return Status::Invalid("invalid_password", "a password must be 1 to " +
                                                   std::to_string(kPasswordBytesMax) + " bytes");
  }
  if (cost.ops_limit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      cost.ops_limit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
      cost.mem_limit_bytes < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      cost.mem_limit_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return Status::Internal("invalid_password_hash_cost",
                            "the Argon2id cost is outside libsodium's limits");
  }
  std::array<char, crypto_pwhash_STRBYTES> text;
  // crypto_pwhash_str_alg rather than crypto_pwhash_str pins the algorithm to Argon2id,
  // whatever a future libsodium makes its default.
  if (crypto_pwhash_str_alg(text.data(), password.data(), password.size(), cost.ops_limit,
                            cost.mem_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("password_hash_failed",
                            "Argon2id failed, most likely for want of memory");
  }
  return std::string(text.data());
}

Status VerifyPassword(std::string_view stored_hash, std::string_view password) {
  EBANK_RETURN_IF_ERROR(EnsureSodium());
  if (stored_hash.size() > kPasswordHashTextMax ||
      stored_hash.find('\0') != std::string_view::npos ||
      !(StartsWith(stored_hash, kArgon2idPrefix) || StartsWith(stored_hash, kArgon2iPrefix))) {
    return Status::Internal("invalid_password_hash", "the stored password hash is malformed");
  }
  if (password.size() <= kPasswordBytesMax) {
    // libsodium reads the hash as a NUL-terminated string.
    std::string terminated(stored_hash);
    if (crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0) {
      return Status::Ok();
    }
  }
  return Status::Rejected("wrong_password", "the password is wrong");
}

bool PasswordNeedsRehash(std::string_view stored_hash, const PasswordHashCost& cost) {
  if (!EnsureSodium().ok()) return true;
  if (stored_hash.size() > kPasswordHashTextMax ||
      stored_hash.find('\0') != std::string_view::npos ||
      !StartsWith(stored_hash, kArgon2idPrefix)) {
    return true;
  }
  std::string terminated(stored_hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), cost.ops_limit, cost.mem_limit_bytes) !=
         0;
}

}  // namespace ebank::security
