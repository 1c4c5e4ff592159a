#include "security/card.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <memory>

#include "core/hash.h"
#include "security/constant_time.h"

namespace ebank::security {
namespace {

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

int Nibble(char hex) {
  if (hex >= '0' && hex <= '9') return hex - '0';
  if (hex >= 'A' && hex <= 'F') return hex - 'A' + 10;
  if (hex >= 'a' && hex <= 'f') return hex - 'a' + 10;
  return -1;
}

// Hex (either case) to bytes; false for odd lengths and other characters.
bool DecodeHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = Nibble(hex[i]), low = Nibble(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out->push_back(static_cast<char>(high << 4 | low));
  }
  return true;
}

std::string HmacHex(const std::string& key, std::string_view first, std::string_view second) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  std::string message;
  message.reserve(first.size() + second.size());
  message.append(first).append(second);
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  OPENSSL_cleanse(message.data(), message.size());
  std::string hex = HexEncode(std::string_view(reinterpret_cast<char*>(digest), length));
  OPENSSL_cleanse(digest, sizeof digest);
  return hex;
}

// A PAN as format 0 needs it: 13 to 19 digits (the check digit is the caller's business).
Status CheckPanDigits(std::string_view pan) {
  if (pan.size() < kPanDigitsMin || pan.size() > kPanDigitsMax || !AllDigits(pan)) {
    return Status::Invalid("pan_malformed", "a card number is 13 to 19 digits");
  }
  return Status::Ok();
}

// The PAN field of format 0: four zero nibbles and the 12 rightmost digits but the check
// digit, as 8 bytes.
std::string PanField(std::string_view pan) {
  std::string_view digits = pan.substr(pan.size() - 13, 12);
  std::string field(8, '\0');
  for (size_t i = 0; i < 12; ++i) {
    size_t nibble = i + 4;
    int value = digits[i] - '0';
    field[nibble / 2] = static_cast<char>(field[nibble / 2] | (nibble % 2 ? value : value << 4));
  }
  return field;
}

}  // namespace

bool LuhnValid(std::string_view pan) {
  if (pan.size() < kPanDigitsMin || pan.size() > kPanDigitsMax || !AllDigits(pan)) return false;
  return LuhnCheckDigit(pan.substr(0, pan.size() - 1)) == pan.back();
}

