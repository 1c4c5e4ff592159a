#include "print/xlsx_workbook.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace ebank::print {

Status XlsxFailed(std::string message) {
  return Status::Internal("xlsx_failed", std::move(message));
}

std::string XlsxCleaned(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = '?';
  }
  return out;
}

Workbook::~Workbook() {
  // workbook_close frees the workbook; when Finish never ran, close it here to free it.
  if (workbook_ != nullptr) workbook_close(workbook_);
  if (!path_.empty()) std::filesystem::remove(path_);
}

Status Workbook::Open(int64_t created_ms) {
  std::string pattern = (std::filesystem::temp_directory_path() / "ebank-xlsx-XXXXXX").string();
  int fd = mkstemp(pattern.data());
  if (fd < 0) return XlsxFailed("cannot create a temporary file");
  close(fd);
  path_ = pattern;
  workbook_ = workbook_new(path_.c_str());
  if (workbook_ == nullptr) return XlsxFailed("libxlsxwriter cannot create a workbook");
  properties_.created = static_cast<time_t>(created_ms / 1000);
  properties_.author = const_cast<char*>("ebank");
  workbook_set_properties(workbook_, &properties_);
  return Status::Ok();
}

Result<std::string> Workbook::Finish() {
  lxw_error error = workbook_close(workbook_);
  workbook_ = nullptr;
  if (error != LXW_NO_ERROR) {
    return XlsxFailed(fmt::format("libxlsxwriter: {}", lxw_strerror(error)));
  }
  std::ifstream in(path_, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return XlsxFailed("cannot read the workbook back");
  return bytes;
}

}  // namespace ebank::print
