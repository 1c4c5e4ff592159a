// Encryption of secrets at rest (TOTP seeds, password cards): libsodium's secretbox
// (XSalsa20-Poly1305) under one master key. A database dump alone then reveals no secret.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::security {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;

  // The key in EBANK_MASTER_KEY (64 hex digits) or in `key_file`, created with a new random
  // key (mode 0600) when neither exists.
  static Result<SecretBox> LoadOrCreate(const std::string& key_file);
  static SecretBox FromKey(const std::array<unsigned char, kKeyBytes>& key) {
    return SecretBox(key);
  }
  // A box with a random key, for tests.
  static SecretBox Random();

  // "sb1:" + base64url(nonce || ciphertext).
  std::string Seal(std::string_view plaintext) const;
  // Refuses anything not sealed by this key ("secret_unreadable").
  Result<std::string> Open(std::string_view sealed) const;

 private:
  explicit SecretBox(const std::array<unsigned char, kKeyBytes>& key) : key_(key) {}
  std::array<unsigned char, kKeyBytes> key_;
};

}  // namespace ebank::security
