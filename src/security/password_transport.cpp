#include "security/password_transport.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/hash.h"
#include "security/constant_time.h"

namespace ebank::security {
namespace {

namespace json = boost::json;

constexpr size_t kNonceRandomBytes = 16;
constexpr size_t kNonceExpiryBytes = 8;
constexpr size_t kNonceTagBytes = 16;  // HMAC-SHA256 truncated to 128 bits.
constexpr size_t kNonceBytes = kNonceRandomBytes + kNonceExpiryBytes + kNonceTagBytes;
constexpr size_t kKeyIdHexDigits = 16;
constexpr std::string_view kNonceKeyLabel = "ebank password transport nonce key v1";

struct PkeyContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, PkeyContextFree>;
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Unpadded base64url (RFC 4648 section 5): the nonce travels inside JSON and logs.
std::string Base64UrlEncode(std::string_view bytes) {
  std::string text = Base64Encode(bytes);
  while (!text.empty() && text.back() == '=')
    text.pop_back();
  for (char& c : text)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

bool Base64UrlDecode(std::string_view text, std::string* bytes) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=') return false;
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (standard.size() % 4 != 0)
    standard += '=';
  return Base64Decode(standard, bytes);
}

std::string NonceTag(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &mac_length);
  return std::string(reinterpret_cast<const char*>(mac), kNonceTagBytes);
}

Status SetOaepSha256(EVP_PKEY_CTX* context) {
  if (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) <= 0) {
    return Status::Internal("crypto_error", "cannot set RSA-OAEP with SHA-256");
  }
  return Status::Ok();
}

Status WritePrivateKey(EVP_PKEY* key, const std::string& key_file) {
  std::filesystem::path path(key_file);
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  mode_t old_mask = umask(077);
  FILE* file = std::fopen(key_file.c_str(), "wx");
  umask(old_mask);
  if (!file) return Status::Internal("password_key_unwritable", "cannot create " + key_file);
  bool written = PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    return Status::Internal("password_key_unwritable", "cannot write " + key_file);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<PasswordTransport>> PasswordTransport::LoadOrCreate(
    const std::string& key_file, const Clock& clock, RandomSource& random) {
  if (FILE* file = std::fopen(key_file.c_str(), "r")) {
    EVP_PKEY* key = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) != kKeyBits) {
      EVP_PKEY_free(key);
      return Status::Invalid("bad_password_key", key_file + " is not an RSA-2048 private key");
    }
    return std::unique_ptr<PasswordTransport>(new PasswordTransport(key, clock, random));
  }
  auto created = Generate(clock, random);
  if (!created.ok()) return created.status();
  EBANK_RETURN_IF_ERROR(WritePrivateKey((*created)->key_, key_file));
  return created;
}

Result<std::unique_ptr<PasswordTransport>> PasswordTransport::Generate(const Clock& clock,
                                                                       RandomSource& random) {
  EVP_PKEY* key = EVP_RSA_gen(kKeyBits);
  if (!key) return Status::Internal("crypto_error", "cannot generate an RSA key");
  return std::unique_ptr<PasswordTransport>(new PasswordTransport(key, clock, random));
}

PasswordTransport::PasswordTransport(EVP_PKEY* key, const Clock& clock, RandomSource& random)
    : key_(key), clock_(clock), random_(random) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key_, &der);
  if (length <= 0) std::abort();  // A key that was just loaded or made always encodes.
  spki_der_.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  key_id_ = ToHex(Sha256(spki_der_)).substr(0, kKeyIdHexDigits);

  unsigned char* private_der = nullptr;
  length = i2d_PrivateKey(key_, &private_der);
  if (length <= 0) std::abort();
  std::string_view private_bytes(reinterpret_cast<const char*>(private_der),
                                 static_cast<size_t>(length));
  // Derived from the private key, so that every process sharing the key file accepts the
  // nonces any of them issued, and none needs another secret file.
  Digest nonce_key = Sha256(kNonceKeyLabel, private_bytes);
  nonce_key_.assign(reinterpret_cast<const char*>(nonce_key.data()), nonce_key.size());
  OPENSSL_clear_free(private_der, static_cast<size_t>(length));
}

PasswordTransport::~PasswordTransport() {
  OPENSSL_cleanse(nonce_key_.data(), nonce_key_.size());
  EVP_PKEY_free(key_);
}

PasswordKeyOffer PasswordTransport::Offer() {
  int64_t expires_at_ms = clock_.NowMs() + kNonceLifetimeMs;
  std::string body(kNonceRandomBytes, '\0');
  {
    std::lock_guard lock(mutex_);
    random_.Fill(std::span(reinterpret_cast<uint8_t*>(body.data()), body.size()));
  }
  for (int shift = 56; shift >= 0; shift -= 8)
    body += static_cast<char>((static_cast<uint64_t>(expires_at_ms) >> shift) & 0xff);
  std::string nonce = body + NonceTag(nonce_key_, body);
  return {key_id_, Base64Encode(spki_der_), std::string(kAlgorithm), Base64UrlEncode(nonce),
          expires_at_ms};
}

