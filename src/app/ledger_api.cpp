#include "app/ledger_api.h"

#include <openssl/crypto.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <charconv>

#include "http/json.h"
#include "ledger/verify.h"

namespace ebank::app {

namespace asio = boost::asio;
namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::Verb;

namespace {

constexpr size_t kReadIdsMax = 1000;
constexpr size_t kPageRowsMax = 1000;
constexpr size_t kBatchBodyBytesMax = 4 * 1024 * 1024;

bool Authorized(const Request& request, const std::string& token) {
  auto header = request[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() != kBearer.size() + token.size() ||
      header.substr(0, kBearer.size()) != kBearer) {
    return false;
  }
  return CRYPTO_memcmp(header.data() + kBearer.size(), token.data(), token.size()) == 0;
}

Result<int64_t> ParseId(std::string_view text, std::string_view what) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return Status::Invalid("invalid_id", std::string(what) + " must be a positive integer");
  }
  return value;
}

// A query parameter that must be a non-negative integer; `fallback` when absent.
Result<int64_t> QueryInt(const Request& request, std::string_view name, int64_t fallback,
                         int64_t max) {
  std::string text = http::QueryParam(request.target(), name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return Status::Invalid("invalid_query", "query parameter '" + std::string(name) +
                                                "' must be an integer from 0 to " +
                                                std::to_string(max));
  }
  return value;
}

// ?after=&limit= of a paged list.
struct Page {
  int64_t after = 0;
  size_t limit = 0;
};

Result<Page> PageQuery(const Request& request) {
  auto after = QueryInt(request, "after", 0, INT64_MAX);
  if (!after.ok()) return after.status();
  auto limit = QueryInt(request, "limit", 100, kPageRowsMax);
  if (!limit.ok()) return limit.status();
  return Page{*after, static_cast<size_t>(*limit)};
}

json::object AccountJson(const ledger::Account& account) {
  json::object out;
  out["id"] = account.id;
  out["code"] = account.code;
  out["currency"] = account.currency.code();
  out["side"] = account.side == ledger::Side::kCredit ? "credit" : "debit";
  out["floor"] = account.floor ? json::value(http::AmountJson(*account.floor, account.currency))
                               : json::value(nullptr);
  out["balance"] = http::AmountJson(account.normal_balance(), account.currency);
  out["held"] = http::AmountJson(account.held, account.currency);
  out["available"] = http::AmountJson(account.available(), account.currency);
  out["updated_seq"] = account.updated_seq;
  return out;
}

json::object HoldJson(const ledger::Hold& hold) {
  json::object out;
  out["id"] = hold.id;
  out["debit_account"] = hold.debit_account;
  out["credit_account"] = hold.credit_account;
  out["amount_minor"] = hold.amount;
  out["expires_at_ms"] = hold.expires_at_ms;
  out["state"] = ledger::HoldStateName(hold.state);
  out["posted_amount_minor"] = hold.posted_amount;
  return out;
}

json::object EntryJson(const ledger::JournalEntry& entry) {
  json::object out;
  out["seq"] = entry.seq;
  out["at_ms"] = entry.at_ms;
  out["body"] = entry.body;
  out["hash"] = ToHex(entry.hash);
  return out;
}

json::object ProblemJson(const Status& status) {
  json::object out;
  out["status"] = http::HttpStatusFor(status);
  out["code"] = status.reason();
  out["detail"] = status.message();
  return out;
}

Result<ledger::Request> ParseOpen(const json::object& body, std::string key) {
  EBANK_RETURN_IF_ERROR(
      http::OnlyFields(body, {"code", "currency", "side", "floor", "credit_limit"}));
  ledger::OpenAccount open;
  auto currency = http::RequiredCurrency(body, "currency");
  if (!currency.ok()) return currency.status();
  open.currency = *currency;
  auto code = http::OptionalString(body, "code");
  if (!code.ok()) return code.status();
  open.code = code->value_or("");
  auto side = http::OptionalString(body, "side");
  if (!side.ok()) return side.status();
  std::string side_text = side->value_or("credit");
  if (side_text != "credit" && side_text != "debit") {
    return Status::Invalid("invalid_field", "side must be 'credit' or 'debit'");
  }
  open.side = side_text == "credit" ? ledger::Side::kCredit : ledger::Side::kDebit;
  open.floor = 0;
  if (body.contains("floor") && body.contains("credit_limit")) {
    return Status::Invalid("invalid_field", "give floor or credit_limit, not both");
  }
  if (const json::value* floor = body.if_contains("floor")) {
    if (floor->is_null()) {
      open.floor.reset();
    } else {
      auto amount = http::RequiredAmount(body, "floor", open.currency);
      if (!amount.ok()) return amount.status();
      open.floor = *amount;
    }
  }
  if (body.contains("credit_limit")) {
    auto limit = http::RequiredAmount(body, "credit_limit", open.currency);
    if (!limit.ok()) return limit.status();
    if (*limit < 0) return Status::Invalid("invalid_field", "credit_limit must not be negative");
    open.floor = -*limit;
  }
  return ledger::Request{std::move(key), std::move(open)};
}

