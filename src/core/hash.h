// SHA-256 for the journal's hash chain and for request fingerprints; hex and base64.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ebank {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::string_view data);
// SHA-256 over the concatenation of `first` and `second`, without copying them together.
Digest Sha256(std::string_view first, std::string_view second);

std::string ToHex(const Digest& digest);
// Lower-case hex of any bytes, and back; HexDecode is false for odd lengths and any
// character but 0-9 and a-f.
std::string HexEncode(std::string_view bytes);
bool HexDecode(std::string_view hex, std::string* bytes);
// Standard base64 with padding (RFC 4648 section 4), as browsers' btoa writes it, and back;
// Base64Decode is false for anything that is not (empty, a length not a multiple of 4).
std::string Base64Encode(std::string_view bytes);
bool Base64Decode(std::string_view text, std::string* bytes);
// False when `hex` is not 64 lowercase hexadecimal digits.
bool FromHex(std::string_view hex, Digest* digest);

}  // namespace ebank
