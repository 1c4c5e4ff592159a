// The password card (口令卡) as a one-page PDF for the counter's printer, next to the
// fixed-width text of security::Render.
//
// The PDF is the card in the clear: the caller hands it out once, at issue time, and never
// stores or logs it. Thread-safe: PasswordCardPdf is a pure function of its input.
#pragma once

#include <string>

#include "core/status.h"
#include "security/password_card.h"

namespace ebank::print {

struct PasswordCardPrint {
  security::PasswordCard card;
  // Deflate the page content. Tests turn it off to find the printed codes in the file.
  bool compress = true;
};

// An A6 landscape page: the title "ebank 密码卡 / Password card", the serial number, the
// grid (columns A-H, rows 1-10, three-digit codes) and a reminder to keep the card secret.
// Chinese text uses the PDF viewer's SimSun (libharu's CID font with GB-EUC-H), so the
// file embeds no font. Statuses: Internal "pdf_failed" when libharu or iconv fail.
Result<std::string> PasswordCardPdf(const PasswordCardPrint& card);

}  // namespace ebank::print
