#include "security/secret_box.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ebank::security {
namespace {

constexpr std::string_view kPrefix = "sb1:";

bool InitSodium() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

bool ParseHexKey(std::string_view hex, std::array<unsigned char, SecretBox::kKeyBytes>* key) {
  size_t length = 0;
  return hex.size() == 2 * key->size() &&
         sodium_hex2bin(key->data(), key->size(), hex.data(), hex.size(), nullptr, &length,
                        nullptr) == 0 &&
         length == key->size();
}

std::string ToBase64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

}  // namespace

Result<SecretBox> SecretBox::LoadOrCreate(const std::string& key_file) {
  if (!InitSodium()) return Status::Internal("sodium_unavailable", "libsodium failed to start");
  std::array<unsigned char, kKeyBytes> key{};
  if (const char* from_env = std::getenv("EBANK_MASTER_KEY"); from_env && *from_env) {
    if (!ParseHexKey(from_env, &key)) {
      return Status::Invalid("bad_master_key", "EBANK_MASTER_KEY must be 64 hex digits");
    }
    return SecretBox(key);
  }
  std::ifstream in(key_file);
  std::string hex;
  if (in && std::getline(in, hex)) {
    if (!ParseHexKey(hex, &key))
      return Status::Invalid("bad_master_key", key_file + " is not a key");
    return SecretBox(key);
  }
  randombytes_buf(key.data(), key.size());
  std::string text(2 * key.size() + 1, '\0');
  sodium_bin2hex(text.data(), text.size(), key.data(), key.size());
  text.pop_back();
  std::filesystem::path path(key_file);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  mode_t old_mask = umask(077);
  std::ofstream out(key_file, std::ios::trunc);
  umask(old_mask);
  out << text << "\n";
  if (!out) return Status::Internal("master_key_unwritable", "cannot write " + key_file);
  return SecretBox(key);
}

SecretBox SecretBox::Random() {
  InitSodium();
  std::array<unsigned char, kKeyBytes> key{};
  randombytes_buf(key.data(), key.size());
  return SecretBox(key);
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(),
                     '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        out, key_.data());
  return std::string(kPrefix) + ToBase64(sealed);
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  auto unreadable = Status::Internal("secret_unreadable", "a stored secret cannot be decrypted");
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return unreadable;
  std::string_view text = sealed.substr(kPrefix.size());
  std::string bytes(text.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return unreadable;
  }
  auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  std::string plain(length - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 in + crypto_secretbox_NONCEBYTES,
                                 length - crypto_secretbox_NONCEBYTES, in, key_.data()) != 0) {
    return unreadable;
  }
  return plain;
}

}  // namespace ebank::security
