#include "core/status.h"

namespace ebank {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalid:
      return "invalid";
    case Code::kNotFound:
      return "not_found";
    case Code::kRejected:
      return "rejected";
    case Code::kConflict:
      return "conflict";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

Code ParseCode(std::string_view name) {
  for (Code code : {Code::kOk, Code::kInvalid, Code::kNotFound, Code::kRejected, Code::kConflict,
                    Code::kUnavailable, Code::kInternal}) {
    if (CodeName(code) == name) return code;
  }
  return Code::kInternal;
}

Status Status::FromParts(Code code, std::string reason, std::string message) {
  if (code == Code::kOk) return Status();
  return Status(code, std::move(reason), std::move(message));
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string text(CodeName(code_));
  text += '/';
  text += reason_;
  if (!message_.empty()) {
    text += ": ";
    text += message_;
  }
  return text;
}

}  // namespace ebank
