// QR codes as SVG documents, for screens and printers at the counter: the otpauth:// URI a
// customer scans into an authenticator app when a dynamic token is enrolled.
//
// Thread-safe: QrSvg is a pure function of its text.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::print {

// Light modules around the symbol; ISO/IEC 18004 asks for at least four so that scanners
// find the finder patterns against a busy background.
inline constexpr int kQrQuietZoneModules = 4;

// `text` as a QR code with error correction level M (15% of the symbol may be lost),
// in the smallest version that holds it, as a self-contained SVG document: a white
// background and one black <path> of the dark modules, in a viewBox of modules (symbol
// plus quiet zone) so that it scales to any size without blurring.
// Statuses: Invalid "invalid_qr_text" for an empty text or one with a NUL byte;
// Invalid "qr_text_too_long" when it does not fit a version 40 symbol; Internal otherwise.
Result<std::string> QrSvg(std::string_view text);

}  // namespace ebank::print
