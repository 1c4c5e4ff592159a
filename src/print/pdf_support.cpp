#include "print/pdf_support.h"

#include <fmt/format.h>
#include <iconv.h>

#include <cerrno>
#include <utility>

namespace ebank::print {
namespace {

struct IconvDeleter {
  void operator()(iconv_t converter) const { iconv_close(converter); }
};
using IconvPtr = std::unique_ptr<std::remove_pointer_t<iconv_t>, IconvDeleter>;

IconvPtr OpenGb2312() {
  iconv_t opened = iconv_open("GB2312", "UTF-8");
  if (opened == reinterpret_cast<iconv_t>(-1)) return nullptr;
  return IconvPtr(opened);
}

// The length of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

}  // namespace

Status PdfFailed(std::string message) {
  return Status::Internal("pdf_failed", std::move(message));
}

Result<std::string> ToGb2312(std::string_view utf8) {
  IconvPtr converter = OpenGb2312();
  if (!converter) return PdfFailed("iconv cannot convert UTF-8 to GB2312");
  std::string in(utf8);
  // GB2312 takes at most two bytes for a character that UTF-8 writes in one to three.
  std::string out(in.size() * 2, '\0');
  char* in_next = in.data();
  size_t in_left = in.size();
  char* out_next = out.data();
  size_t out_left = out.size();
  if (iconv(converter.get(), &in_next, &in_left, &out_next, &out_left) == static_cast<size_t>(-1)) {
    return PdfFailed(fmt::format("cannot print \"{}\" in GB2312", utf8));
  }
  out.resize(out.size() - out_left);
  return out;
}

std::string ToGb2312Lossy(std::string_view utf8) {
  IconvPtr converter = OpenGb2312();
  std::string out;
  if (!converter) return std::string(utf8.size(), '?');
  std::string in(utf8);
  std::string buffer(in.size() * 2 + 2, '\0');
  char* in_next = in.data();
  size_t in_left = in.size();
  while (in_left > 0) {
    char* out_next = buffer.data();
    size_t out_left = buffer.size();
    size_t done = iconv(converter.get(), &in_next, &in_left, &out_next, &out_left);
    out.append(buffer.data(), buffer.size() - out_left);
    if (done != static_cast<size_t>(-1)) break;
    // EILSEQ or EINVAL: replace the character that stopped it and go on after it.
    size_t skip = std::min(in_left, Utf8Length(static_cast<unsigned char>(*in_next)));
    in_next += skip;
    in_left -= skip;
    out += '?';
    iconv(converter.get(), nullptr, nullptr, nullptr, nullptr);
  }
  return out;
}

Status CheckPdf(HPDF_Doc doc, std::string_view step) {
  HPDF_STATUS error = HPDF_GetError(doc);
  if (error == HPDF_OK) return Status::Ok();
  return PdfFailed(fmt::format("libharu error 0x{:04X} (detail {}) while {}", error,
                               HPDF_GetErrorDetail(doc), step));
}

Result<std::string> SavePdf(HPDF_Doc doc) {
  HPDF_SaveToStream(doc);
  EBANK_RETURN_IF_ERROR(CheckPdf(doc, "writing the file"));
  std::string bytes(HPDF_GetStreamSize(doc), '\0');
  auto size = static_cast<HPDF_UINT32>(bytes.size());
  HPDF_ReadFromStream(doc, reinterpret_cast<HPDF_BYTE*>(bytes.data()), &size);
  if (size != bytes.size()) return PdfFailed("libharu returned a short file");
  return bytes;
}

}  // namespace ebank::print
