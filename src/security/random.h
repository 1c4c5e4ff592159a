// Randomness for secrets: session tokens, SMS codes, password cards and TOTP secrets.
//
// Every function that needs randomness takes a RandomSource, so that a test can make the
// output predictable (LevelDB's Env idea, for randomness only). Production code passes
// SystemRandom::Instance(), which draws from OpenSSL's CSPRNG.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace ebank::security {

// The longest token and digit string the helpers below produce. Longer requests are
// programmer errors: nothing in the bank needs more than a 512-bit token.
inline constexpr size_t kRandomTokenBytesMax = 64;
inline constexpr size_t kRandomDigitsMax = 64;
// A session token: 128 bits, as the security model requires.
inline constexpr size_t kSessionTokenBytes = 16;
// An SMS one-time code.
inline constexpr size_t kSmsCodeDigits = 6;

// A source of random bytes.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` entirely. Never fails: an implementation that cannot produce bytes
  // aborts the process rather than return predictable ones.
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// OpenSSL's RAND_bytes. Thread-safe. Aborts the process if the CSPRNG fails, as
// libsodium's randombytes_buf does: a bank server without randomness must not go on
// issuing guessable tokens, and there is no safe answer to give the caller instead.
class SystemRandom final : public RandomSource {
 public:
  void Fill(std::span<uint8_t> out) override;
  // The process-wide instance.
  static SystemRandom& Instance();
};

// A predictable stream for tests only: SHA-256 over the seed and a block counter. The
// same seed always gives the same bytes. Not thread-safe.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : seed_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  uint64_t seed_;
  uint64_t block_ = 0;
};

// Replays the bytes it was given, for tests that need exact draws (a draw that must be
// rejected, a code that must land in a given cell). Aborts when they run out, which is a
// bug in the test. Not thread-safe.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::string bytes) : bytes_(std::move(bytes)) {}
  void Fill(std::span<uint8_t> out) override;
  // Appends a 32-bit draw as RandomBelow reads it (big-endian).
  void AddDraw(uint32_t draw);
  size_t bytes_left() const { return bytes_.size() - position_; }

 private:
  std::string bytes_;
  size_t position_ = 0;
};

// A uniform integer in [0, bound), without modulo bias: draws four bytes (big-endian) at a
// time and throws away draws from the incomplete top range. REQUIRES: bound > 0.
uint32_t RandomBelow(RandomSource& random, uint32_t bound);

// `bytes` random bytes as unpadded base64url (RFC 4648 §5): safe in cookies, URLs and
// headers without escaping. 16 bytes give 22 characters.
// REQUIRES: bytes <= kRandomTokenBytesMax.
std::string RandomToken(RandomSource& random, size_t bytes);
std::string RandomToken(size_t bytes);

// `count` uniform decimal digits, leading zeros included ("004217"), for SMS codes.
// REQUIRES: count <= kRandomDigitsMax.
std::string RandomDigits(RandomSource& random, size_t count);
std::string RandomDigits(size_t count);

}  // namespace ebank::security
