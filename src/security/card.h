// Card security (CARD-1, CH-ATM, CH-POS): PAN checks and masking (ISO/IEC 7812), the keyed
// token that stands for a PAN in the database, ISO 9564-1 PIN blocks (format 0 under a TDES
// zone PIN key, format 4 under an AES one), and the keyed PIN verification value stored in
// place of a PIN.
//
// Nothing here logs or prints a PIN, a PAN or a key; PinKey has no operator<<. The buffers
// this code makes for PINs, PIN blocks and keys are wiped with OPENSSL_cleanse before they
// are freed, and the classes below wipe their keys when destroyed or overwritten. That is
// best effort, not a guarantee: the strings callers pass in and get back are theirs to wipe,
// and a moved short string may leave bytes on the stack. Thread-safe: all functions are
// pure and all classes are immutable after construction (PinKey's assignment aside).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "security/random.h"

namespace ebank::security {

inline constexpr size_t kPanDigitsMin = 13;
inline constexpr size_t kPanDigitsMax = 19;
inline constexpr size_t kPinDigitsMin = 4;
inline constexpr size_t kPinDigitsMax = 12;
inline constexpr size_t kPinBlockBytes = 8;      // ISO 9564 formats 0 to 3.
inline constexpr size_t kPinBlockAesBytes = 16;  // Format 4.
// PAN token and PIN verification keys: at least the 256 bits of their HMAC-SHA256.
inline constexpr size_t kCardKeyBytesMin = 32;
// A key check value is this many hex digits (3 bytes), the usual length on key forms.
inline constexpr size_t kKeyCheckValueDigits = 6;

// True for 13 to 19 digits whose last is the Luhn check digit (ISO/IEC 7812-1 annex B).
// Shorter or longer numbers are not card numbers and are false whatever their check digit.
bool LuhnValid(std::string_view pan);
// The Luhn check digit to append to `pan_without_check`. REQUIRES: all digits.
char LuhnCheckDigit(std::string_view pan_without_check);
// Invalid "pan_malformed" (not 13 to 19 digits) or "pan_check_digit".
Status CheckPan(std::string_view pan);
// The first six and last four digits with '*' between, "622202******1234", the most of a PAN
// that may be shown. People read it grouped ("6222 02** **** 1234"); grouping is the UI's job.
// Anything shorter than 13 characters is not a PAN and comes back as all '*'.
std::string MaskPan(std::string_view pan);
// The last four characters (all of a shorter string), for receipts and card lists.
std::string_view PanLastFour(std::string_view pan);
// A PAN with a valid check digit from a BIN and account digits (tests and the demo).
// REQUIRES: all digits.
std::string MakePan(std::string_view bin_and_account_digits);

// HMAC-SHA256 under one card key (libsodium's), keyed once: the state after the key (the
// hashes of its two padded blocks) is kept instead of the key, each MAC starts from a copy
// of it on the stack, and both are wiped after use. Not copyable.
class KeyedHmac {
 public:
  // REQUIRES: key_bytes.size() >= kCardKeyBytesMin. The key's bytes are wiped.
  explicit KeyedHmac(std::string key_bytes);
  ~KeyedHmac();
  KeyedHmac(const KeyedHmac&) = delete;
  KeyedHmac& operator=(const KeyedHmac&) = delete;

  // The MAC of the concatenated `parts`, as 64 lowercase hex digits. The parts are fed to
  // the MAC one by one, so that no copy of a PIN is made.
  std::string Hex(std::initializer_list<std::string_view> parts) const;

 private:
  std::string keyed_state_;
};

// The lookup key that stands for a PAN, which is never stored: HMAC-SHA256 under the bank's
// PAN key of "pan:" followed by the PAN, as 64 lowercase hex digits. Deterministic, so the
// same card always finds the same row; keyed, so a database dump alone cannot be searched
// through the few billion PANs of a BIN.
class PanTokenizer {
 public:
  // REQUIRES: key_bytes.size() >= kCardKeyBytesMin.
  explicit PanTokenizer(std::string key_bytes) : hmac_(std::move(key_bytes)) {}

  std::string Token(std::string_view pan) const;

