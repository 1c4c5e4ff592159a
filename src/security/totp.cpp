#include "security/totp.h"

#include <openssl/evp.h>

#include <array>

#include "security/constant_time.h"

namespace ebank::security {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr size_t kBase32BlockChars = 8;
// The longest base32 text Base32Decode reads: a secret of kOtpSecretBytesMax, padded.
// Anything longer is not a secret of ours, and the bound keeps a hostile input cheap.
constexpr size_t kBase32TextMax = (kOtpSecretBytesMax + 4) / 5 * kBase32BlockChars;
constexpr int64_t kMsPerS = 1000;

Status InvalidBase32(std::string_view why) {
  return Status::Invalid("invalid_base32", "base32 text " + std::string(why));
}

std::string_view HashName(OtpHash hash) {
  switch (hash) {
    case OtpHash::kSha1:
      return "SHA1";
    case OtpHash::kSha256:
      return "SHA256";
    case OtpHash::kSha512:
      return "SHA512";
  }
  return "";
}

Status CheckSecret(std::string_view secret) {
  if (secret.size() < kOtpSecretBytesMin || secret.size() > kOtpSecretBytesMax) {
    return Status::Invalid("invalid_otp_secret", "an OTP secret must be " +
                                                     std::to_string(kOtpSecretBytesMin) + " to " +
                                                     std::to_string(kOtpSecretBytesMax) + " bytes");
  }
  return Status::Ok();
}

Status CheckParams(int digits, OtpHash hash) {
  if (digits < kOtpDigitsMin || digits > kOtpDigitsMax) {
    return Status::Invalid("invalid_otp_params", "an OTP must have " +
                                                     std::to_string(kOtpDigitsMin) + " to " +
                                                     std::to_string(kOtpDigitsMax) + " digits");
  }
  if (HashName(hash).empty()) return Status::Invalid("invalid_otp_params", "unknown OTP hash");
  return Status::Ok();
}

// RFC 3986 unreserved characters pass; every other byte, UTF-8 included, becomes %XX.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0xf];
    }
  }
  return encoded;
}

Status CheckOtpauthName(std::string_view name, std::string_view what) {
  if (name.empty() || name.size() > kOtpauthNameBytesMax ||
      name.find(':') != std::string_view::npos) {
    return Status::Invalid("invalid_otpauth_name", std::string(what) + " must be 1 to " +
                                                       std::to_string(kOtpauthNameBytesMax) +
                                                       " bytes without ':'");
  }
  return Status::Ok();
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = buffer << 8 | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += kBase32Alphabet[buffer >> bits & 31];
    }
  }
  if (bits > 0) text += kBase32Alphabet[buffer << (5 - bits) & 31];
  return text;
}

