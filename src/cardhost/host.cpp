#include "cardhost/host.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <map>

namespace ebank::cardhost {
namespace {

using iso8583::Message;
using services::CardOperation;

constexpr std::string_view kCnyNumeric = "156";

// The fields a response repeats from its request.
constexpr int kEchoedFields[] = {3, 4, 7, 11, 12, 13, 32, 41, 42, 49};

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<int64_t> ParseCount(std::string_view text) {
  if (!AllDigits(text) || text.size() > 18) return std::nullopt;
  return std::stoll(std::string(text));
}

Message ResponseTo(const Message& request) {
  auto mti = iso8583::ResponseMti(request.mti());
  Message response(mti.ok() ? *mti : std::string("0810"));
  for (int field : kEchoedFields) {
    if (request.Has(field)) response.Set(field, request.Get(field));
  }
  return response;
}

// Field 54: account type, amount type (01 ledger, 02 available), currency, sign, 12 digits.
std::string Balance(std::string_view amount_type, int64_t minor) {
  return fmt::format("00{}{}{}{:012d}", amount_type, kCnyNumeric, minor < 0 ? 'D' : 'C',
                     minor < 0 ? -minor : minor);
}

void Answer(Message& response, const services::CardResult& result) {
  response.Set(39, ResponseCode(result.status));
  if (!result.reference.empty()) response.Set(37, result.reference);
  if (!result.auth_code.empty()) response.Set(38, result.auth_code);
  std::string balances;
  if (result.balance_minor) balances += Balance("01", *result.balance_minor);
  if (result.available_minor) balances += Balance("02", *result.available_minor);
  if (!balances.empty()) response.Set(54, balances);
}

// The PAN and expiry from fields 2 and 14, or else from track 2 (PAN '=' YYMM ...).
void CardData(const Message& request, services::CardRequest& out) {
  out.pan = std::string(request.Get(2));
  out.expiry = std::string(request.Get(14));
  std::string_view track = request.Get(35);
  size_t separator = track.find_first_of("=D");
  if (separator != std::string_view::npos) {
    if (out.pan.empty()) out.pan = std::string(track.substr(0, separator));
    if (out.expiry.empty()) out.expiry = std::string(track.substr(separator + 1, 4));
  }
}

std::optional<CardOperation> OperationOf(std::string_view mti, std::string_view processing) {
  if (processing.size() != 6) return std::nullopt;
  std::string_view type = processing.substr(0, 2);
  if (mti == "0100") {
    if (type == "00" || type == "03") return CardOperation::kPreauth;
    return std::nullopt;
  }
  if (mti == "0220") {
    if (type == "00" || type == "03") return CardOperation::kCompletion;
    return std::nullopt;
  }
  static const std::map<std::string_view, CardOperation> kTypes = {
      {"31", CardOperation::kInquiry},    {"30", CardOperation::kInquiry},
      {"01", CardOperation::kWithdrawal}, {"21", CardOperation::kDeposit},
      {"40", CardOperation::kTransfer},   {"00", CardOperation::kPurchase},
      {"20", CardOperation::kRefund}};
  auto found = kTypes.find(type);
  if (found == kTypes.end()) return std::nullopt;
  return found->second;
}

}  // namespace

std::string_view ResponseCode(const Status& status) {
  if (status.ok()) return kApproved;
  if (status.code() == Code::kUnavailable) return "91";
  if (status.code() == Code::kInternal) return "96";
  static const std::map<std::string_view, std::string_view> kCodes = {
      {"invalid_request", "30"},
      {"unknown_terminal", "03"},
      {"terminal_not_permitted", "58"},
      {"unknown_card", "14"},
      {"card_closed", "14"},
      {"card_expired", "54"},
      {"card_lost", "41"},
      {"card_frozen", "62"},
      {"account_frozen", "62"},
      {"card_channel_disabled", "57"},
      {"pin_required", "55"},
      {"pin_wrong", "55"},
      {"pin_block_invalid", "55"},
      {"pin_tries_exceeded", "75"},
      {"insufficient_funds", "51"},
      {"amount_over_limit", "61"},
      {"card_daily_limit_exceeded", "61"},
      {"account_class_limit_exceeded", "61"},
      {"unknown_account", "12"},
      {"unknown_original", "25"},
      {"original_not_open", "12"},
      {"hold_expired", "12"},
      {"hold_not_pending", "12"},
      {"unknown_batch", "12"},
      {"duplicate_transmission", "94"},
  };
  auto found = kCodes.find(status.reason());
  if (found != kCodes.end()) return found->second;
  if (status.code() == Code::kInvalid) return kFormatError;
  return "05";
}

std::optional<Message> Host::Malformed(std::string_view bytes) {
  if (bytes.size() < 4 || !AllDigits(bytes.substr(0, 4))) return std::nullopt;
  auto mti = iso8583::ResponseMti(bytes.substr(0, 4));
  if (!mti.ok()) return std::nullopt;
  Message response(*mti);
  response.Set(39, kFormatError);
  return response;
}

Message Host::Handle(const Message& request) {
  auto started = std::chrono::steady_clock::now();
  metrics_.requests.Add();
  Message response = ResponseTo(request);
  std::string_view mti = request.mti();
  if (!request.Has(41)) {
    response.Set(39, kFormatError);
  } else if (mti == "0800") {
    response = Network(request, std::move(response));
  } else if (mti == "0200" || mti == "0100" || mti == "0220") {
    response = Financial(request, std::move(response));
  } else if (mti == "0400" || mti == "0420") {
    response = Reversal(request, std::move(response));
  } else if (mti == "0500") {
    response = Settlement(request, std::move(response));
  } else {
    response.Set(39, "12");
  }
  Count(response, started);
  return response;
}

Message Host::Network(const Message& request, Message response) {
  if (request.Has(70)) response.Set(70, request.Get(70));
  Status status = cards_.SignOn(std::string(request.Get(41)));
  response.Set(39, ResponseCode(status));
  return response;
}

std::optional<services::CardRequest> Host::Decode(const Message& request, Message& response) {
  auto operation = OperationOf(request.mti(), request.Get(3));
  std::optional<int64_t> amount = request.Has(4) ? ParseCount(request.Get(4)) : int64_t{0};
  if (!operation || !amount || (request.Has(49) && request.Get(49) != kCnyNumeric)) {
    response.Set(39, operation ? kFormatError : std::string_view("12"));
    return std::nullopt;
  }
  services::CardRequest card_request;
  card_request.operation = *operation;
  card_request.terminal_code = std::string(request.Get(41));
  card_request.merchant_code = std::string(request.Get(42));
  card_request.local_date = std::string(request.Get(13));
  card_request.stan = std::string(request.Get(11));
  CardData(request, card_request);
  card_request.pin_block = std::string(request.Get(52));
  card_request.amount_minor = *amount;
  card_request.to_account = std::string(request.Get(103));
  card_request.original_reference = std::string(request.Get(37));
  card_request.acquirer = std::string(request.Get(32));
  return card_request;
}

Message Host::Answered(const Result<services::CardResult>& result, Message response) {
  if (!result.ok()) {
    response.Set(39, ResponseCode(result.status()));
    if (result.status().code() == Code::kInternal) {
      spdlog::error("card host: {}", result.status().ToString());
    }
    return response;
  }
  Answer(response, *result);
  return response;
}

Message Host::Financial(const Message& request, Message response) {
  auto card_request = Decode(request, response);
  if (!card_request) return response;
  return Answered(cards_.Authorise(*card_request), std::move(response));
}

boost::asio::awaitable<Message> Host::HandleAsync(const Message& request) {
  namespace asio = boost::asio;
  std::string_view mti = request.mti();
  if (!request.Has(41) || (mti != "0200" && mti != "0100" && mti != "0220")) {
    co_return Handle(request);
  }
  auto started = std::chrono::steady_clock::now();
  metrics_.requests.Add();
  Message response = ResponseTo(request);
  auto card_request = Decode(request, response);
  if (card_request) {
    // Resumes on this coroutine's executor, holding no thread while the ledger works.
    auto result = co_await asio::async_initiate<decltype(asio::use_awaitable),
                                                void(Result<services::CardResult>)>(
        [this, &card_request](auto handler) {
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          cards_.AuthoriseAsync(*card_request, [shared](Result<services::CardResult> answer) {
            auto executor = asio::get_associated_executor(*shared);
            asio::post(executor, [shared, answer = std::move(answer)]() mutable {
              (*shared)(std::move(answer));
            });
          });
        },
        asio::use_awaitable);
    response = Answered(result, std::move(response));
  }
  Count(response, started);
  co_return response;
}

void Host::Count(const Message& response, std::chrono::steady_clock::time_point started) {
  std::string_view code = response.Get(39);
  if (code == kApproved) {
    metrics_.approved.Add();
  } else if (code == kFormatError) {
    metrics_.malformed.Add();
  } else {
    metrics_.declined.Add();
  }
  metrics_.latency.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

Message Host::Reversal(const Message& request, Message response) {
  services::ReversalRequest reversal;
  reversal.terminal_code = std::string(request.Get(41));
  reversal.stan = std::string(request.Get(11));
  reversal.local_date = std::string(request.Get(13));
  // Field 90: original MTI (4), STAN (6), transmission date and time MMDDhhmmss (10), ...
  std::string_view original = request.Get(90);
  if (original.size() >= 20) {
    reversal.stan = std::string(original.substr(4, 6));
    if (reversal.local_date.empty()) reversal.local_date = std::string(original.substr(10, 4));
  }
  auto amount = request.Has(4) ? ParseCount(request.Get(4)) : int64_t{0};
  if (!amount) {
    response.Set(39, kFormatError);
    return response;
  }
  reversal.amount_minor = *amount;
  auto result = cards_.Reverse(reversal);
  if (!result.ok()) {
    response.Set(39, ResponseCode(result.status()));
    return response;
  }
  response.Set(39, ResponseCode(result->status));
  if (!result->reference.empty()) response.Set(37, result->reference);
  return response;
}

Message Host::Settlement(const Message& request, Message response) {
  services::BatchTotals totals;
  auto count = [&](int field) { return ParseCount(request.Has(field) ? request.Get(field) : "0"); };
  auto credits = count(74), debits = count(76), credits_minor = count(86), debits_minor = count(88);
  std::optional<int64_t> batch = request.Has(60) ? ParseCount(request.Get(60)) : int64_t{0};
  if (!credits || !debits || !credits_minor || !debits_minor || !batch) {
    response.Set(39, kFormatError);
    return response;
  }
  totals = {*debits, *debits_minor, *credits, *credits_minor};
  auto settled = cards_.Settle(std::string(request.Get(41)), *batch, totals);
  if (!settled.ok()) {
    response.Set(39, ResponseCode(settled.status()));
    return response;
  }
  // 95: reconcile error; the host's totals go back for the terminal to print.
  response.Set(39, settled->matched ? kApproved : std::string_view("95"));
  response.Set(60, fmt::format("{:06d}", settled->batch));
  response.Set(74, fmt::format("{:010d}", settled->host.credits));
  response.Set(76, fmt::format("{:010d}", settled->host.debits));
  response.Set(86, fmt::format("{:016d}", settled->host.credits_minor));
  response.Set(88, fmt::format("{:016d}", settled->host.debits_minor));
  return response;
}

}  // namespace ebank::cardhost
