// What the PDF renderers share: libharu's document as a unique_ptr, Chinese text for the
// viewer's SimSun font (GB-EUC-H encodes GB2312), error checks and saving to bytes.
// Internal to src/print.
#pragma once

#include <hpdf.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/status.h"

namespace ebank::print {

struct PdfDocDeleter {
  void operator()(HPDF_Doc doc) const { HPDF_Free(doc); }
};
using PdfDoc = std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, PdfDocDeleter>;

// Internal "pdf_failed".
Status PdfFailed(std::string message);

// GB-EUC-H encodes GB2312 only, so converting to GB2312 (rather than its superset GBK)
// fails on a character the font cannot show instead of printing a wrong one. For the
// renderers' own fixed texts.
Result<std::string> ToGb2312(std::string_view utf8);
// For text from outside (memos, names): a character GB2312 lacks, or a byte that is not
// UTF-8, becomes '?', so that one odd character cannot stop a whole document.
std::string ToGb2312Lossy(std::string_view utf8);

// libharu keeps an error in the document until it is reset, and its drawing calls refuse
// bad arguments rather than crash, so one check after drawing and one after saving cover
// every call before them.
Status CheckPdf(HPDF_Doc doc, std::string_view step);

// The document's bytes.
Result<std::string> SavePdf(HPDF_Doc doc);

}  // namespace ebank::print
