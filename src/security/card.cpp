#include "security/card.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include <array>
#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>

#include "core/hash.h"
#include "security/constant_time.h"

namespace ebank::security {
namespace {

// A PIN field (format 0's whole block, format 4's first half) is 16 nibbles: control, PIN
// length, then the PIN and fill.
constexpr size_t kPinFieldNibbles = 16;
constexpr size_t kPinFieldHeaderNibbles = 2;
constexpr unsigned kFormat0Control = 0x0;
constexpr unsigned kFormat0Fill = 0xf;
constexpr unsigned kFormat4Control = 0x4;
constexpr unsigned kFormat4Fill = 0xa;
// Format 0's PAN field holds this many digits, right-aligned; format 4's PAN field counts
// the PAN's digits beyond this many in its first nibble.
constexpr size_t kPanFieldDigits = 12;
constexpr std::string_view kPanTokenPrefix = "pan:";
constexpr std::string_view kPinVerifierSeparator = ":";

void Wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

int HexValue(char hex) {
  if (hex >= '0' && hex <= '9') return hex - '0';
  if (hex >= 'A' && hex <= 'F') return hex - 'A' + 10;
  if (hex >= 'a' && hex <= 'f') return hex - 'a' + 10;
  return -1;
}

unsigned GetNibble(std::string_view bytes, size_t index) {
  auto byte = static_cast<unsigned char>(bytes[index / 2]);
  return index % 2 == 0 ? byte >> 4 : byte & 0xfu;
}

void SetNibble(std::string& bytes, size_t index, unsigned value) {
  auto byte = static_cast<unsigned char>(bytes[index / 2]);
  byte = index % 2 == 0 ? static_cast<unsigned char>((byte & 0x0f) | value << 4)
                        : static_cast<unsigned char>((byte & 0xf0) | value);
  bytes[index / 2] = static_cast<char>(byte);
}

// `a` xor `b` into `a`. REQUIRES: a.size() == b.size().
void XorInto(std::string& a, std::string_view b) {
  assert(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = static_cast<char>(a[i] ^ b[i]);
}

// Hex of either case to bytes; false for odd lengths and other characters. The output is
// reserved up front so that no reallocation leaves a copy of a key behind unwiped.
bool DecodeHex(std::string_view hex, std::string* out) {
  out->clear();
  if (hex.size() % 2 != 0) return false;
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = HexValue(hex[i]), low = HexValue(hex[i + 1]);
    if (high < 0 || low < 0) {
      Wipe(*out);
      return false;
    }
    out->push_back(static_cast<char>(high << 4 | low));
  }
  return true;
}

Status CheckPin(std::string_view pin) {
  if (pin.size() < kPinDigitsMin || pin.size() > kPinDigitsMax || !AllDigits(pin)) {
    return Status::Invalid("invalid_pin", "a PIN is 4 to 12 digits");
  }
  return Status::Ok();
}

// A PAN as the PIN block formats need it: 13 to 19 digits. The check digit is the caller's
// business; a PIN block is built for whatever number the card carries.
Status CheckPanDigits(std::string_view pan) {
  if (pan.size() < kPanDigitsMin || pan.size() > kPanDigitsMax || !AllDigits(pan)) {
    return Status::Invalid("pan_malformed", "a card number is 13 to 19 digits");
  }
  return Status::Ok();
}

Status PinBlockRefused() {
  return Status::Invalid("pin_block_format", "not a well-formed PIN block");
}

// The 8-byte PIN field of formats 0 and 4. REQUIRES: CheckPin(pin) is OK.
std::string PinField(std::string_view pin, unsigned control, unsigned fill) {
  std::string field(kPinBlockBytes, '\0');
  SetNibble(field, 0, control);
  SetNibble(field, 1, static_cast<unsigned>(pin.size()));
  for (size_t i = kPinFieldHeaderNibbles; i < kPinFieldNibbles; ++i) {
    size_t digit = i - kPinFieldHeaderNibbles;
    SetNibble(field, i, digit < pin.size() ? static_cast<unsigned>(pin[digit] - '0') : fill);
  }
  return field;
}

// The PIN in an 8-byte PIN field of formats 0 and 4, or "pin_block_format".
Result<std::string> PinFromField(std::string_view field, unsigned control, unsigned fill) {
  size_t length = GetNibble(field, 1);
  if (GetNibble(field, 0) != control || length < kPinDigitsMin || length > kPinDigitsMax) {
    return PinBlockRefused();
  }
  std::string pin;
  pin.reserve(kPinDigitsMax);
  for (size_t i = kPinFieldHeaderNibbles; i < kPinFieldNibbles; ++i) {
    size_t digit = i - kPinFieldHeaderNibbles;
    unsigned nibble = GetNibble(field, i);
    if (digit < length ? nibble > 9 : nibble != fill) {
      Wipe(pin);
      return PinBlockRefused();
    }
    if (digit < length) pin.push_back(static_cast<char>('0' + nibble));
  }
  return pin;
}

// Format 0's PAN field: four zero nibbles, then the 12 rightmost digits but the check digit.
// REQUIRES: CheckPanDigits(pan) is OK.
std::string PanFieldFormat0(std::string_view pan) {
  std::string_view digits = pan.substr(pan.size() - 1 - kPanFieldDigits, kPanFieldDigits);
  std::string field(kPinBlockBytes, '\0');
  size_t first = 2 * kPinBlockBytes - kPanFieldDigits;
  for (size_t i = 0; i < digits.size(); ++i)
    SetNibble(field, first + i, static_cast<unsigned>(digits[i] - '0'));
  return field;
}

// Format 4's PAN field: the number of PAN digits beyond 12, then the whole PAN, then zeros.
// (ISO 9564-1 also pads PANs shorter than 12 digits; ours are 13 to 19.)
// REQUIRES: CheckPanDigits(pan) is OK.
std::string PanFieldFormat4(std::string_view pan) {
  std::string field(kPinBlockAesBytes, '\0');
  SetNibble(field, 0, static_cast<unsigned>(pan.size() - kPanFieldDigits));
  for (size_t i = 0; i < pan.size(); ++i)
    SetNibble(field, 1 + i, static_cast<unsigned>(pan[i] - '0'));
  return field;
}

}  // namespace

bool LuhnValid(std::string_view pan) {
  if (pan.size() < kPanDigitsMin || pan.size() > kPanDigitsMax || !AllDigits(pan)) return false;
  return LuhnCheckDigit(pan.substr(0, pan.size() - 1)) == pan.back();
}

char LuhnCheckDigit(std::string_view pan_without_check) {
  // From the right, every second digit, starting with the one that will stand next to the
  // check digit, is doubled, and 9 taken off a double of two digits.
  int sum = 0;
  bool doubled = true;
  for (size_t i = pan_without_check.size(); i-- > 0; doubled = !doubled) {
    assert(pan_without_check[i] >= '0' && pan_without_check[i] <= '9');
    int value = pan_without_check[i] - '0';
    if (doubled) value = value * 2 > 9 ? value * 2 - 9 : value * 2;
    sum += value;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

Status CheckPan(std::string_view pan) {
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  if (!LuhnValid(pan)) {
    return Status::Invalid("pan_check_digit", "the card number's check digit is wrong");
  }
  return Status::Ok();
}

std::string MaskPan(std::string_view pan) {
  constexpr size_t kShownFirst = 6, kShownLast = 4;
  if (pan.size() < kPanDigitsMin) return std::string(pan.size(), '*');
  return std::string(pan.substr(0, kShownFirst)) +
         std::string(pan.size() - kShownFirst - kShownLast, '*') +
         std::string(pan.substr(pan.size() - kShownLast));
}

std::string_view PanLastFour(std::string_view pan) {
  return pan.size() < 4 ? pan : pan.substr(pan.size() - 4);
}

std::string MakePan(std::string_view bin_and_account_digits) {
  return std::string(bin_and_account_digits) + LuhnCheckDigit(bin_and_account_digits);
}

KeyedHmac::KeyedHmac(std::string key_bytes) {
  assert(key_bytes.size() >= kCardKeyBytesMin);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key_bytes.data()),
                              key_bytes.size());
  keyed_state_.assign(reinterpret_cast<const char*>(&state), sizeof state);
  sodium_memzero(&state, sizeof state);
  Wipe(key_bytes);
}

KeyedHmac::~KeyedHmac() {
  Wipe(keyed_state_);
}

std::string KeyedHmac::Hex(std::initializer_list<std::string_view> parts) const {
  crypto_auth_hmacsha256_state state;
  std::memcpy(&state, keyed_state_.data(), sizeof state);
  for (std::string_view part : parts) {
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  }
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string PanTokenizer::Token(std::string_view pan) const {
  return hmac_.Hex({kPanTokenPrefix, pan});
}

Result<std::string> PinBlockFormat0(std::string_view pin, std::string_view pan) {
  EBANK_RETURN_IF_ERROR(CheckPin(pin));
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  std::string block = PinField(pin, kFormat0Control, kFormat0Fill);
  XorInto(block, PanFieldFormat0(pan));
  return block;
}

Result<std::string> PinFromFormat0(std::string_view clear_block, std::string_view pan) {
  if (clear_block.size() != kPinBlockBytes) return PinBlockRefused();
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  std::string field(clear_block);
  XorInto(field, PanFieldFormat0(pan));
  auto pin = PinFromField(field, kFormat0Control, kFormat0Fill);
  Wipe(field);
  return pin;
}

Result<PinKey> PinKey::FromHex(std::string_view hex, Algorithm algorithm) {
  std::string key;
  if (!DecodeHex(hex, &key)) return Status::Invalid("invalid_pin_key", "a PIN key is hex");
  bool sized = algorithm == Algorithm::kTdes
                   ? key.size() == 16 || key.size() == 24
                   : key.size() == 16 || key.size() == 24 || key.size() == 32;
  if (!sized) {
    Wipe(key);
    return Status::Invalid("invalid_pin_key",
                           "a TDES PIN key is 16 or 24 bytes, an AES one 16, 24 or 32");
  }
  return PinKey(std::move(key), algorithm);
}

// One encrypting and one decrypting context with the key schedule computed, which Crypt
// copies: keying a TDES context at every PIN block computed three DES key schedules.
// Freeing a context wipes its key schedule.
struct PinKey::Keyed {
  Keyed() = default;
  Keyed(const Keyed&) = delete;
  Keyed& operator=(const Keyed&) = delete;
  ~Keyed() {
    EVP_CIPHER_CTX_free(encrypt);
    EVP_CIPHER_CTX_free(decrypt);
  }
  EVP_CIPHER_CTX* encrypt = nullptr;
  EVP_CIPHER_CTX* decrypt = nullptr;
};

PinKey::PinKey(std::string key, Algorithm algorithm) : algorithm_(algorithm) {
  // TDES (DES-EDE and DES-EDE3) and AES in ECB mode are in OpenSSL 3's default provider.
  // Fetched once: given EVP_des_ede3_ecb() and the like, OpenSSL 3 fetches the algorithm
  // again at every init, under a lock all threads share.
  static EVP_CIPHER* const kTdes2 = EVP_CIPHER_fetch(nullptr, "DES-EDE-ECB", nullptr);
  static EVP_CIPHER* const kTdes3 = EVP_CIPHER_fetch(nullptr, "DES-EDE3-ECB", nullptr);
  static EVP_CIPHER* const kAes128 = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  static EVP_CIPHER* const kAes192 = EVP_CIPHER_fetch(nullptr, "AES-192-ECB", nullptr);
  static EVP_CIPHER* const kAes256 = EVP_CIPHER_fetch(nullptr, "AES-256-ECB", nullptr);
  const EVP_CIPHER* cipher = nullptr;
  if (algorithm_ == Algorithm::kTdes) {
    cipher = key.size() == 16 ? kTdes2 : kTdes3;
  } else if (key.size() == 16) {
    cipher = kAes128;
  } else {
    cipher = key.size() == 24 ? kAes192 : kAes256;
  }
  auto keyed = std::make_shared<Keyed>();
  keyed->encrypt = EVP_CIPHER_CTX_new();
  keyed->decrypt = EVP_CIPHER_CTX_new();
  const auto* bytes = reinterpret_cast<const unsigned char*>(key.data());
  bool ok = cipher != nullptr && keyed->encrypt != nullptr && keyed->decrypt != nullptr;
  for (EVP_CIPHER_CTX* context : {keyed->encrypt, keyed->decrypt}) {
    ok = ok &&
         EVP_CipherInit_ex(context, cipher, nullptr, bytes, nullptr,
                           context == keyed->encrypt ? 1 : 0) == 1 &&
         EVP_CIPHER_CTX_set_padding(context, 0) == 1;
  }
  Wipe(key);  // From here on only the contexts hold it.
  // Left empty if OpenSSL failed: every Crypt then says "cipher_failed".
  if (ok) keyed_ = std::move(keyed);
}

size_t PinKey::block_bytes() const {
  return algorithm_ == Algorithm::kTdes ? kPinBlockBytes : kPinBlockAesBytes;
}

Result<std::string> PinKey::Crypt(std::string_view block, bool encrypt) const {
  if (block.size() != block_bytes()) {
    return Status::Invalid("pin_block_format",
                           "a PIN block is " + std::to_string(block_bytes()) + " bytes");
  }
  const EVP_CIPHER_CTX* keyed =
      keyed_ == nullptr ? nullptr : (encrypt ? keyed_->encrypt : keyed_->decrypt);
  // A copy of the keyed context; freeing it also wipes its key schedule.
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(),
                                                                          EVP_CIPHER_CTX_free);
  // Room for the one block and, though padding is off, the final block OpenSSL may write.
  std::string out(2 * block.size(), '\0');
  auto* out_bytes = reinterpret_cast<unsigned char*>(out.data());
  int written = 0, final_written = 0;
  bool ok = context != nullptr && keyed != nullptr &&
            EVP_CIPHER_CTX_copy(context.get(), keyed) == 1 &&
            EVP_CipherUpdate(context.get(), out_bytes, &written,
                             reinterpret_cast<const unsigned char*>(block.data()),
                             static_cast<int>(block.size())) == 1 &&
            EVP_CipherFinal_ex(context.get(), out_bytes + written, &final_written) == 1 &&
            static_cast<size_t>(written + final_written) == block.size();
  if (!ok) {
    Wipe(out);
    return Status::Internal("cipher_failed", "the PIN key's cipher failed");
  }
  out.resize(block.size());
  return out;
}

Result<std::string> PinKey::EncryptBlock(std::string_view block) const {
  return Crypt(block, true);
}

Result<std::string> PinKey::DecryptBlock(std::string_view block) const {
  return Crypt(block, false);
}

std::string PinKey::CheckValue() const {
  auto encrypted = Crypt(std::string(block_bytes(), '\0'), true);
  if (!encrypted.ok()) return "";
  std::string hex = HexEncode(std::string_view(*encrypted).substr(0, kKeyCheckValueDigits / 2));
  for (char& c : hex) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return hex;
}

Result<std::string> PinKey::EncryptPin(std::string_view pin, std::string_view pan) const {
  return EncryptPin(pin, pan, SystemRandom::Instance());
}

Result<std::string> PinKey::EncryptPin(std::string_view pin, std::string_view pan,
                                       RandomSource& random) const {
  if (algorithm_ == Algorithm::kAes) return EncryptFormat4(pin, pan, random);
  auto clear = PinBlockFormat0(pin, pan);
  if (!clear.ok()) return clear.status();
  auto encrypted = EncryptBlock(*clear);
  Wipe(*clear);
  return encrypted;
}

Result<std::string> PinKey::DecryptPin(std::string_view encrypted_block,
                                       std::string_view pan) const {
  if (algorithm_ == Algorithm::kAes) return DecryptFormat4(encrypted_block, pan);
  auto clear = DecryptBlock(encrypted_block);
  if (!clear.ok()) return clear.status();
  auto pin = PinFromFormat0(*clear, pan);
  Wipe(*clear);
  return pin;
}

// ISO 9564-1:2017 format 4 encipherment: block A = E(PIN field), block B = A xor PAN field,
// the PIN block = E(B).
Result<std::string> PinKey::EncryptFormat4(std::string_view pin, std::string_view pan,
                                           RandomSource& random) const {
  EBANK_RETURN_IF_ERROR(CheckPin(pin));
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  std::string field = PinField(pin, kFormat4Control, kFormat4Fill);
  field.resize(kPinBlockAesBytes);
  auto* random_half = reinterpret_cast<uint8_t*>(field.data()) + kPinBlockBytes;
  random.Fill(std::span<uint8_t>(random_half, kPinBlockAesBytes - kPinBlockBytes));
  auto intermediate = EncryptBlock(field);
  Wipe(field);
  if (!intermediate.ok()) return intermediate.status();
  XorInto(*intermediate, PanFieldFormat4(pan));
  auto encrypted = EncryptBlock(*intermediate);
  Wipe(*intermediate);
  return encrypted;
}

// Format 4 decipherment, the encipherment backwards: B = D(PIN block), A = B xor PAN field,
// the PIN field = D(A). Its second half is random and not checked.
Result<std::string> PinKey::DecryptFormat4(std::string_view encrypted_block,
                                           std::string_view pan) const {
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  auto intermediate = DecryptBlock(encrypted_block);
  if (!intermediate.ok()) return intermediate.status();
  XorInto(*intermediate, PanFieldFormat4(pan));
  auto field = DecryptBlock(*intermediate);
  Wipe(*intermediate);
  if (!field.ok()) return field.status();
  auto pin = PinFromField(std::string_view(*field).substr(0, kPinBlockBytes), kFormat4Control,
                          kFormat4Fill);
  Wipe(*field);
  return pin;
}

std::string PinVerifier::Verifier(std::string_view pan_token, std::string_view pin) const {
  return hmac_.Hex({pan_token, kPinVerifierSeparator, pin});
}

bool PinVerifier::Matches(std::string_view pan_token, std::string_view pin,
                          std::string_view stored_verifier) const {
  return ConstantTimeEquals(Verifier(pan_token, pin), stored_verifier);
}

}  // namespace ebank::security
