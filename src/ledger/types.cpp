#include "ledger/types.h"

#include <algorithm>

namespace ebank::ledger {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Printable text without control characters (UTF-8 above 0x7f is allowed).
bool IsPrintable(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

Status CheckOpen(const OpenAccount& open) {
  if (open.code.size() > kAccountCodeBytesMax || !IsPrintable(open.code)) {
    return Status::Invalid("invalid_code", "account code must be printable and at most 64 bytes");
  }
  if (open.floor && *open.floor > 0) {
    return Status::Invalid("invalid_floor", "an account's floor must be zero or negative");
  }
  return Status::Ok();
}

Status CheckTransfer(const Transfer& transfer) {
  const auto& postings = transfer.postings;
  if (postings.size() < 2 || postings.size() > kPostingsPerTransferMax) {
    return Status::Invalid("invalid_postings", "a transfer has 2 to 16 postings");
  }
  for (size_t i = 0; i < postings.size(); ++i) {
    if (postings[i].amount == 0) {
      return Status::Invalid("invalid_amount", "a posting's amount must not be zero");
    }
    if (postings[i].account <= 0) {
      return Status::NotFound("unknown_account", "account ids are positive");
    }
    for (size_t j = 0; j < i; ++j) {
      if (postings[j].account == postings[i].account) {
        return Status::Invalid("duplicate_account", "an account appears twice in one transfer");
      }
    }
  }
  if (transfer.memo.size() > kMemoBytesMax || !IsPrintable(transfer.memo)) {
    return Status::Invalid("invalid_memo", "memo must be printable and at most 140 bytes");
  }
  return Status::Ok();
}

Status CheckHold(const CreateHold& hold) {
  if (hold.amount <= 0)
    return Status::Invalid("invalid_amount", "a hold's amount must be positive");
  if (hold.debit_account == hold.credit_account) {
    return Status::Invalid("same_account", "a hold's two accounts must differ");
  }
  if (hold.debit_account <= 0 || hold.credit_account <= 0) {
    return Status::NotFound("unknown_account", "account ids are positive");
  }
  return Status::Ok();
}

}  // namespace

std::string_view HoldStateName(HoldState state) {
  switch (state) {
    case HoldState::kPending:
      return "pending";
    case HoldState::kPosted:
      return "posted";
    case HoldState::kVoided:
      return "voided";
    case HoldState::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<HoldState> ParseHoldState(std::string_view name) {
  for (HoldState state :
       {HoldState::kPending, HoldState::kPosted, HoldState::kVoided, HoldState::kExpired}) {
    if (HoldStateName(state) == name) return state;
  }
  return std::nullopt;
}

Status Preflight(const Request& request) {
  if (request.idempotency_key.size() > kIdempotencyKeyBytesMax ||
      !IsPrintable(request.idempotency_key)) {
    return Status::Invalid("invalid_idempotency_key",
                           "idempotency key must be printable and at most 128 bytes");
  }
  return std::visit(Overloaded{
                        [](const OpenAccount& open) { return CheckOpen(open); },
                        [](const Transfer& transfer) { return CheckTransfer(transfer); },
                        [](const CreateHold& hold) { return CheckHold(hold); },
                        [](const PostHold& post) {
                          if (post.amount <= 0) {
                            return Status::Invalid("invalid_amount",
                                                   "posted amount must be positive");
                          }
                          return Status::Ok();
                        },
                        [](const VoidHold&) { return Status::Ok(); },
                        [](const ExpireHolds&) { return Status::Ok(); },
                    },
                    request.command);
}

}  // namespace ebank::ledger
