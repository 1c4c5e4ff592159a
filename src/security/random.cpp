#include "security/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/hash.h"

namespace ebank::security {
namespace {

// RAND_bytes takes an int; asking in chunks keeps any span size safe.
constexpr size_t kRandBytesChunkMax = 1 << 20;

// RFC 4648 §5 without padding.
std::string Base64UrlEncode(std::span<const uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  text.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t group = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    text += kAlphabet[group >> 18 & 63];
    text += kAlphabet[group >> 12 & 63];
    text += kAlphabet[group >> 6 & 63];
    text += kAlphabet[group & 63];
  }
  size_t left = bytes.size() - i;
  if (left == 1) {
    uint32_t group = uint32_t{bytes[i]} << 16;
    text += kAlphabet[group >> 18 & 63];
    text += kAlphabet[group >> 12 & 63];
  } else if (left == 2) {
    uint32_t group = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8;
    text += kAlphabet[group >> 18 & 63];
    text += kAlphabet[group >> 12 & 63];
    text += kAlphabet[group >> 6 & 63];
  }
  return text;
}

}  // namespace

void SystemRandom::Fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t chunk = std::min(out.size(), kRandBytesChunkMax);
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
      std::fputs("ebank: OpenSSL RAND_bytes failed; refusing to continue without randomness\n",
                 stderr);
      std::abort();
    }
    out = out.subspan(chunk);
  }
}

SystemRandom& SystemRandom::Instance() {
  static SystemRandom instance;
  return instance;
}

void SeededRandom::Fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    // Little-endian on every host, so that a seed gives the same bytes everywhere.
    std::array<char, 16> input;
    for (size_t i = 0; i < 8; ++i) {
      input[i] = static_cast<char>(seed_ >> (8 * i) & 0xff);
      input[8 + i] = static_cast<char>(block_ >> (8 * i) & 0xff);
    }
    ++block_;
    Digest digest = Sha256(std::string_view(input.data(), input.size()));
    size_t chunk = std::min(out.size(), digest.size());
    std::memcpy(out.data(), digest.data(), chunk);
    out = out.subspan(chunk);
  }
}

void ScriptedRandom::Fill(std::span<uint8_t> out) {
  if (out.empty()) return;
  if (out.size() > bytes_left()) {
    std::fputs("ebank: ScriptedRandom ran out of bytes\n", stderr);
    std::abort();
  }
  std::memcpy(out.data(), bytes_.data() + position_, out.size());
  position_ += out.size();
}

void ScriptedRandom::AddDraw(uint32_t draw) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes_ += static_cast<char>(draw >> shift & 0xff);
}

uint32_t RandomBelow(RandomSource& random, uint32_t bound) {
  assert(bound > 0);
  // The largest multiple of `bound` that fits in 2^32; draws at or above it would make
  // the low residues more likely than the high ones.
  uint64_t limit = (uint64_t{1} << 32) - (uint64_t{1} << 32) % bound;
  while (true) {
    std::array<uint8_t, 4> bytes;
    random.Fill(bytes);
    uint32_t draw = uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
                    uint32_t{bytes[3]};
    if (draw < limit) return draw % bound;
  }
}

std::string RandomToken(RandomSource& random, size_t bytes) {
  assert(bytes <= kRandomTokenBytesMax);
  std::vector<uint8_t> raw(bytes);
  random.Fill(raw);
  return Base64UrlEncode(raw);
}

std::string RandomToken(size_t bytes) {
  return RandomToken(SystemRandom::Instance(), bytes);
}

std::string RandomDigits(RandomSource& random, size_t count) {
  assert(count <= kRandomDigitsMax);
  std::string digits;
  digits.reserve(count);
  for (size_t i = 0; i < count; ++i)
    digits += static_cast<char>('0' + RandomBelow(random, 10));
  return digits;
}

std::string RandomDigits(size_t count) {
  return RandomDigits(SystemRandom::Instance(), count);
}

}  // namespace ebank::security
