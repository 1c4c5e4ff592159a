// Card security (CARD-1, CH-ATM, CH-POS): PAN checks and masking (ISO/IEC 7812), the keyed
// token that stands for a PAN in the database, ISO 9564-1 PIN blocks (format 0 under a
// TDES zone PIN key; format 4 under AES), and the keyed PIN verification value stored in
// place of a PIN. No function here logs; PINs and keys are wiped when dropped.
// Thread-safe: all classes are immutable after construction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::security {

inline constexpr size_t kPanDigitsMin = 13;
inline constexpr size_t kPanDigitsMax = 19;
inline constexpr size_t kPinDigitsMin = 4;
inline constexpr size_t kPinDigitsMax = 12;
inline constexpr size_t kPinBlockBytes = 8;      // ISO 9564 formats 0 to 3.
inline constexpr size_t kPinBlockAesBytes = 16;  // Format 4.
inline constexpr size_t kCardKeyBytesMin = 32;   // PAN token and PIN verification keys.

// True for 13 to 19 digits whose last is the Luhn check digit (ISO/IEC 7812-1 annex B).
bool LuhnValid(std::string_view pan);
// The check digit to append to `pan_without_check`. REQUIRES: all digits.
char LuhnCheckDigit(std::string_view pan_without_check);
// Invalid "pan_malformed" (not 13 to 19 digits) or "pan_check_digit".
Status CheckPan(std::string_view pan);
// The first six and last four digits: "622202******1234". For a valid PAN.
std::string MaskPan(std::string_view pan);
std::string_view PanLastFour(std::string_view pan);
// A PAN with a valid check digit from a BIN and account digits (tests and the demo).
std::string MakePan(std::string_view bin_and_account_digits);

// The lookup key that stands for a PAN: HMAC-SHA256 under the bank's PAN key, 64 hex digits.
class PanTokenizer {
 public:
  // REQUIRES: key_bytes.size() >= kCardKeyBytesMin.
  explicit PanTokenizer(std::string key_bytes);
  ~PanTokenizer();
  PanTokenizer(const PanTokenizer&) = delete;
  PanTokenizer& operator=(const PanTokenizer&) = delete;
  std::string Token(std::string_view pan) const;

 private:
  std::string key_;
};

// ISO 9564-1 format 0 (ANSI X9.8): the clear 8-byte block of `pin` for `pan`: the PIN field
// 0 L P P P P F... xor the PAN field 0000 and the 12 rightmost PAN digits but the check digit.
Result<std::string> PinBlockFormat0(std::string_view pin, std::string_view pan);
// The PIN in a clear format-0 block. Invalid "pin_block_format" when the control nibble is
// not 0, the length is outside 4 to 12, a PIN digit is not decimal or the filler not F.
Result<std::string> PinFromFormat0(std::string_view clear_block, std::string_view pan);

// A zone (or terminal) PIN key: double or triple length TDES (16 or 24 bytes), or AES-128,
// 192 or 256 for format 4 blocks. Its bytes are never printed.
class PinKey {
 public:
  enum class Algorithm : unsigned char { kTdes, kAes };
  static Result<PinKey> FromHex(std::string_view hex, Algorithm algorithm = Algorithm::kTdes);
  PinKey(const PinKey& other) = default;
  PinKey(PinKey&& other) = default;
  PinKey& operator=(const PinKey&) = default;
  PinKey& operator=(PinKey&&) = default;
  ~PinKey();

  Algorithm algorithm() const { return algorithm_; }
  // Key check value: the first 3 bytes (6 uppercase hex digits) of the key encrypting a
  // block of zeros (TDES: 8 bytes, AES: 16; the common KCV of both).
  std::string CheckValue() const;
  // One block in ECB mode (8 bytes for TDES, 16 for AES).
  Result<std::string> EncryptBlock(std::string_view block) const;
  Result<std::string> DecryptBlock(std::string_view block) const;
  // The terminal's side: the encrypted format-0 block (TDES). AES keys answer Unavailable
  // "format4_unsupported": the AES block cipher is here, format 4's block layout is not yet.
  Result<std::string> EncryptPin(std::string_view pin, std::string_view pan) const;
  // The host's side: the PIN in an encrypted block. Invalid "pin_block_format" as above.
  Result<std::string> DecryptPin(std::string_view encrypted_block, std::string_view pan) const;

 private:
  PinKey(std::string key, Algorithm algorithm) : key_(std::move(key)), algorithm_(algorithm) {}
  Result<std::string> Crypt(std::string_view block, bool encrypt) const;

  std::string key_;
  Algorithm algorithm_ = Algorithm::kTdes;
};

// The value stored in place of a PIN: HMAC-SHA256(key, pan_token ":" pin), hex. Keyed, so a
// database dump alone cannot be searched through the 10^6 six-digit PINs.
class PinVerifier {
 public:
  // REQUIRES: key_bytes.size() >= kCardKeyBytesMin.
  explicit PinVerifier(std::string key_bytes);
  ~PinVerifier();
  PinVerifier(const PinVerifier&) = delete;
  PinVerifier& operator=(const PinVerifier&) = delete;
  std::string Verifier(std::string_view pan_token, std::string_view pin) const;
  // In constant time.
  bool Matches(std::string_view pan_token, std::string_view pin,
               std::string_view stored_verifier) const;

 private:
  std::string key_;
};

}  // namespace ebank::security
