// A libxlsxwriter workbook written to a temporary file and read back as bytes: what every
// spreadsheet download (statements, receipts, KPI reports) is built in.
#pragma once

#include <xlsxwriter.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::print {

Status XlsxFailed(std::string message);
// Workbook strings must be UTF-8 without control characters (XML 1.0 forbids most of
// them); anything else in outside text becomes '?'.
std::string XlsxCleaned(std::string_view text);

// The file is removed with this object. Not thread-safe.
class Workbook {
 public:
  Workbook() = default;
  ~Workbook();
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  // Creates the workbook; `created_ms` is its creation time (a fixed one makes the file a
  // function of its content).
  Status Open(int64_t created_ms);
  lxw_workbook* get() { return workbook_; }
  // Closes the workbook and returns the file's bytes.
  Result<std::string> Finish();

 private:
  std::string path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_doc_properties properties_{};
};

}  // namespace ebank::print
