#include "print/qr.h"

#include <fmt/format.h>
#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>

namespace ebank::print {
namespace {

struct QrcodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrcodePtr = std::unique_ptr<QRcode, QrcodeDeleter>;

// libqrencode sets the lowest bit of each module's byte for a dark module; the other bits
// describe what the module is part of.
bool Dark(const QRcode& code, int x, int y) {
  return (code.data[static_cast<size_t>(y) * static_cast<size_t>(code.width) +
                    static_cast<size_t>(x)] &
          1) != 0;
}

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) {
    return Status::Invalid("invalid_qr_text", "a QR code needs a non-empty text without NUL");
  }
  // Version 0 picks the smallest version that fits; the mode hint lets libqrencode use
  // the denser alphanumeric mode for runs such as a base32 secret, and 8-bit elsewhere.
  errno = 0;
  QrcodePtr code(QRcode_encodeString(std::string(text).c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (code == nullptr) {
    if (errno == ERANGE) {
      return Status::Invalid("qr_text_too_long",
                             fmt::format("{} bytes do not fit a QR code", text.size()));
    }
    return Status::Internal("qr_encode_failed",
                            fmt::format("libqrencode failed: {}", std::strerror(errno)));
  }
  int size = code->width + 2 * kQrQuietZoneModules;
  std::string svg =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {0}" )"
                  R"(shape-rendering="crispEdges"><rect width="{0}" height="{0}" fill="#fff"/>)"
                  R"(<path fill="#000" d=")",
                  size);
  // One rectangle per horizontal run of dark modules rather than one per module keeps the
  // path short.
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width;) {
      if (!Dark(*code, x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < code->width && Dark(*code, x + run, y))
        ++run;
      fmt::format_to(std::back_inserter(svg), "M{} {}h{}v1h-{}z", x + kQrQuietZoneModules,
                     y + kQrQuietZoneModules, run, run);
      x += run;
    }
  }
  svg += R"("/></svg>)";
  return svg;
}

}  // namespace ebank::print
