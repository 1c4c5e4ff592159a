// Customer e-banking over /api/v1: log in with a second factor, see accounts and history,
// transfer with strong authentication, manage sessions. And the counter's side of it:
// signing customers up and issuing their security tools.
#include <fmt/format.h>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <charconv>
#include <map>

#include "app/api_common.h"
#include "app/api_v1.h"
#include "core/hash.h"
#include "http/json.h"
#include "print/statement_pdf.h"
#include "print/statement_xlsx.h"
#include "security/constant_time.h"
#include "security/random.h"

namespace ebank::app {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

namespace {

constexpr size_t kLoginHistoryMax = 50;

void SetSessionCookies(Response& response, const std::string& token, const std::string& csrf) {
  int64_t max_age = services::kSessionLifetimeMs / 1000;
  response.insert(boost::beast::http::field::set_cookie,
                  fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
                              kSessionCookie, token, max_age));
  response.insert(boost::beast::http::field::set_cookie,
                  fmt::format("{}={}; Path=/; Max-Age={}; Secure; SameSite=Strict", kCsrfCookie,
                              csrf, max_age));
}

void ClearSessionCookies(Response& response) {
  for (std::string_view name : {kSessionCookie, kCsrfCookie}) {
    response.insert(boost::beast::http::field::set_cookie,
                    fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict", name));
  }
}

json::object PaymentJson(const services::Payment& payment) {
  json::object out{{"id", payment.id},
                   {"status", payment.status},
                   {"from_account", payment.from_account},
                   {"to_account", payment.to_account},
                   {"amount", payment.amount.Decimal()},
                   {"currency", payment.amount.currency().code()},
                   {"memo", payment.memo},
                   {"tool", payment.tool}};
  if (!payment.failure.empty()) out["failure"] = payment.failure;
  if (payment.status == "sca_required") out["allowed_tools"] = ToolsJson(payment.allowed_tools);
  if (payment.ledger_seq) out["transaction_id"] = payment.ledger_seq;
  return out;
}

Response PaymentResponse(const Request& request, const services::Payment& payment) {
  unsigned status = payment.status == "sca_required" ? 202 : payment.replayed ? 200 : 201;
  Response response = http::Json(request, status, PaymentJson(payment));
  if (payment.replayed) response.set("Idempotent-Replayed", "true");
  return response;
}

// The password from an encrypted login body: {"password_encrypted", "key_id"}, and no
// "password" beside them.
Result<std::string> OpenPassword(const ApiServices& api, const json::object& body) {
  if (body.contains("password")) {
    return Status::Invalid("invalid_field", "send password or password_encrypted, not both");
  }
  auto encrypted = http::RequiredString(body, "password_encrypted");
  auto key_id = http::RequiredString(body, "key_id");
  if (!encrypted.ok()) return encrypted.status();
  if (!key_id.ok()) return key_id.status();
  return api.password_transport.Open(*key_id, *encrypted);
}

// A whole decimal number, without sign or spaces.
std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// The history's filters from the query string (see the route's OpenAPI description):
// ?before=, from=/to= (dates) or from_ms=/to_ms=, min=/max=, direction=in|out.
Result<services::HistoryQuery> HistoryQueryOf(std::string_view target,
                                              const std::string& currency_code) {
  auto currency = Currency::Parse(currency_code);
  if (!currency.ok()) return currency.status();
  auto values =
      QueryOf(target, {"before", "from", "to", "from_ms", "to_ms", "min", "max", "direction"});
  if (!values.ok()) return values.status();
  auto value = [&](const char* name) -> std::string {
    auto found = values->find(name);
    return found == values->end() ? "" : found->second;
  };
  auto invalid = [](std::string message) {
    return Status::Invalid("invalid_query", std::move(message));
  };
  services::HistoryQuery query;
  if (!value("before").empty()) {
    auto before = ParseInteger(value("before"));
    if (!before || *before <= 0) return invalid("before must be a transaction id");
    query.before_id = *before;
  }
  // Each end of the time range as a date (China Standard Time) or as Unix milliseconds.
  if (!value("from").empty() && !value("from_ms").empty()) {
    return invalid("give from or from_ms, not both");
  }
  if (!value("to").empty() && !value("to_ms").empty()) {
    return invalid("give to or to_ms, not both");
  }
  constexpr int64_t kDayMs = 24 * 3600 * 1000;
  for (const char* name : {"from", "to"}) {
    if (value(name).empty()) continue;
    auto start = services::ChinaDayStartMs(value(name));
    if (!start) return invalid(std::string(name) + " must be a date, YYYY-MM-DD");
    (name == std::string_view("from") ? query.from_ms : query.to_ms) =
        name == std::string_view("from") ? *start : *start + kDayMs;
  }
  for (const char* name : {"from_ms", "to_ms"}) {
    if (value(name).empty()) continue;
    auto ms = ParseInteger(value(name));
    if (!ms || *ms < 0) return invalid(std::string(name) + " must be Unix milliseconds");
    (name == std::string_view("from_ms") ? query.from_ms : query.to_ms) = *ms;
  }
  if (query.from_ms != INT64_MIN && query.to_ms != INT64_MAX && query.from_ms >= query.to_ms) {
    return invalid("the time range is empty: from is not before to");
  }
  for (const char* name : {"min", "max"}) {
    if (value(name).empty()) continue;
    auto amount = ParseAmount(value(name), currency->exponent());
    if (!amount.ok() || *amount < 0) {
      return invalid(std::string(name) + " must be a non-negative amount in " +
                     std::string(currency->code()) + "'s precision, e.g. 100.00");
    }
    (name == std::string_view("min") ? query.min_minor : query.max_minor) = *amount;
  }
  if (query.min_minor && query.max_minor && *query.min_minor > *query.max_minor) {
    return invalid("min is more than max");
  }
  if (!value("direction").empty()) {
    if (value("direction") == "in") {
      query.direction = services::Direction::kIn;
    } else if (value("direction") == "out") {
      query.direction = services::Direction::kOut;
    } else {
      return invalid("direction must be in or out");
    }
  }
  return query;
}

json::object TransactionJson(const services::HistoryEntry& entry, Currency currency) {
  json::object item{{"transaction_id", entry.transaction_id},
                    {"direction", entry.amount_minor < 0 ? "debit" : "credit"},
                    {"amount", http::AmountJson(entry.amount_minor, currency)},
                    {"balance_after", http::AmountJson(entry.balance_after_minor, currency)},
                    {"at_ms", entry.at_ms},
                    {"memo", entry.memo}};
  if (!entry.counterparty.empty()) item["counterparty"] = entry.counterparty;
  return item;
}

print::StatementLine LineOf(const services::HistoryEntry& entry) {
  return {entry.transaction_id,      entry.at_ms,        entry.amount_minor,
          entry.balance_after_minor, entry.counterparty, entry.memo};
}

// The name a download is saved under: what it is, the account's last four digits, and
// which dates or transaction (never the whole account number).
std::string FileName(std::string_view kind, const std::string& account, std::string_view what) {
  std::string last_four = account.size() > 4 ? account.substr(account.size() - 4) : account;
  return fmt::format("ebank-{}-{}-{}", kind, last_four, what);
}

http::awaitable<Response> StatementFile(const ApiServices& api, const Request& request,
                                        const Params& params, const services::Session& session,
                                        FileFormat format) {
  auto values = QueryOf(request.target(), {"from", "to"});
  if (!values.ok()) co_return http::Problem(request, values.status());
  std::string from = (*values)["from"];
  std::string to = (*values)["to"];
  if (from.empty() || to.empty()) {
    co_return http::Problem(request, 400, "invalid_query", "from and to dates are required");
  }
  auto statement = api.customers.MakeStatement(session.subject_id, params.at("account"), from, to);
  if (!statement.ok()) co_return http::Problem(request, statement.status());
  print::StatementPrint print;
  print.account_number = services::MaskAccountNumber(statement->account.number);
  print.holder_name = statement->holder_name;
  print.currency = statement->currency;
  print.from_date = statement->from_date;
  print.to_date = statement->to_date;
  print.opening_minor = statement->opening_minor;
  print.closing_minor = statement->closing_minor;
  print.total_in_minor = statement->total_in_minor;
  print.total_out_minor = statement->total_out_minor;
  for (const services::HistoryEntry& entry : statement->entries)
    print.lines.push_back(LineOf(entry));
  print.printed_at_ms = api.clock.NowMs();
  std::string name =
      FileName("statement", statement->account.number, fmt::format("{}-{}", from, to));
  co_return FileResponse(
      request,
      format == FileFormat::kPdf ? print::StatementPdf(print) : print::StatementXlsx(print), format,
      name);
}

http::awaitable<Response> ReceiptFile(const ApiServices& api, const Request& request,
                                      const Params& params, const services::Session& session,
                                      FileFormat format) {
  auto id = IdParam(params, "id");
  if (!id) co_return http::Problem(request, 404, "unknown_transaction", "no such transaction");
  auto receipt = api.customers.MakeReceipt(session.subject_id, params.at("account"), *id);
  if (!receipt.ok()) co_return http::Problem(request, receipt.status());
  print::ReceiptPrint print;
  print.account_number = services::MaskAccountNumber(receipt->account.number);
  print.holder_name = receipt->holder_name;
  print.currency = receipt->currency;
  print.line = LineOf(receipt->entry);
  print.printed_at_ms = api.clock.NowMs();
  std::string name = FileName("receipt", receipt->account.number, std::to_string(*id));
  co_return FileResponse(
      request, format == FileFormat::kPdf ? print::ReceiptPdf(print) : print::ReceiptXlsx(print),
      format, name);
}

}  // namespace

void AddCustomerRoutes(http::Router& router, const ApiServices& api) {
  auto customer_only = [&api](CustomerHandler handler) {
    return CustomerOnly(api.sessions, std::move(handler));
  };
  using CounterHandler = std::function<http::awaitable<Response>(
      const Request&, const Params&, const services::Customer&, const services::Staff&)>;
  // A handler for staff acting on the customer named in the path; audited.
  auto for_customer = [&api](CounterHandler handler) -> http::Handler {
    return StaffOnly(
        api.staff,
        [&api, handler = std::move(handler)](
            const Request& request, const Params& params,
            const services::Staff& staff) -> http::awaitable<Response> {
          auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
          if (!customer.ok()) co_return http::Problem(request, customer.status());
          Response response = co_await handler(request, params, *customer, staff);
          (void)services::RecordAudit(
              api.customers.database(), api.clock,
              {"staff", staff.id, "counter", std::string(http::PathOf(request.target())),
               customer->number,
               response.result_int() < 300 ? "ok" : std::to_string(response.result_int()), ""});
          co_return response;
        });
  };

  // --- The counter: sign-up and tools. ---
  router.Add(
      Verb::post, "/api/v1/customers/{number}/signing",
      for_customer([&api](const Request& request, const Params&, const services::Customer& customer,
                          const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(
            request, {"login_id", "password", "reserved_info", "channels", "alert_threshold"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        services::SigningInput input;
        auto login = http::RequiredString(*body, "login_id");
        auto password = http::RequiredString(*body, "password");
        auto reserved = http::RequiredString(*body, "reserved_info");
        for (const Status* status : {&login.status(), &password.status(), &reserved.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        input.login_id = *login;
        input.password = *password;
        input.reserved_info = *reserved;
        if (const json::value* channels = body->if_contains("channels")) {
          if (!channels->is_array())
            co_return http::Problem(request, 400, "invalid_field", "channels must be an array");
          for (const auto& channel : channels->as_array()) {
            if (!channel.is_string())
              co_return http::Problem(request, 400, "invalid_field", "channels are strings");
            input.channels.emplace_back(channel.as_string());
          }
        } else {
          input.channels = {"web", "mobile"};
        }
        if (body->contains("alert_threshold")) {
          auto threshold = http::RequiredAmount(*body, "alert_threshold", Currency::Cny());
          if (!threshold.ok()) co_return http::Problem(request, threshold.status());
          input.alert_threshold_minor = *threshold;
        }
        input.staff_id = staff.id;  // Campaigns credit the staff member who signed them up.
        Status status = api.signing.SignUp(customer.id, input);
        if (!status.ok()) co_return http::Problem(request, status);
        co_return http::Json(
            request, 201,
            json::object{{"login_id", input.login_id}, {"tools", json::array{"sms"}}});
      }),
      RouteDoc{"Sign a customer up for e-banking (staff)", "signing", "staff", "Signing",
               "SigningResult", 201});

  // --- Online self sign-up (SVC-1): prove an account is yours, then choose credentials. ---
  router.Add(
      Verb::post, "/api/v1/signup",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"account_number", "id_number", "mobile"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto account = http::RequiredString(*body, "account_number");
        auto id_number = http::RequiredString(*body, "id_number");
        auto mobile = http::RequiredString(*body, "mobile");
        for (const Status* status : {&account.status(), &id_number.status(), &mobile.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        auto ticket = api.signing.StartSelfSignUp(*account, *id_number, *mobile);
        if (!ticket.ok()) co_return http::Problem(request, ticket.status());
        co_return http::Json(request, 201, json::object{{"ticket", *ticket}});
      },
      RouteDoc{"Self sign-up, step 1: account, ID number and mobile; texts a code", "signing", "",
               "SelfSignUp", "SignUpTicket", 201});

  router.Add(
      Verb::post, "/api/v1/signup/verify",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"ticket", "code", "login_id", "password", "reserved_info"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto ticket = http::RequiredString(*body, "ticket");
        auto code = http::RequiredString(*body, "code");
        auto login = http::RequiredString(*body, "login_id");
        auto password = http::RequiredString(*body, "password");
        auto reserved = http::RequiredString(*body, "reserved_info");
        for (const Status* status : {&ticket.status(), &code.status(), &login.status(),
                                     &password.status(), &reserved.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        Status status = api.signing.FinishSelfSignUp(
            *ticket, *code, {*login, *password, *reserved, {"web", "mobile"}, 0});
        if (!status.ok()) co_return http::Problem(request, status);
        co_return http::Json(request, 201, json::object{{"login_id", *login}});
      },
      RouteDoc{"Self sign-up, step 2: the SMS code and the chosen credentials", "signing", "",
               "SelfSignUpFinish", "SigningResult", 201});

  // --- Logging in. ---
  router.Add(
      Verb::post, "/api/v1/sessions",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"login_id", "password", "password_encrypted", "key_id"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto login = http::RequiredString(*body, "login_id");
        if (!login.ok()) co_return http::Problem(request, login.status());
        // The web page always encrypts (SEC-9); API clients may still send the password in
        // clear over TLS. A refused ciphertext never reaches StartLogin, so it does not
        // count as a wrong password.
        auto password = body->contains("password_encrypted")
                            ? OpenPassword(api, *body)
                            : http::RequiredString(*body, "password");
        if (!password.ok()) co_return http::Problem(request, password.status());
        auto start = api.signing.StartLogin(*login, *password);
        if (!start.ok()) {
          if (start.status().code() == Code::kRejected) {
            co_return http::Problem(request, 401, start.status().reason(),
                                    start.status().message());
          }
          co_return http::Problem(request, start.status());
        }
        co_return http::Json(request, 201,
                             json::object{{"ticket", start->ticket},
                                          {"reserved_info", start->reserved_info},
                                          {"tools", ToolsJson(start->tools)}});
      },
      RouteDoc{"Log in, step 1: login id and password; answers the reserved information",
               "sessions", "", "Login", "LoginTicket", 201});

  router.Add(
      Verb::get, "/api/v1/sessions/password-key",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        security::PasswordKeyOffer offer = api.password_transport.Offer();
        Response response =
            http::Json(request, 200,
                       json::object{{"key_id", offer.key_id},
                                    {"spki_base64", offer.spki_base64},
                                    {"algorithm", offer.algorithm},
                                    {"nonce", offer.nonce},
                                    {"nonce_expires_at_ms", offer.nonce_expires_at_ms}});
        response.set(boost::beast::http::field::cache_control, "no-store");
        co_return response;
      },
      RouteDoc{"Log in, step 0: the key to encrypt the password with, and a one-time nonce",
               "sessions", "", "", "PasswordKey", 200});

  router.Add(
      Verb::post, "/api/v1/sessions/challenge",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"ticket", "tool"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto ticket = http::RequiredString(*body, "ticket");
        auto tool = ToolField(*body);
        if (!ticket.ok()) co_return http::Problem(request, ticket.status());
        if (!tool.ok()) co_return http::Problem(request, tool.status());
        auto challenge = api.signing.LoginChallenge(*ticket, *tool);
        if (!challenge.ok()) co_return http::Problem(request, challenge.status());
        co_return http::Json(request, 200, ChallengeJson(*challenge));
      },
      RouteDoc{"Log in, step 2: the second factor's challenge (sends the SMS code)", "sessions", "",
               "LoginChallengeRequest", "Challenge", 200});

  router.Add(
      Verb::post, "/api/v1/sessions/verify",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"ticket", "answer"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto ticket = http::RequiredString(*body, "ticket");
        auto answer = http::RequiredString(*body, "answer");
        if (!ticket.ok()) co_return http::Problem(request, ticket.status());
        if (!answer.ok()) co_return http::Problem(request, answer.status());
        auto token = api.signing.FinishLogin(
            *ticket, *answer, std::string_view(request[boost::beast::http::field::user_agent]));
        if (!token.ok()) {
          if (token.status().code() == Code::kRejected) {
            co_return http::Problem(request, 401, token.status().reason(),
                                    token.status().message());
          }
          co_return http::Problem(request, token.status());
        }
        std::string csrf = security::RandomToken(security::kSessionTokenBytes);
        Response response =
            http::Json(request, 201,
                       json::object{{"token", *token},
                                    {"csrf_token", csrf},
                                    {"expires_in_s", services::kSessionLifetimeMs / 1000},
                                    {"idle_timeout_s", services::kSessionIdleTimeoutMs / 1000}});
        SetSessionCookies(response, *token, csrf);
        co_return response;
      },
      RouteDoc{"Log in, step 3: the second factor's answer; returns the session token", "sessions",
               "", "LoginAnswer", "CustomerSession", 201});

  // --- The customer's own view. ---
  router.Add(Verb::get, "/api/v1/me",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto customer = api.customers.GetById(session.subject_id);
               auto signing = api.signing.Get(session.subject_id);
               if (!customer.ok()) co_return http::Problem(request, customer.status());
               if (!signing.ok()) co_return http::Problem(request, signing.status());
               json::object out = CustomerJson(*customer);
               json::array channels;
               for (const auto& channel : signing->channels)
                 channels.push_back(json::string(channel));
               out["login_id"] = signing->login_id;
               out["channels"] = std::move(channels);
               out["tools"] = ToolsJson(signing->tools);
               co_return http::Json(request, 200, out);
             }),
             RouteDoc{"The logged-in customer, their channels and tools", "me", "customer", "",
                      "Me", 200});

  router.Add(
      Verb::get, "/api/v1/me/accounts",
      customer_only([&api](const Request& request, const Params&,
                           const services::Session& session) -> http::awaitable<Response> {
        auto accounts = api.customers.Accounts(session.subject_id);
        if (!accounts.ok()) co_return http::Problem(request, accounts.status());
        json::array list;
        for (const auto& account : *accounts) {
          auto item = AccountJson(api.ledger, account);
          if (!item.ok()) co_return http::Problem(request, item.status());
          list.push_back(std::move(*item));
        }
        co_return http::Json(request, 200, json::object{{"accounts", std::move(list)}});
      }),
      RouteDoc{"The customer's accounts and balances", "me", "customer", "", "AccountList", 200});

  router.Add(Verb::get, "/api/v1/me/accounts/{account}/transactions",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto account = api.customers.GetAccount(params.at("account"));
               // Another customer's account looks exactly like one that does not exist.
               if (!account.ok() || account->customer_id != session.subject_id) {
                 co_return http::Problem(request, 404, "unknown_account",
                                         "no such account of yours");
               }
               auto query = HistoryQueryOf(request.target(), account->currency);
               if (!query.ok()) co_return http::Problem(request, query.status());
               auto page = api.customers.History(session.subject_id, account->number, *query);
               if (!page.ok()) co_return http::Problem(request, page.status());
               json::array list;
               for (const services::HistoryEntry& entry : page->entries)
                 list.push_back(TransactionJson(entry, page->currency));
               json::object out{{"transactions", std::move(list)}};
               // The next page: ?before= this, with the same filters. A filtered page may be
               // short, even empty, and still have one; without next_before the history ends.
               if (page->next_before) out["next_before"] = *page->next_before;
               co_return http::Json(request, 200, std::move(out));
             }),
             RouteDoc{"An account's transactions, newest first; filters by time, amount and "
                      "direction; pages with ?before=next_before",
                      "me", "customer", "", "TransactionList", 200});

  router.Add(Verb::get, "/api/v1/me/accounts/{account}/statement.pdf",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) {
               return StatementFile(api, request, params, session, FileFormat::kPdf);
             }),
             RouteDoc{"A statement of the account for ?from=YYYY-MM-DD&to=YYYY-MM-DD (China "
                      "Standard Time, inclusive), as PDF",
                      "me", "customer", "", std::string(kPdfType), 200});

  router.Add(Verb::get, "/api/v1/me/accounts/{account}/statement.xlsx",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) {
               return StatementFile(api, request, params, session, FileFormat::kXlsx);
             }),
             RouteDoc{"A statement of the account for ?from=YYYY-MM-DD&to=YYYY-MM-DD (China "
                      "Standard Time, inclusive), as a spreadsheet",
                      "me", "customer", "", std::string(kXlsxType), 200});

  router.Add(Verb::get, "/api/v1/me/accounts/{account}/transactions/{id}/receipt.pdf",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) {
               return ReceiptFile(api, request, params, session, FileFormat::kPdf);
             }),
             RouteDoc{"A receipt for one transaction of the account, as PDF", "me", "customer", "",
                      std::string(kPdfType), 200});

  router.Add(Verb::get, "/api/v1/me/accounts/{account}/transactions/{id}/receipt.xlsx",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) {
               return ReceiptFile(api, request, params, session, FileFormat::kXlsx);
             }),
             RouteDoc{"A receipt for one transaction of the account, as a spreadsheet", "me",
                      "customer", "", std::string(kXlsxType), 200});

  router.Add(Verb::post, "/api/v1/me/transfers",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body =
                   ParseBody(request, {"from_account", "to_account", "amount", "currency", "memo"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               services::TransferRequest transfer;
               transfer.customer_id = session.subject_id;
               transfer.idempotency_key = std::string(request["Idempotency-Key"]);
               auto from = http::RequiredString(*body, "from_account");
               auto to = http::RequiredString(*body, "to_account");
               auto currency = http::RequiredCurrency(*body, "currency");
               auto memo = http::OptionalString(*body, "memo");
               for (const Status* status :
                    {&from.status(), &to.status(), &currency.status(), &memo.status()}) {
                 if (!status->ok()) co_return http::Problem(request, *status);
               }
               auto amount = http::RequiredAmount(*body, "amount", *currency);
               if (!amount.ok()) co_return http::Problem(request, amount.status());
               transfer.from_account = *from;
               transfer.to_account = *to;
               transfer.amount_minor = *amount;
               transfer.currency = *currency;
               transfer.memo = memo->value_or("");
               auto payment = co_await AwaitCallback<Result<services::Payment>>(
                   [&api, &transfer](services::PaymentCallback done) {
                     api.payments.CreateAsync(transfer, std::move(done));
                   });
               if (!payment.ok()) co_return http::Problem(request, payment.status());
               co_return PaymentResponse(request, *payment);
             }),
             RouteDoc{"Transfer: 201 when done, 202 when strong authentication is required", "me",
                      "customer", "Transfer", "Payment", 201});

  router.Add(Verb::get, "/api/v1/me/transfers/{id}",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id) co_return http::Problem(request, 404, "unknown_payment", "no such payment");
               auto payment = api.payments.Get(session.subject_id, *id);
               if (!payment.ok()) co_return http::Problem(request, payment.status());
               co_return http::Json(request, 200, PaymentJson(*payment));
             }),
             RouteDoc{"A transfer of the customer's", "me", "customer", "", "Payment", 200});

  router.Add(Verb::post, "/api/v1/me/transfers/{id}/challenge",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"tool"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto tool = ToolField(*body);
               if (!tool.ok()) co_return http::Problem(request, tool.status());
               auto id = IdParam(params, "id");
               if (!id) co_return http::Problem(request, 404, "unknown_payment", "no such payment");
               auto challenge = api.payments.Challenge(session.subject_id, *id, *tool);
               if (!challenge.ok()) co_return http::Problem(request, challenge.status());
               co_return http::Json(request, 200, ChallengeJson(*challenge));
             }),
             RouteDoc{"A challenge bound to the transfer's amount and payee", "me", "customer",
                      "ChallengeRequest", "Challenge", 200});

  router.Add(Verb::post, "/api/v1/me/transfers/{id}/confirm",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"challenge_id", "answer"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto challenge = http::RequiredString(*body, "challenge_id");
               auto answer = http::RequiredString(*body, "answer");
               if (!challenge.ok()) co_return http::Problem(request, challenge.status());
               if (!answer.ok()) co_return http::Problem(request, answer.status());
               auto id = IdParam(params, "id");
               if (!id) co_return http::Problem(request, 404, "unknown_payment", "no such payment");
               auto payment = co_await AwaitCallback<Result<services::Payment>>(
                   [&](services::PaymentCallback done) {
                     api.payments.ConfirmAsync(session.subject_id, *id, *challenge, *answer,
                                               std::move(done));
                   });
               if (!payment.ok()) co_return http::Problem(request, payment.status());
               co_return PaymentResponse(request, *payment);
             }),
             RouteDoc{"Answer the transfer's challenge; the money moves when it is right", "me",
                      "customer", "Confirmation", "Payment", 201});

  router.Add(
      Verb::get, "/api/v1/me/sessions",
      customer_only([&api](const Request& request, const Params&,
                           const services::Session& session) -> http::awaitable<Response> {
        auto sessions = api.sessions.List(services::SubjectKind::kCustomer, session.subject_id);
        if (!sessions.ok()) co_return http::Problem(request, sessions.status());
        json::array list;
        for (const auto& item : *sessions) {
          list.push_back(json::object{{"id", item.id},
                                      {"client", item.client},
                                      {"created_at_ms", item.created_at_ms},
                                      {"last_seen_at_ms", item.last_seen_at_ms},
                                      {"current", item.id == session.id}});
        }
        co_return http::Json(request, 200, json::object{{"sessions", std::move(list)}});
      }),
      RouteDoc{"The customer's live sessions (devices)", "me", "customer", "", "SessionList", 200});

  router.Add(Verb::delete_, "/api/v1/me/sessions/current",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               Status status = api.sessions.RevokeById(services::SubjectKind::kCustomer,
                                                       session.subject_id, session.id);
               if (!status.ok()) co_return http::Problem(request, status);
               Response response = http::Text(request, 204, "");
               ClearSessionCookies(response);
               co_return response;
             }),
             RouteDoc{"Log out: end this session", "me", "customer", "", "", 204});

  router.Add(
      Verb::get, "/api/v1/me/logins",
      customer_only([&api](const Request& request, const Params&,
                           const services::Session& session) -> http::awaitable<Response> {
        json::array list;
        Status status = api.customers.database().Read([&](store::SqlSession& sql) {
          auto rows = sql.Query(
              "SELECT at_ms, action, target, outcome FROM audit_log WHERE actor_kind = 'customer' "
              "AND actor_id = ? AND action LIKE 'login.%' ORDER BY id DESC LIMIT ?",
              {session.subject_id, static_cast<int64_t>(kLoginHistoryMax)});
          if (!rows.ok()) return rows.status();
          for (size_t r = 0; r < rows->size(); ++r) {
            list.push_back(json::object{{"at_ms", rows->Int(r, 0)},
                                        {"step", rows->Text(r, 1)},
                                        {"tool", rows->Text(r, 2)},
                                        {"outcome", rows->Text(r, 3)}});
          }
          return Status::Ok();
        });
        if (!status.ok()) co_return http::Problem(request, status);
        co_return http::Json(request, 200, json::object{{"logins", std::move(list)}});
      }),
      RouteDoc{"The customer's login history, newest first", "me", "customer", "", "LoginList",
               200});

  router.Add(Verb::get, "/api/v1/me/payees",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto payees = api.payments.Payees(session.subject_id);
               if (!payees.ok()) co_return http::Problem(request, payees.status());
               json::array list;
               for (const auto& payee : *payees) {
                 list.push_back(json::object{{"id", payee.id},
                                             {"name", payee.name},
                                             {"account_number", payee.account_number},
                                             {"created_at_ms", payee.created_at_ms}});
               }
               co_return http::Json(request, 200, json::object{{"payees", std::move(list)}});
             }),
             RouteDoc{"The customer's saved payees", "me", "customer", "", "PayeeList", 200});

  router.Add(Verb::post, "/api/v1/me/payees",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"name", "account_number"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto name = http::RequiredString(*body, "name");
               auto number = http::RequiredString(*body, "account_number");
               if (!name.ok()) co_return http::Problem(request, name.status());
               if (!number.ok()) co_return http::Problem(request, number.status());
               auto payee = api.payments.AddPayee(session.subject_id, *name, *number);
               if (!payee.ok()) co_return http::Problem(request, payee.status());
               co_return http::Json(request, 201,
                                    json::object{{"id", payee->id},
                                                 {"name", payee->name},
                                                 {"account_number", payee->account_number}});
             }),
             RouteDoc{"Save a payee", "me", "customer", "NewPayee", "Payee", 201});

  router.Add(Verb::delete_, "/api/v1/me/payees/{id}",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id)
                 co_return http::Problem(request, 404, "unknown_payee", "no such saved payee");
               Status status = api.payments.RemovePayee(session.subject_id, *id);
               if (!status.ok()) co_return http::Problem(request, status);
               co_return http::Text(request, 204, "");
             }),
             RouteDoc{"Remove a saved payee", "me", "customer", "", "", 204});

  router.Add(Verb::delete_, "/api/v1/me/sessions/{id}",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               Status status = api.sessions.RevokeById(services::SubjectKind::kCustomer,
                                                       session.subject_id, params.at("id"));
               if (!status.ok()) co_return http::Problem(request, status);
               co_return http::Text(request, 204, "");
             }),
             RouteDoc{"End one of the customer's sessions", "me", "customer", "", "", 204});
}

}  // namespace ebank::app
