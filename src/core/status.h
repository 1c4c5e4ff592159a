// Status and Result<T>: how errors cross layers in ebank.
//
// A Status says what the caller may do next, as rippled's result classes do:
//   kInvalid     the request is malformed; retrying it unchanged never helps.
//   kNotFound    a named thing (account, hold) does not exist.
//   kRejected    well formed but refused by a rule: insufficient funds, limit, state.
//   kConflict    clashes with another request: idempotency key reused with another body.
//   kUnavailable a passing condition (overload, shutdown); the same request may be retried.
//   kInternal    a bug or a broken dependency; the operator must look.
// Every non-OK status also carries a short stable `reason` (snake_case) for machines and a
// human-readable message. An OK status allocates nothing.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ebank {

enum class Code : unsigned char {
  kOk,
  kInvalid,
  kNotFound,
  kRejected,
  kConflict,
  kUnavailable,
  kInternal,
};

std::string_view CodeName(Code code);
// The inverse of CodeName; kInternal for unknown names.
Code ParseCode(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status Invalid(std::string reason, std::string message) {
    return Status(Code::kInvalid, std::move(reason), std::move(message));
  }
  static Status NotFound(std::string reason, std::string message) {
    return Status(Code::kNotFound, std::move(reason), std::move(message));
  }
  static Status Rejected(std::string reason, std::string message) {
    return Status(Code::kRejected, std::move(reason), std::move(message));
  }
  static Status Conflict(std::string reason, std::string message) {
    return Status(Code::kConflict, std::move(reason), std::move(message));
  }
  static Status Unavailable(std::string reason, std::string message) {
    return Status(Code::kUnavailable, std::move(reason), std::move(message));
  }
  static Status Internal(std::string reason, std::string message) {
    return Status(Code::kInternal, std::move(reason), std::move(message));
  }

  // Rebuilds a stored status; kOk ignores reason and message.
  static Status FromParts(Code code, std::string reason, std::string message);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  // "rejected/insufficient_funds: account 7 ...", for logs and test failures.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.reason_ == b.reason_;
  }

 private:
  Status(Code code, std::string reason, std::string message)
      : code_(code), reason_(std::move(reason)), message_(std::move(message)) {
    assert(code != Code::kOk);
  }

  Code code_ = Code::kOk;
  std::string reason_;
  std::string message_;
};

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design.
  Result(Status status) : value_(std::move(status)) {  // NOLINT: implicit by design.
    assert(!std::get<Status>(value_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(value_);
  }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace ebank

// Returns the status of `expr` from the enclosing function when it is not OK.
#define EBANK_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::ebank::Status ebank_status_ = (expr);        \
    if (!ebank_status_.ok()) return ebank_status_; \
  } while (false)