 private:
  KeyedHmac hmac_;
};

// ISO 9564-1 format 0 (ANSI X9.8): the clear 8-byte block of `pin` for `pan`, that is the PIN
// field (control 0, PIN length, the PIN, filler F) xor the PAN field (four zero nibbles and
// the 12 rightmost PAN digits but the check digit). Invalid "invalid_pin" unless the PIN is 4
// to 12 digits, "pan_malformed" unless the PAN is 13 to 19 digits. The check digit is not
// checked: a block is built for whatever card was read.
Result<std::string> PinBlockFormat0(std::string_view pin, std::string_view pan);
// The PIN in a clear format-0 block. Invalid "pin_block_format" when the block is not 8
// bytes, the control nibble is not 0, the length is outside 4 to 12, a PIN digit is not
// decimal or a filler nibble is not F; "pan_malformed" as above.
Result<std::string> PinFromFormat0(std::string_view clear_block, std::string_view pan);

// A zone (or terminal) PIN key: double or triple length TDES (16 or 24 bytes; parity bits
// are ignored, not checked) for format 0 blocks, or AES-128, 192 or 256 for format 4 blocks.
// Copyable; copies share the keyed cipher contexts, which wipe the key schedule when the last
// copy goes. The key's bytes are not kept otherwise.
class PinKey {
 public:
  enum class Algorithm : unsigned char { kTdes, kAes };

  // Hex in either case. Invalid "invalid_pin_key" for anything but hex of a length above.
  static Result<PinKey> FromHex(std::string_view hex, Algorithm algorithm = Algorithm::kTdes);

  Algorithm algorithm() const { return algorithm_; }
  // The block size of the algorithm: kPinBlockBytes for TDES, kPinBlockAesBytes for AES.
  size_t block_bytes() const;

  // Key check value: the first 3 bytes, as 6 uppercase hex digits, of the key encrypting one
  // block of zeros in ECB mode (8 bytes for TDES, 16 for AES). For AES this is the legacy
  // KCV that most key forms and HSM consoles still print, not the CMAC-based KCV of ANSI
  // X9.24-1:2017. Empty only if OpenSSL fails.
  std::string CheckValue() const;
  // One block in ECB mode without padding. Invalid "pin_block_format" unless `block` is
  // block_bytes() long; Internal "cipher_failed" if OpenSSL fails.
  Result<std::string> EncryptBlock(std::string_view block) const;
  Result<std::string> DecryptBlock(std::string_view block) const;

  // The terminal's side: the encrypted PIN block of `pin` for `pan`. A TDES key gives a
  // format 0 block (8 bytes). An AES key gives an ISO 9564-1:2017 format 4 block (16 bytes):
  // the PIN field (control 4, length, the PIN, fill A, then 8 random bytes) is encrypted,
  // xored with the PAN field (PAN length - 12, then the PAN, then zeros) and encrypted
  // again. `random` supplies format 4's 8 random bytes; the overload without it uses
  // SystemRandom. Errors: those of PinBlockFormat0 and of EncryptBlock.
  Result<std::string> EncryptPin(std::string_view pin, std::string_view pan) const;
  Result<std::string> EncryptPin(std::string_view pin, std::string_view pan,
                                 RandomSource& random) const;
  // The host's side: the PIN in an encrypted block of this key's format. Invalid
  // "pin_block_format" when the block is not one cipher block or does not decrypt to a
  // well-formed block for `pan` (format 4: control 4, length 4 to 12, decimal digits, fill
  // A); a wrong key or another card's PAN usually ends there, but may by chance give some
  // other PIN, which PIN verification then refuses. "pan_malformed" as above.
  Result<std::string> DecryptPin(std::string_view encrypted_block, std::string_view pan) const;

 private:
  // The key's cipher contexts, keyed once: shared by copies, only ever copied from.
  struct Keyed;

  PinKey(std::string key, Algorithm algorithm);
  Result<std::string> Crypt(std::string_view block, bool encrypt) const;
  Result<std::string> EncryptFormat4(std::string_view pin, std::string_view pan,
                                     RandomSource& random) const;
  Result<std::string> DecryptFormat4(std::string_view encrypted_block, std::string_view pan) const;

  Algorithm algorithm_ = Algorithm::kTdes;
  std::shared_ptr<const Keyed> keyed_;
};

// The value stored in place of a PIN: HMAC-SHA256 under the PIN verification key of
// pan_token ":" pin, as 64 lowercase hex digits. Keyed, so a database dump alone cannot be
// searched through the 10^6 six-digit PINs; bound to the card's token, so equal PINs on two
// cards store different values.
class PinVerifier {
 public:
  // REQUIRES: key_bytes.size() >= kCardKeyBytesMin.
  explicit PinVerifier(std::string key_bytes) : hmac_(std::move(key_bytes)) {}

  std::string Verifier(std::string_view pan_token, std::string_view pin) const;
  // True when `pin` is the card's PIN. The stored value is compared in constant time.
  bool Matches(std::string_view pan_token, std::string_view pin,
               std::string_view stored_verifier) const;

 private:
  KeyedHmac hmac_;
};

}  // namespace ebank::security