Result<ledger::Posting> ParsePosting(const json::value& value) {
  if (!value.is_object()) return Status::Invalid("invalid_field", "each posting must be an object");
  const json::object& object = value.as_object();
  EBANK_RETURN_IF_ERROR(http::OnlyFields(object, {"account", "amount", "currency"}));
  auto account = http::RequiredInt(object, "account");
  if (!account.ok()) return account.status();
  auto currency = http::RequiredCurrency(object, "currency");
  if (!currency.ok()) return currency.status();
  auto amount = http::RequiredAmount(object, "amount", *currency);
  if (!amount.ok()) return amount.status();
  return ledger::Posting{*account, *amount, *currency};
}

// {debit_account, credit_account, amount, currency, memo} or {postings: [...], memo}.
Result<ledger::Request> ParseTransfer(const json::object& body, std::string key) {
  EBANK_RETURN_IF_ERROR(http::OnlyFields(
      body, {"debit_account", "credit_account", "amount", "currency", "memo", "postings"}));
  ledger::Transfer transfer;
  auto memo = http::OptionalString(body, "memo");
  if (!memo.ok()) return memo.status();
  transfer.memo = memo->value_or("");
  if (const json::value* postings = body.if_contains("postings")) {
    if (body.contains("debit_account") || body.contains("credit_account") ||
        body.contains("amount")) {
      return Status::Invalid("invalid_field", "give postings or debit/credit accounts, not both");
    }
    if (!postings->is_array() || postings->as_array().size() > ledger::kPostingsPerTransferMax) {
      return Status::Invalid("invalid_postings", "postings must be an array of 2 to 16 postings");
    }
    for (const json::value& item : postings->as_array()) {
      auto posting = ParsePosting(item);
      if (!posting.ok()) return posting.status();
      transfer.postings.push_back(*posting);
    }
  } else {
    auto debit = http::RequiredInt(body, "debit_account");
    if (!debit.ok()) return debit.status();
    auto credit = http::RequiredInt(body, "credit_account");
    if (!credit.ok()) return credit.status();
    auto currency = http::RequiredCurrency(body, "currency");
    if (!currency.ok()) return currency.status();
    auto amount = http::RequiredAmount(body, "amount", *currency);
    if (!amount.ok()) return amount.status();
    if (*amount <= 0) return Status::Invalid("invalid_amount", "amount must be positive");
    transfer.postings = {{*debit, -*amount, *currency}, {*credit, *amount, *currency}};
  }
  return ledger::Request{std::move(key), std::move(transfer)};
}

Result<ledger::Request> ParseHold(const json::object& body, std::string key, int64_t now_ms) {
  EBANK_RETURN_IF_ERROR(http::OnlyFields(
      body, {"debit_account", "credit_account", "amount", "currency", "expires_in_s"}));
  ledger::CreateHold hold;
  auto debit = http::RequiredInt(body, "debit_account");
  if (!debit.ok()) return debit.status();
  auto credit = http::RequiredInt(body, "credit_account");
  if (!credit.ok()) return credit.status();
  auto currency = http::RequiredCurrency(body, "currency");
  if (!currency.ok()) return currency.status();
  auto amount = http::RequiredAmount(body, "amount", *currency);
  if (!amount.ok()) return amount.status();
  auto expires_in = http::RequiredInt(body, "expires_in_s");
  if (!expires_in.ok()) return expires_in.status();
  if (*expires_in <= 0 || *expires_in > ledger::kHoldDurationMaxMs / 1000) {
    return Status::Invalid("invalid_expiry", "expires_in_s must be from 1 to 2592000");
  }
  hold.debit_account = *debit;
  hold.credit_account = *credit;
  hold.amount = *amount;
  hold.currency = *currency;
  hold.expires_at_ms = now_ms + *expires_in * 1000;
  return ledger::Request{std::move(key), hold};
}

