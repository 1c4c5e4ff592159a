#include "core/hash.h"

#include <openssl/evp.h>

#include <cassert>
#include <memory>

namespace ebank {

Digest Sha256(std::string_view data) {
  return Sha256(data, {});
}

Digest Sha256(std::string_view first, std::string_view second) {
  // Fetched once and one context a thread: given EVP_sha256(), OpenSSL 3 fetches the
  // algorithm again at every init, under a lock all threads share.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), EVP_MD_CTX_free);
  assert(kSha256 != nullptr && context != nullptr);
  Digest digest;
  unsigned int size = 0;
  bool ok = EVP_DigestInit_ex2(context.get(), kSha256, nullptr) == 1 &&
            EVP_DigestUpdate(context.get(), first.data(), first.size()) == 1 &&
            EVP_DigestUpdate(context.get(), second.data(), second.size()) == 1 &&
            EVP_DigestFinal_ex(context.get(), digest.data(), &size) == 1;
  assert(ok && size == digest.size());
  (void)ok;
  return digest;
}

std::string ToHex(const Digest& digest) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

std::string Base64Encode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                  reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()));
  return text;
}

bool Base64Decode(std::string_view text, std::string* bytes) {
  if (text.empty() || text.size() % 4 != 0) return false;
  std::string out(3 * text.size() / 4, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  if (length < 0) return false;
  size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  out.resize(static_cast<size_t>(length) - padding);
  *bytes = std::move(out);
  return true;
}

bool HexDecode(std::string_view hex, std::string* bytes) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = nibble(hex[i]);
    int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high << 4 | low);
  }
  *bytes = std::move(out);
  return true;
}

bool FromHex(std::string_view hex, Digest* digest) {
  if (hex.size() != digest->size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < digest->size(); ++i) {
    int high = nibble(hex[2 * i]);
    int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*digest)[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

}  // namespace ebank
