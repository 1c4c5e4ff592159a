// One-time passwords for dynamic tokens (动态口令): HOTP (RFC 4226), TOTP (RFC 6238), the
// base32 text form of their secrets (RFC 4648) and the otpauth:// URI that enrolment QR
// codes carry.
//
// Secrets are raw bytes here; base32 is only their text form for people and QR codes.
// The caller stores a secret encrypted, never in a log. A TOTP code is accepted once:
// VerifyTotp returns the time step the code matched, the caller stores that step with the
// token in the same transaction as the login or payment it authorises, and passes it back
// as `last_used_step` the next time. Thread-safe: all functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "security/random.h"

namespace ebank::security {

enum class OtpHash : unsigned char { kSha1, kSha256, kSha512 };

// RFC 4226 R6 requires secrets of at least 128 bits; 512 bits is a SHA-512 block.
inline constexpr size_t kOtpSecretBytesMin = 16;
inline constexpr size_t kOtpSecretBytesMax = 64;
// New secrets are 160 bits, RFC 4226's recommendation and what authenticator apps expect
// with SHA-1.
inline constexpr size_t kTotpSecretBytes = 20;
// RFC 4226 requires at least 6 digits; RFC 6238's test vectors use 8.
inline constexpr int kOtpDigitsMin = 6;
inline constexpr int kOtpDigitsMax = 8;
inline constexpr int kOtpDigitsDefault = 6;
inline constexpr int64_t kTotpStepS = 30;
inline constexpr int64_t kTotpStepMaxS = 300;
// VerifyTotp accepts the current step and this many steps either side of it, which
// covers a token whose clock is up to 30 s off and a customer who types slowly.
inline constexpr int64_t kTotpWindowSteps = 1;
// The `last_used_step` of a token that has never been used.
inline constexpr int64_t kTotpNeverUsed = -1;
// Issuer and account names in an otpauth URI; authenticator apps show about this much.
inline constexpr size_t kOtpauthNameBytesMax = 64;

struct TotpParams {
  OtpHash hash = OtpHash::kSha1;
  int digits = kOtpDigitsDefault;
  int64_t step_s = kTotpStepS;
};

// Upper-case RFC 4648 base32 without '=' padding, the form otpauth URIs use.
std::string Base32Encode(std::string_view bytes);
// Decodes upper-case base32 with or without correct '=' padding. Refuses lowercase,
// spaces, misplaced padding, impossible lengths and unused trailing bits that are not
// zero, so that every secret has exactly one text form. Invalid "invalid_base32".
Result<std::string> Base32Decode(std::string_view text);

// A new random secret of kTotpSecretBytes for enrolling a token.
std::string NewTotpSecret(RandomSource& random);

// The RFC 4226 HOTP code for `counter`: `digits` decimal digits with leading zeros.
// Invalid "invalid_otp_secret" or "invalid_otp_params" for a secret or digit count
// outside the limits above; Internal "hmac_failed" if OpenSSL fails.
Result<std::string> Hotp(std::string_view secret, uint64_t counter, int digits = kOtpDigitsDefault,
                         OtpHash hash = OtpHash::kSha1);

// The RFC 6238 time step of `now_ms` (milliseconds since the Unix epoch), and the TOTP
// code for it. Invalid "invalid_time" before the epoch, "invalid_otp_params" for a step
// outside 1..kTotpStepMaxS seconds.
Result<int64_t> TotpStep(int64_t now_ms, int64_t step_s = kTotpStepS);
Result<std::string> Totp(std::string_view secret, int64_t now_ms, const TotpParams& params = {});

// Checks `code` against the steps now-1, now and now+1 and returns the step it matched,
// which the caller stores as the token's new `last_used_step`. Steps at or before
// `last_used_step` are refused, so that each code works once even inside its window.
// Codes are compared in constant time and all candidate steps are always computed.
// Errors: Invalid "invalid_otp" when `code` is not `params.digits` digits;
// Rejected "otp_replayed" when the code matches only a step already used;
// Rejected "wrong_otp" otherwise; and the errors of Hotp and TotpStep.
Result<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t now_ms,
                           int64_t last_used_step, const TotpParams& params = {});

// "otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30",
// the Key URI Format that authenticator apps read from an enrolment QR code. Issuer and
// account are UTF-8 and percent-encoded (a space as %20, never '+'). Invalid
// "invalid_otpauth_name" when either is empty, longer than kOtpauthNameBytesMax or
// contains ':', which the format reserves as their separator.
Result<std::string> OtpauthUri(std::string_view issuer, std::string_view account,
                               std::string_view secret, const TotpParams& params = {});

}  // namespace ebank::security