char LuhnCheckDigit(std::string_view digits) {
  // From the right, every second digit (starting with the one next to the check digit) is
  // doubled, and 9 taken off when the double has two digits.
  int sum = 0;
  bool twice = true;
  for (size_t i = digits.size(); i-- > 0; twice = !twice) {
    assert(digits[i] >= '0' && digits[i] <= '9');
    int value = digits[i] - '0';
    if (twice) value = value * 2 > 9 ? value * 2 - 9 : value * 2;
    sum += value;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

Status CheckPan(std::string_view pan) {
  if (pan.size() < kPanDigitsMin || pan.size() > kPanDigitsMax || !AllDigits(pan)) {
    return Status::Invalid("pan_malformed", "a card number is 13 to 19 digits");
  }
  if (!LuhnValid(pan)) return Status::Invalid("pan_check_digit", "the card number's check digit is wrong");
  return Status::Ok();
}

std::string MaskPan(std::string_view pan) {
  if (pan.size() < 10) return std::string(pan.size(), '*');
  return std::string(pan.substr(0, 6)) + std::string(pan.size() - 10, '*') +
         std::string(pan.substr(pan.size() - 4));
}

std::string_view PanLastFour(std::string_view pan) {
  return pan.size() < 4 ? pan : pan.substr(pan.size() - 4);
}

std::string MakePan(std::string_view digits) {
  return std::string(digits) + LuhnCheckDigit(digits);
}

PanTokenizer::PanTokenizer(std::string key_bytes) : key_(std::move(key_bytes)) {
  assert(key_.size() >= kCardKeyBytesMin);
}
PanTokenizer::~PanTokenizer() { OPENSSL_cleanse(key_.data(), key_.size()); }
std::string PanTokenizer::Token(std::string_view pan) const { return HmacHex(key_, "pan:", pan); }

Result<std::string> PinBlockFormat0(std::string_view pin, std::string_view pan) {
  if (pin.size() < kPinDigitsMin || pin.size() > kPinDigitsMax || !AllDigits(pin)) {
    return Status::Invalid("invalid_pin", "a PIN is 4 to 12 digits");
  }
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  // PIN field: control 0, length, the digits, filler F.
  std::string nibbles = "0";
  nibbles += static_cast<char>(pin.size() < 10 ? '0' + pin.size() : 'A' + pin.size() - 10);
  nibbles.append(pin);
  nibbles.resize(16, 'F');
  std::string block;
  DecodeHex(nibbles, &block);
  OPENSSL_cleanse(nibbles.data(), nibbles.size());
  std::string pan_field = PanField(pan);
  for (size_t i = 0; i < kPinBlockBytes; ++i)
    block[i] = static_cast<char>(block[i] ^ pan_field[i]);
  return block;
}

Result<std::string> PinFromFormat0(std::string_view clear_block, std::string_view pan) {
  if (clear_block.size() != kPinBlockBytes) {
    return Status::Invalid("pin_block_format", "a PIN block is 8 bytes");
  }
  EBANK_RETURN_IF_ERROR(CheckPanDigits(pan));
  std::string pan_field = PanField(pan);
  std::string nibbles;
  for (size_t i = 0; i < kPinBlockBytes; ++i) {
    auto byte = static_cast<unsigned char>(clear_block[i] ^ pan_field[i]);
    nibbles.push_back(static_cast<char>(byte >> 4));
    nibbles.push_back(static_cast<char>(byte & 0xf));
  }
  Status refused = Status::Invalid("pin_block_format", "not a format 0 PIN block");
  size_t length = static_cast<size_t>(nibbles[1]);
  if (nibbles[0] != 0 || length < kPinDigitsMin || length > kPinDigitsMax) return refused;
  std::string pin;
  for (size_t i = 0; i < 14; ++i) {
    int nibble = nibbles[2 + i];
    if (i < length ? nibble > 9 : nibble != 0xf) {
      OPENSSL_cleanse(pin.data(), pin.size());
      return refused;
    }
    if (i < length) pin.push_back(static_cast<char>('0' + nibble));
  }
  OPENSSL_cleanse(nibbles.data(), nibbles.size());
  return pin;
}

Result<PinKey> PinKey::FromHex(std::string_view hex, Algorithm algorithm) {
  std::string key;
  if (!DecodeHex(hex, &key)) return Status::Invalid("invalid_pin_key", "a PIN key is hex");
  bool sized = algorithm == Algorithm::kTdes
                   ? key.size() == 16 || key.size() == 24
                   : key.size() == 16 || key.size() == 24 || key.size() == 32;
  if (!sized) {
    OPENSSL_cleanse(key.data(), key.size());
    return Status::Invalid("invalid_pin_key",
                           "a TDES PIN key is 16 or 24 bytes, an AES one 16, 24 or 32");
  }
  return PinKey(std::move(key), algorithm);
}

PinKey::~PinKey() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<std::string> PinKey::Crypt(std::string_view block, bool encrypt) const {
  size_t block_bytes = algorithm_ == Algorithm::kTdes ? kPinBlockBytes : kPinBlockAesBytes;
  if (block.size() != block_bytes) {
    return Status::Invalid("pin_block_format", "a PIN block is one cipher block");
  }
  const EVP_CIPHER* cipher = nullptr;
  if (algorithm_ == Algorithm::kTdes) {
    cipher = key_.size() == 16 ? EVP_des_ede_ecb() : EVP_des_ede3_ecb();
  } else {
    cipher = key_.size() == 16 ? EVP_aes_128_ecb()
                               : key_.size() == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> context(EVP_CIPHER_CTX_new(),
                                                                         EVP_CIPHER_CTX_free);
  std::string out(block_bytes + 16, '\0');
  int written = 0, final_written = 0;
  bool ok = context &&
            EVP_CipherInit_ex(context.get(), cipher, nullptr,
                              reinterpret_cast<const unsigned char*>(key_.data()), nullptr,
                              encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_set_padding(context.get(), 0) == 1 &&
            EVP_CipherUpdate(context.get(), reinterpret_cast<unsigned char*>(out.data()), &written,
                             reinterpret_cast<const unsigned char*>(block.data()),
                             static_cast<int>(block.size())) == 1 &&
            EVP_CipherFinal_ex(context.get(), reinterpret_cast<unsigned char*>(out.data()) + written,
                               &final_written) == 1;
  if (!ok) return Status::Internal("cipher_failed", "the PIN key's cipher failed");
  out.resize(static_cast<size_t>(written + final_written));
  return out;
}

Result<std::string> PinKey::EncryptBlock(std::string_view block) const { return Crypt(block, true); }
Result<std::string> PinKey::DecryptBlock(std::string_view block) const {
  return Crypt(block, false);
}

std::string PinKey::CheckValue() const {
  size_t block_bytes = algorithm_ == Algorithm::kTdes ? kPinBlockBytes : kPinBlockAesBytes;
  auto encrypted = Crypt(std::string(block_bytes, '\0'), true);
  if (!encrypted.ok()) return "";
  std::string hex = HexEncode(encrypted->substr(0, 3));
  for (char& c : hex)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

Result<std::string> PinKey::EncryptPin(std::string_view pin, std::string_view pan) const {
  if (algorithm_ != Algorithm::kTdes) {
    return Status::Unavailable("format4_unsupported", "format 4 PIN blocks are not built yet");
  }
  auto clear = PinBlockFormat0(pin, pan);
  if (!clear.ok()) return clear.status();
  auto encrypted = EncryptBlock(*clear);
  OPENSSL_cleanse(clear->data(), clear->size());
  return encrypted;
}

Result<std::string> PinKey::DecryptPin(std::string_view encrypted_block,
                                       std::string_view pan) const {
  if (algorithm_ != Algorithm::kTdes) {
    return Status::Unavailable("format4_unsupported", "format 4 PIN blocks are not read yet");
  }
  auto clear = DecryptBlock(encrypted_block);
  if (!clear.ok()) return clear.status();
  auto pin = PinFromFormat0(*clear, pan);
  OPENSSL_cleanse(clear->data(), clear->size());
  return pin;
}

PinVerifier::PinVerifier(std::string key_bytes) : key_(std::move(key_bytes)) {
  assert(key_.size() >= kCardKeyBytesMin);
}
PinVerifier::~PinVerifier() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string PinVerifier::Verifier(std::string_view pan_token, std::string_view pin) const {
  std::string token_part = std::string(pan_token) + ":";
  return HmacHex(key_, token_part, pin);
}

bool PinVerifier::Matches(std::string_view pan_token, std::string_view pin,
                          std::string_view stored_verifier) const {
  return ConstantTimeEquals(Verifier(pan_token, pin), stored_verifier);
}

}  // namespace ebank::security