Status PasswordTransport::AcceptNonce(std::string_view nonce_text) {
  std::string nonce;
  if (!Base64UrlDecode(nonce_text, &nonce) || nonce.size() != kNonceBytes) {
    return Status::Invalid("password_nonce_invalid", "the nonce was not issued by this bank");
  }
  std::string_view body = std::string_view(nonce).substr(0, kNonceRandomBytes + kNonceExpiryBytes);
  std::string_view tag = std::string_view(nonce).substr(body.size());
  if (!ConstantTimeEquals(tag, NonceTag(nonce_key_, body))) {
    return Status::Invalid("password_nonce_invalid", "the nonce was not issued by this bank");
  }
  uint64_t expiry = 0;
  for (size_t i = kNonceRandomBytes; i < body.size(); ++i)
    expiry = (expiry << 8) | static_cast<unsigned char>(body[i]);
  auto expires_at_ms = static_cast<int64_t>(expiry);
  int64_t now_ms = clock_.NowMs();
  if (expires_at_ms <= now_ms) {
    return Status::Invalid("password_nonce_expired",
                           "the password key has expired; fetch a new one");
  }
  std::string id(body.substr(0, kNonceRandomBytes));
  std::lock_guard lock(mutex_);
  // Forget nonces that have expired: they are refused by their expiry from now on.
  while (!used_by_expiry_.empty() && used_by_expiry_.begin()->first <= now_ms) {
    used_nonces_.erase(used_by_expiry_.begin()->second);
    used_by_expiry_.erase(used_by_expiry_.begin());
  }
  if (used_nonces_.contains(id)) {
    return Status::Invalid("password_nonce_reused", "this encrypted password was already used");
  }
  if (used_nonces_.size() >= kUsedNoncesMax) {
    return Status::Unavailable("too_many_requests", "too many logins at once; try again shortly");
  }
  used_nonces_.insert(id);
  used_by_expiry_.emplace(expires_at_ms, std::move(id));
  return Status::Ok();
}

Result<std::string> PasswordTransport::Open(std::string_view key_id,
                                            std::string_view ciphertext_base64) {
  if (key_id != key_id_) {
    return Status::Invalid("password_key_unknown", "the password was encrypted under another key");
  }
  const Status undecryptable =
      Status::Invalid("password_undecryptable", "the encrypted password cannot be read");
  std::string ciphertext;
  if (ciphertext_base64.size() > kCiphertextBase64Max ||
      !Base64Decode(ciphertext_base64, &ciphertext) ||
      ciphertext.size() != static_cast<size_t>(EVP_PKEY_get_size(key_))) {
    return undecryptable;
  }
  PkeyContext context(EVP_PKEY_CTX_new(key_, nullptr));
  if (!context || EVP_PKEY_decrypt_init(context.get()) <= 0) {
    return Status::Internal("crypto_error", "cannot start RSA decryption");
  }
  EBANK_RETURN_IF_ERROR(SetOaepSha256(context.get()));
  std::string plaintext(ciphertext.size(), '\0');
  size_t length = plaintext.size();
  if (EVP_PKEY_decrypt(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &length,
                       reinterpret_cast<const unsigned char*>(ciphertext.data()),
                       ciphertext.size()) <= 0) {
    return undecryptable;
  }
  plaintext.resize(length);
  boost::system::error_code error;
  json::value parsed = json::parse(plaintext, error);
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  const json::object* fields = parsed.if_object();
  if (error || !fields || fields->size() != 2 || !fields->contains("password") ||
      !fields->contains("nonce") || !fields->at("password").is_string() ||
      !fields->at("nonce").is_string()) {
    return undecryptable;
  }
  EBANK_RETURN_IF_ERROR(AcceptNonce(fields->at("nonce").as_string()));
  return std::string(fields->at("password").as_string());
}

Result<std::string> EncryptPasswordForTransport(std::string_view spki_der,
                                                std::string_view password, std::string_view nonce) {
  const auto* der = reinterpret_cast<const unsigned char*>(spki_der.data());
  Pkey key(d2i_PUBKEY(nullptr, &der, static_cast<long>(spki_der.size())));
  if (!key) return Status::Invalid("bad_public_key", "not a DER SubjectPublicKeyInfo");
  std::string plaintext = json::serialize(json::object{{"password", password}, {"nonce", nonce}});
  PkeyContext context(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!context || EVP_PKEY_encrypt_init(context.get()) <= 0) {
    return Status::Internal("crypto_error", "cannot start RSA encryption");
  }
  EBANK_RETURN_IF_ERROR(SetOaepSha256(context.get()));
  size_t length = 0;
  auto* in = reinterpret_cast<const unsigned char*>(plaintext.data());
  if (EVP_PKEY_encrypt(context.get(), nullptr, &length, in, plaintext.size()) <= 0) {
    return Status::Internal("crypto_error", "cannot size the ciphertext");
  }
  std::string ciphertext(length, '\0');
  int encrypted =
      EVP_PKEY_encrypt(context.get(), reinterpret_cast<unsigned char*>(ciphertext.data()), &length,
                       in, plaintext.size());
  OPENSSL_cleanse(plaintext.data(), plaintext.size());
  if (encrypted <= 0) return Status::Invalid("password_too_long", "too long for one RSA block");
  ciphertext.resize(length);
  return Base64Encode(ciphertext);
}

}  // namespace ebank::security
