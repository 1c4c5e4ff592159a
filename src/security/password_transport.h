// Password input protection (SPEC SEC-9): the login page encrypts the password with the
// bank's public key before it leaves the browser, as banks' "password controls" do, but with
// standard cryptography a browser has built in (WebCrypto RSA-OAEP with SHA-256).
//
// The server keeps one RSA-2048 key pair. GET /api/v1/sessions/password-key hands out the
// public key with a fresh nonce; the page encrypts the JSON text
//   {"password":"…","nonce":"…"}
// and sends the ciphertext instead of the password. The nonce is the server's own (an HMAC
// under a key derived from the private key proves it, and its expiry), so a ciphertext
// captured on the wire is useless after kNonceLifetimeMs, and it is usable once: this object
// remembers the nonces it has accepted until they expire.
//
// The memory of used nonces is per process. Several server processes sharing one key file
// all accept each other's nonces, and each would accept a captured ciphertext once within its
// lifetime; a shared table would close that gap.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/clock.h"
#include "core/status.h"
#include "security/random.h"

namespace ebank::security {

// What the page needs to encrypt one password.
struct PasswordKeyOffer {
  std::string key_id;       // 16 hex digits of SHA-256 over the public key's DER.
  std::string spki_base64;  // SubjectPublicKeyInfo, DER, standard base64.
  std::string algorithm;    // Always "RSA-OAEP-256": OAEP and MGF1 both with SHA-256.
  std::string nonce;        // To put in the encrypted JSON; usable once.
  int64_t nonce_expires_at_ms = 0;
};

// Thread-safe.
class PasswordTransport {
 public:
  static constexpr int kKeyBits = 2048;
  static constexpr int64_t kNonceLifetimeMs = 5 * 60 * 1000;
  // At most this many accepted nonces are remembered; past it (an attack, or a login rate
  // far beyond one bank's), logins with encrypted passwords answer "retry later".
  static constexpr size_t kUsedNoncesMax = 200'000;
  // The longest base64 ciphertext accepted: one RSA-2048 block is 344 characters.
  static constexpr size_t kCiphertextBase64Max = 512;
  static constexpr std::string_view kAlgorithm = "RSA-OAEP-256";

  // The key pair in `key_file` (PKCS#8 PEM), created (mode 0600) when it does not exist.
  static Result<std::unique_ptr<PasswordTransport>> LoadOrCreate(const std::string& key_file,
                                                                 const Clock& clock,
                                                                 RandomSource& random);
  // A new key pair kept only in memory, for tests.
  static Result<std::unique_ptr<PasswordTransport>> Generate(const Clock& clock,
                                                             RandomSource& random);

  ~PasswordTransport();
  PasswordTransport(const PasswordTransport&) = delete;
  PasswordTransport& operator=(const PasswordTransport&) = delete;

  // The public key and a fresh nonce.
  PasswordKeyOffer Offer();

  // The password in `ciphertext_base64`, encrypted under key `key_id`. Refuses, as
  // kInvalid with a distinct reason, each of: another key ("password_key_unknown"), a
  // ciphertext that does not decrypt to the expected JSON ("password_undecryptable"), a
  // nonce this server did not issue ("password_nonce_invalid"), an expired one
  // ("password_nonce_expired") and one already used ("password_nonce_reused"). A refusal
  // says nothing about the password itself.
  Result<std::string> Open(std::string_view key_id, std::string_view ciphertext_base64);

  const std::string& key_id() const { return key_id_; }
  // The public key as DER SubjectPublicKeyInfo.
  const std::string& spki_der() const { return spki_der_; }

 private:
  PasswordTransport(EVP_PKEY* key, const Clock& clock, RandomSource& random);
  Status AcceptNonce(std::string_view nonce);

  EVP_PKEY* key_;  // Owned.
  const Clock& clock_;
  std::string spki_der_;
  std::string key_id_;
  std::string nonce_key_;  // HMAC-SHA256 key for nonces, derived from the private key.

  std::mutex mutex_;
  RandomSource& random_;                                // GUARDED_BY(mutex_): sources need not be
                                                        // thread-safe.
  std::unordered_set<std::string> used_nonces_;         // GUARDED_BY(mutex_)
  std::multimap<int64_t, std::string> used_by_expiry_;  // GUARDED_BY(mutex_)
};

// Encrypts `password` with `nonce` under the public key `spki_der` exactly as the web page
// does with WebCrypto (RSA-OAEP, SHA-256 for OAEP and MGF1); standard base64. For tests and
// for API clients that want to send an encrypted password too.
Result<std::string> EncryptPasswordForTransport(std::string_view spki_der,
                                                std::string_view password, std::string_view nonce);

}  // namespace ebank::security