std::string IdempotencyKey(const Request& request) {
  return std::string(request["Idempotency-Key"]);
}

Response OutcomeResponse(const Request& request, const ledger::Outcome& outcome) {
  if (!outcome.status.ok()) return http::Problem(request, outcome.status);
  json::object body;
  body["id"] = outcome.id;
  body["seq"] = outcome.seq;
  body["replayed"] = outcome.replayed;
  Response response = http::Json(request, 201, body);
  if (outcome.replayed) response.set("Idempotent-Replayed", "true");
  return response;
}

// Reads one snapshot; `read` fills `body`.
Response ReadResponse(const Request& request, ledger::Ledger& ledger,
                      const std::function<Status(ledger::LedgerReader&, json::object&)>& read) {
  json::object body;
  Status status =
      ledger.store().Read([&](ledger::LedgerReader& reader) { return read(reader, body); });
  if (!status.ok()) return http::Problem(request, status);
  return http::Json(request, 200, body);
}

}  // namespace

http::awaitable<std::vector<ledger::Outcome>> ExecuteAsync(ledger::Ledger& ledger,
                                                           std::vector<ledger::Request> requests) {
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::vector<ledger::Outcome>)>(
      [&ledger](auto handler, std::vector<ledger::Request> requests) {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        ledger.Submit(std::move(requests),
                      [shared, executor](std::vector<ledger::Outcome> outcomes) {
                        asio::post(executor, [shared, outcomes = std::move(outcomes)]() mutable {
                          (*shared)(std::move(outcomes));
                        });
                      });
      },
      asio::use_awaitable, std::move(requests));
}