Result<std::string> Base32Decode(std::string_view text) {
  if (text.size() > kBase32TextMax) return InvalidBase32("is too long");
  size_t data_chars = text.find('=');
  if (data_chars == std::string_view::npos) {
    data_chars = text.size();
  } else {
    // Padding, when present, fills the last block exactly and is nothing but '='.
    if (text.size() % kBase32BlockChars != 0 || text.size() - data_chars >= kBase32BlockChars) {
      return InvalidBase32("has wrong padding");
    }
    if (text.find_first_not_of('=', data_chars) != std::string_view::npos) {
      return InvalidBase32("has characters after its padding");
    }
  }
  // Each group of 8 characters holds 5 bytes; a final partial group of 2, 4, 5 or 7
  // characters holds 1 to 4 bytes. Other remainders cannot come from any bytes.
  switch (data_chars % kBase32BlockChars) {
    case 0:
    case 2:
    case 4:
    case 5:
    case 7:
      break;
    default:
      return InvalidBase32("has an impossible length");
  }
  std::string bytes;
  bytes.reserve(data_chars * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text.substr(0, data_chars)) {
    size_t value = kBase32Alphabet.find(c);
    if (value == std::string_view::npos) {
      return InvalidBase32("may contain only A-Z, 2-7 and '=' padding");
    }
    buffer = buffer << 5 | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>(buffer >> bits & 0xff);
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return InvalidBase32("has stray trailing bits");
  return bytes;
}

std::string NewTotpSecret(RandomSource& random) {
  std::array<uint8_t, kTotpSecretBytes> bytes;
  random.Fill(bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Result<std::string> Hotp(std::string_view secret, uint64_t counter, int digits, OtpHash hash) {
  EBANK_RETURN_IF_ERROR(CheckSecret(secret));
  EBANK_RETURN_IF_ERROR(CheckParams(digits, hash));
  std::array<unsigned char, 8> message;
  for (size_t i = 0; i < message.size(); ++i)
    message[i] = static_cast<unsigned char>(counter >> (8 * (message.size() - 1 - i)) & 0xff);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac;
  size_t mac_size = 0;
  std::string hash_name(HashName(hash));
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, hash_name.c_str(), nullptr, secret.data(), secret.size(),
                message.data(), message.size(), mac.data(), mac.size(), &mac_size) == nullptr ||
      mac_size < 20) {
    return Status::Internal("hmac_failed", "OpenSSL could not compute HMAC-" + hash_name);
  }
  // RFC 4226 §5.3 dynamic truncation: 31 bits at an offset chosen by the last nibble.
  size_t offset = mac[mac_size - 1] & 0xf;
  uint32_t binary = uint32_t{mac[offset] & 0x7fu} << 24 | uint32_t{mac[offset + 1]} << 16 |
                    uint32_t{mac[offset + 2]} << 8 | uint32_t{mac[offset + 3]};
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i)
    modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

Result<int64_t> TotpStep(int64_t now_ms, int64_t step_s) {
  if (now_ms < 0) return Status::Invalid("invalid_time", "time is before the Unix epoch");
  if (step_s < 1 || step_s > kTotpStepMaxS) {
    return Status::Invalid("invalid_otp_params",
                           "a TOTP step must be 1 to " + std::to_string(kTotpStepMaxS) + " s");
  }
  return now_ms / kMsPerS / step_s;
}

Result<std::string> Totp(std::string_view secret, int64_t now_ms, const TotpParams& params) {
  auto step = TotpStep(now_ms, params.step_s);
  if (!step.ok()) return step.status();
  return Hotp(secret, static_cast<uint64_t>(*step), params.digits, params.hash);
}

Result<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t now_ms,
                           int64_t last_used_step, const TotpParams& params) {
  auto now_step = TotpStep(now_ms, params.step_s);
  if (!now_step.ok()) return now_step.status();
  EBANK_RETURN_IF_ERROR(CheckSecret(secret));
  EBANK_RETURN_IF_ERROR(CheckParams(params.digits, params.hash));
  bool well_formed = code.size() == static_cast<size_t>(params.digits) &&
                     code.find_first_not_of("0123456789") == std::string_view::npos;
  if (!well_formed) {
    return Status::Invalid("invalid_otp",
                           "a one-time code must be " + std::to_string(params.digits) + " digits");
  }
  // Every candidate is computed and compared, and the earliest fresh match wins, so
  // that the time taken says nothing about which step matched or whether any did.
  int64_t matched_step = kTotpNeverUsed;
  bool replayed = false;
  for (int64_t step = *now_step - kTotpWindowSteps; step <= *now_step + kTotpWindowSteps; ++step) {
    if (step < 0) continue;
    auto expected = Hotp(secret, static_cast<uint64_t>(step), params.digits, params.hash);
    if (!expected.ok()) return expected.status();
    bool equal = ConstantTimeEquals(*expected, code);
    bool fresh = step > last_used_step;
    if (equal && fresh && matched_step == kTotpNeverUsed) matched_step = step;
    if (equal && !fresh) replayed = true;
  }
  if (matched_step != kTotpNeverUsed) return matched_step;
  if (replayed) return Status::Rejected("otp_replayed", "this one-time code was already used");
  return Status::Rejected("wrong_otp", "the one-time code is wrong");
}

Result<std::string> OtpauthUri(std::string_view issuer, std::string_view account,
                               std::string_view secret, const TotpParams& params) {
  EBANK_RETURN_IF_ERROR(CheckOtpauthName(issuer, "issuer"));
  EBANK_RETURN_IF_ERROR(CheckOtpauthName(account, "account"));
  EBANK_RETURN_IF_ERROR(CheckSecret(secret));
  EBANK_RETURN_IF_ERROR(CheckParams(params.digits, params.hash));
  auto step = TotpStep(0, params.step_s);
  if (!step.ok()) return step.status();
  std::string encoded_issuer = PercentEncode(issuer);
  return "otpauth://totp/" + encoded_issuer + ":" + PercentEncode(account) +
         "?secret=" + Base32Encode(secret) + "&issuer=" + encoded_issuer +
         "&algorithm=" + std::string(HashName(params.hash)) +
         "&digits=" + std::to_string(params.digits) + "&period=" + std::to_string(params.step_s);
}

}  // namespace ebank::security