void AddLedgerRoutes(http::Router& router, const LedgerApi& api) {
  // Wraps a handler with the operator-token check.
  auto guarded = [&api](http::Handler handler) -> http::Handler {
    return [&api, handler = std::move(handler)](const Request& request,
                                                const Params& params) -> http::awaitable<Response> {
      if (!Authorized(request, api.operator_token)) {
        Response response = http::Problem(request, 401, "unauthorized", "operator token required");
        response.set(boost::beast::http::field::www_authenticate, "Bearer");
        co_return response;
      }
      co_return co_await handler(request, params);
    };
  };
  // One command from a JSON body, answered when durable.
  auto command = [&api](auto parse) -> http::Handler {
    return
        [&api, parse](const Request& request, const Params& params) -> http::awaitable<Response> {
          auto body = http::ParseObject(request.body());
          if (!body.ok()) co_return http::Problem(request, body.status());
          Result<ledger::Request> parsed = parse(*body, params, IdempotencyKey(request));
          if (!parsed.ok()) co_return http::Problem(request, parsed.status());
          std::vector<ledger::Request> requests;
          requests.push_back(std::move(*parsed));
          auto outcomes = co_await ExecuteAsync(api.ledger, std::move(requests));
          co_return OutcomeResponse(request, outcomes.front());
        };
  };

  router.Add(Verb::post, "/internal/ledger/accounts",
             guarded(command([](const json::object& body, const Params&, std::string key) {
               return ParseOpen(body, std::move(key));
             })));
  router.Add(Verb::post, "/internal/ledger/transfers",
             guarded(command([](const json::object& body, const Params&, std::string key) {
               return ParseTransfer(body, std::move(key));
             })));
  router.Add(Verb::post, "/internal/ledger/holds",
             guarded(command([&api](const json::object& body, const Params&, std::string key) {
               return ParseHold(body, std::move(key), api.clock.NowMs());
             })));
  router.Add(Verb::post, "/internal/ledger/holds/{id}/post",
             guarded(command([](const json::object& body, const Params& params,
                                std::string key) -> Result<ledger::Request> {
               auto id = ParseId(params.at("id"), "hold id");
               if (!id.ok()) return id.status();
               EBANK_RETURN_IF_ERROR(http::OnlyFields(body, {"amount", "currency"}));
               auto currency = http::RequiredCurrency(body, "currency");
               if (!currency.ok()) return currency.status();
               auto amount = http::RequiredAmount(body, "amount", *currency);
               if (!amount.ok()) return amount.status();
               return ledger::Request{std::move(key), ledger::PostHold{*id, *amount}};
             })));
  router.Add(Verb::post, "/internal/ledger/holds/{id}/void",
             guarded(command([](const json::object& body, const Params& params,
                                std::string key) -> Result<ledger::Request> {
               auto id = ParseId(params.at("id"), "hold id");
               if (!id.ok()) return id.status();
               EBANK_RETURN_IF_ERROR(http::OnlyFields(body, {}));
               return ledger::Request{std::move(key), ledger::VoidHold{*id}};
             })));

  // Many transfers in one request, each with its own outcome: {"transfers": [...]}.
  router.Add(Verb::post, "/internal/ledger/transfers/batch",
             guarded([&api](const Request& request, const Params&) -> http::awaitable<Response> {
               auto body = http::ParseObject(request.body());
               if (!body.ok()) co_return http::Problem(request, body.status());
               Status only = http::OnlyFields(*body, {"transfers"});
               if (!only.ok()) co_return http::Problem(request, only);
               const json::value* items = body->if_contains("transfers");
               if (!items || !items->is_array() || items->as_array().empty() ||
                   items->as_array().size() > ledger::kBatchCommandsMax) {
                 co_return http::Problem(request, 400, "invalid_batch_size",
                                         "transfers must be an array of 1 to 8192 transfers");
               }
               std::vector<ledger::Request> requests;
               std::vector<Status> refused(items->as_array().size());
               std::vector<size_t> positions;
               for (size_t i = 0; i < items->as_array().size(); ++i) {
                 const json::value& item = items->as_array()[i];
                 Result<ledger::Request> parsed =
                     item.is_object() ? [&]() -> Result<ledger::Request> {
                   auto key = http::OptionalString(item.as_object(), "idempotency_key");
                   if (!key.ok()) return key.status();
                   json::object fields = item.as_object();
                   fields.erase("idempotency_key");
                   return ParseTransfer(fields, key->value_or(""));
                 }()
                     : Result<ledger::Request>(
                           Status::Invalid("invalid_field", "each transfer must be an object"));
                 if (parsed.ok()) {
                   positions.push_back(i);
                   requests.push_back(std::move(*parsed));
                 } else {
                   refused[i] = parsed.status();
                 }
               }
               std::vector<ledger::Outcome> outcomes;
               if (!requests.empty())
                 outcomes = co_await ExecuteAsync(api.ledger, std::move(requests));
               json::array results(refused.size());
               for (size_t i = 0; i < refused.size(); ++i)
                 results[i] = ProblemJson(refused[i]);
               for (size_t j = 0; j < positions.size(); ++j) {
                 const ledger::Outcome& outcome = outcomes[j];
                 if (outcome.status.ok()) {
                   json::object ok;
                   ok["id"] = outcome.id;
                   ok["replayed"] = outcome.replayed;
                   results[positions[j]] = ok;
                 } else {
                   results[positions[j]] = ProblemJson(outcome.status);
                 }
               }
               json::object response;
               response["results"] = std::move(results);
               co_return http::Json(request, 200, response);
             }),
             kBatchBodyBytesMax);

  router.Add(
      Verb::get, "/internal/ledger/accounts/{id}",
      guarded([&api](const Request& request, const Params& params) -> http::awaitable<Response> {
        auto id = ParseId(params.at("id"), "account id");
        if (!id.ok()) co_return http::Problem(request, id.status());
        co_return ReadResponse(request, api.ledger,
                               [&](ledger::LedgerReader& reader, json::object& body) {
                                 auto accounts = reader.GetAccounts({*id});
                                 if (!accounts.ok()) return accounts.status();
                                 if (accounts->empty()) {
                                   return Status::NotFound("unknown_account", "no such account");
                                 }
                                 body = AccountJson(accounts->front());
                                 return Status::Ok();
                               });
      }));

  // ?ids=1,2,3 reads those accounts in one snapshot; ?code= finds one by its code (a bank
  // account's number); otherwise ?after=&limit= pages.
  router.Add(Verb::get, "/internal/ledger/accounts",
             guarded([&api](const Request& request, const Params&) -> http::awaitable<Response> {
               std::string ids_text = http::QueryParam(request.target(), "ids");
               std::vector<ledger::AccountId> ids;
               for (size_t start = 0; !ids_text.empty() && start <= ids_text.size();) {
                 size_t comma = ids_text.find(',', start);
                 if (comma == std::string::npos) comma = ids_text.size();
                 auto id = ParseId(std::string_view(ids_text).substr(start, comma - start), "ids");
                 if (!id.ok()) co_return http::Problem(request, id.status());
                 ids.push_back(*id);
                 if (ids.size() > kReadIdsMax) {
                   co_return http::Problem(request, 400, "too_many_ids", "at most 1000 ids");
                 }
                 start = comma + 1;
               }
               auto page = PageQuery(request);
               if (!page.ok()) co_return http::Problem(request, page.status());
               co_return ReadResponse(
                   request, api.ledger, [&](ledger::LedgerReader& reader, json::object& body) {
                     auto head = reader.GetHead();
                     if (!head.ok()) return head.status();
                     std::string code = http::QueryParam(request.target(), "code");
                     Result<std::vector<ledger::Account>> accounts = std::vector<ledger::Account>{};
                     if (!code.empty()) {
                       auto found = reader.GetAccountByCode(code);
                       if (!found.ok()) return found.status();
                       if (found->has_value()) accounts->push_back(**found);
                     } else if (ids.empty()) {
                       accounts = reader.ListAccounts(page->after, page->limit);
                     } else {
                       accounts = reader.GetAccounts(ids);
                     }
                     if (!accounts.ok()) return accounts.status();
                     json::array list;
                     for (const auto& account : *accounts)
                       list.push_back(AccountJson(account));
                     body["accounts"] = std::move(list);
                     body["head_seq"] = head->seq;
                     return Status::Ok();
                   });
             }));

  router.Add(
      Verb::get, "/internal/ledger/accounts/{id}/postings",
      guarded([&api](const Request& request, const Params& params) -> http::awaitable<Response> {
        auto id = ParseId(params.at("id"), "account id");
        auto before = QueryInt(request, "before", INT64_MAX, INT64_MAX);
        auto limit = QueryInt(request, "limit", 100, kPageRowsMax);
        for (const Status* status : {&id.status(), &before.status(), &limit.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        co_return ReadResponse(
            request, api.ledger, [&](ledger::LedgerReader& reader, json::object& body) {
              auto rows = ledger::ListPostings(reader, *id, *before, static_cast<size_t>(*limit));
              if (!rows.ok()) return rows.status();
              json::array list;
              for (const auto& row : *rows) {
                list.push_back(json::object{{"seq", row.seq},
                                            {"amount_minor", row.amount},
                                            {"balance_after_minor", row.balance_after}});
              }
              body["postings"] = std::move(list);
              return Status::Ok();
            });
      }));

  router.Add(Verb::get, "/internal/ledger/journal",
             guarded([&api](const Request& request, const Params&) -> http::awaitable<Response> {
               auto page = PageQuery(request);
               if (!page.ok()) co_return http::Problem(request, page.status());
               co_return ReadResponse(request, api.ledger,
                                      [&](ledger::LedgerReader& reader, json::object& body) {
                                        auto entries = reader.ReadJournal(page->after, page->limit);
                                        if (!entries.ok()) return entries.status();
                                        json::array list;
                                        for (const auto& entry : *entries)
                                          list.push_back(EntryJson(entry));
                                        body["entries"] = std::move(list);
                                        return Status::Ok();
                                      });
             }));

  router.Add(Verb::get, "/internal/ledger/holds",
             guarded([&api](const Request& request, const Params&) -> http::awaitable<Response> {
               auto page = PageQuery(request);
               if (!page.ok()) co_return http::Problem(request, page.status());
               co_return ReadResponse(request, api.ledger,
                                      [&](ledger::LedgerReader& reader, json::object& body) {
                                        auto holds = reader.ListHolds(page->after, page->limit);
                                        if (!holds.ok()) return holds.status();
                                        json::array list;
                                        for (const auto& hold : *holds)
                                          list.push_back(HoldJson(hold));
                                        body["holds"] = std::move(list);
                                        return Status::Ok();
                                      });
             }));

  router.Add(Verb::get, "/internal/ledger/verify",
             guarded([&api](const Request& request, const Params&) -> http::awaitable<Response> {
               auto report = ledger::VerifyLedger(api.ledger.store());
               if (!report.ok()) co_return http::Problem(request, report.status());
               json::object body;
               body["ok"] = true;
               body["entries"] = report->entries;
               body["accounts"] = report->accounts;
               body["holds"] = report->holds;
               body["head_seq"] = report->head.seq;
               body["head_hash"] = ToHex(report->head.hash);
               co_return http::Json(request, 200, body);
             }));
}

}  // namespace ebank::app
