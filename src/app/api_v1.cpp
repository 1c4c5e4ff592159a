#include "app/api_v1.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>

#include "app/api_common.h"
#include "app/api_v1_backoffice.h"
#include "app/api_v1_staff.h"
#include "app/api_v1_workbench.h"
#include "http/json.h"

namespace ebank::app {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

void AddApiV1Routes(http::Router& router, const ApiServices& api) {
  auto staff_only = [&api](StaffHandler handler) {
    return StaffOnly(api.staff, std::move(handler));
  };

  router.Add(
      Verb::post, "/api/v1/staff/sessions",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto body = http::ParseObject(request.body());
        if (!body.ok()) co_return http::Problem(request, body.status());
        Status only = http::OnlyFields(*body, {"login", "password"});
        if (!only.ok()) co_return http::Problem(request, only);
        auto login = http::RequiredString(*body, "login");
        auto password = http::RequiredString(*body, "password");
        if (!login.ok()) co_return http::Problem(request, login.status());
        if (!password.ok()) co_return http::Problem(request, password.status());
        auto result = api.staff.Login(
            *login, *password, std::string_view(request[boost::beast::http::field::user_agent]));
        if (!result.ok()) {
          unsigned status = result.status().code() == Code::kRejected ? 401 : 0;
          co_return status
              ? http::Problem(request, status, result.status().reason(), result.status().message())
              : http::Problem(request, result.status());
        }
        co_return http::Json(
            request, 201,
            json::object{
                {"token", result->token},
                {"expires_in_s", services::kSessionLifetimeMs / 1000},
                {"idle_timeout_s", services::kSessionIdleTimeoutMs / 1000},
                {"staff", json::object{{"id", result->staff.id},
                                       {"login", result->staff.login},
                                       {"name", result->staff.name},
                                       {"role", services::RoleName(result->staff.role)}}}});
      },
      RouteDoc{"Staff log in with login and password", "staff", "", "StaffLogin", "StaffSession",
               201});

  router.Add(
      Verb::delete_, "/api/v1/staff/sessions/current",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        Status status = api.sessions.Revoke(BearerToken(request));
        if (!status.ok()) co_return http::Problem(request, status);
        co_return http::Text(request, 204, "");
      },
      RouteDoc{"Staff log out", "staff", "staff", "", "", 204});

  router.Add(
      Verb::get, "/api/v1/products",
      [&api](const Request& request, const Params&) -> http::awaitable<Response> {
        auto products = api.customers.Products();
        if (!products.ok()) co_return http::Problem(request, products.status());
        json::array list;
        for (const auto& product : *products)
          list.push_back(ProductJson(product));
        co_return http::Json(request, 200, json::object{{"products", std::move(list)}});
      },
      RouteDoc{"The products accounts are opened from", "customers", "", "", "ProductList", 200});

  router.Add(
      Verb::post, "/api/v1/customers",
      staff_only([&api](const Request& request, const Params&,
                        const services::Staff& staff) -> http::awaitable<Response> {
        auto body = http::ParseObject(request.body());
        if (!body.ok()) co_return http::Problem(request, body.status());
        Status only = http::OnlyFields(*body, {"kind", "name", "id_number", "mobile", "address"});
        if (!only.ok()) co_return http::Problem(request, only);
        services::NewCustomer input;
        auto kind = http::OptionalString(*body, "kind");
        auto name = http::RequiredString(*body, "name");
        auto id_number = http::RequiredString(*body, "id_number");
        auto mobile = http::RequiredString(*body, "mobile");
        auto address = http::OptionalString(*body, "address");
        for (const Status* status : {&kind.status(), &name.status(), &id_number.status(),
                                     &mobile.status(), &address.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        std::string kind_text = kind->value_or("individual");
        if (kind_text != "individual" && kind_text != "company") {
          co_return http::Problem(request, 400, "invalid_field",
                                  "kind must be 'individual' or 'company'");
        }
        input.kind = kind_text == "company" ? services::CustomerKind::kCompany
                                            : services::CustomerKind::kIndividual;
        input.name = *name;
        input.id_number = *id_number;
        input.mobile = *mobile;
        input.address = address->value_or("");
        input.unit_id = staff.unit_id;  // The customer belongs to the unit that registered them.
        auto customer = api.customers.Create(input);
        (void)services::RecordAudit(
            api.customers.database(), api.clock,
            {"staff", staff.id, "counter", "customer.create", customer.ok() ? customer->number : "",
             customer.ok() ? "ok" : customer.status().reason(), ""});
        if (!customer.ok()) co_return http::Problem(request, customer.status());
        co_return http::Json(request, 201, CustomerJson(*customer));
      }),
      RouteDoc{"Register a customer (staff)", "customers", "staff", "NewCustomer", "Customer",
               201});

  router.Add(Verb::get, "/api/v1/customers/{number}",
             staff_only([&api](const Request& request, const Params& params,
                               const services::Staff& staff) -> http::awaitable<Response> {
               auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
               if (!customer.ok()) co_return http::Problem(request, customer.status());
               auto accounts = api.customers.Accounts(customer->id);
               if (!accounts.ok()) co_return http::Problem(request, accounts.status());
               json::object out = CustomerJson(*customer);
               json::array list;
               for (const auto& account : *accounts) {
                 auto item = AccountJson(api.ledger, account);
                 if (!item.ok()) co_return http::Problem(request, item.status());
                 list.push_back(std::move(*item));
               }
               out["accounts"] = std::move(list);
               co_return http::Json(request, 200, out);
             }),
             RouteDoc{"A customer with their accounts and balances (staff)", "customers", "staff",
                      "", "CustomerWithAccounts", 200});

  router.Add(
      Verb::post, "/api/v1/customers/{number}/accounts",
      staff_only([&api](const Request& request, const Params& params,
                        const services::Staff& staff) -> http::awaitable<Response> {
        auto body = http::ParseObject(request.body());
        if (!body.ok()) co_return http::Problem(request, body.status());
        Status only = http::OnlyFields(*body, {"product", "bound_account"});
        if (!only.ok()) co_return http::Problem(request, only);
        auto product = http::RequiredString(*body, "product");
        auto bound = http::OptionalString(*body, "bound_account");
        if (!product.ok()) co_return http::Problem(request, product.status());
        if (!bound.ok()) co_return http::Problem(request, bound.status());
        auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
        if (!customer.ok()) co_return http::Problem(request, customer.status());
        auto account = api.customers.OpenAccount(customer->id, *product, *bound, staff.unit_id);
        (void)services::RecordAudit(api.customers.database(), api.clock,
                                    {"staff", staff.id, "counter", "account.open", customer->number,
                                     account.ok() ? "ok" : account.status().reason(),
                                     account.ok() ? account->number : *product});
        if (!account.ok()) co_return http::Problem(request, account.status());
        auto out = AccountJson(api.ledger, *account);
        if (!out.ok()) co_return http::Problem(request, out.status());
        co_return http::Json(request, 201, *out);
      }),
      RouteDoc{"Open an account for a customer from a product (staff)", "customers", "staff",
               "NewAccount", "Account", 201});

  router.Add(
      Verb::get, "/api/v1/accounts/{number}",
      staff_only([&api](const Request& request, const Params& params,
                        const services::Staff& staff) -> http::awaitable<Response> {
        auto account = api.customers.GetAccount(params.at("number"), staff.scope());
        if (!account.ok()) co_return http::Problem(request, account.status());
        auto out = AccountJson(api.ledger, *account);
        if (!out.ok()) co_return http::Problem(request, out.status());
        co_return http::Json(request, 200, *out);
      }),
      RouteDoc{"An account and its balances (staff)", "customers", "staff", "", "Account", 200});

  AddCustomerRoutes(router, api);
  AddLimitRoutes(router, api);
  AddSecurityRoutes(router, api);
  AddScheduledRoutes(router, api);
  AddStaffRoutes(router, api);
  AddBackOfficeRoutes(router, api);
  AddWorkbenchRoutes(router, api);
  AddNotificationRoutes(router, api);
  AddCardRoutes(router, api);

  router.Add(
      Verb::get, "/api/v1/openapi.json",
      [&router](const Request& request, const Params&) -> http::awaitable<Response> {
        co_return http::Json(request, 200, OpenApiDocument(router));
      },
      RouteDoc{"This document", "meta", "", "", "OpenApi", 200});
}

namespace {

json::object Ref(const std::string& schema) {
  return json::object{{"$ref", "#/components/schemas/" + schema}};
}

json::object Content(const std::string& media_type, const std::string& schema) {
  return json::object{{media_type, json::object{{"schema", Ref(schema)}}}};
}

json::object StringProperty(std::string_view description) {
  return json::object{{"type", "string"}, {"description", description}};
}

// An object schema of string properties.
json::object Object(std::initializer_list<std::pair<std::string_view, std::string_view>> properties,
                    std::initializer_list<std::string_view> required) {
  json::object fields;
  for (const auto& [name, description] : properties)
    fields[name] = StringProperty(description);
  json::array names;
  for (std::string_view name : required)
    names.push_back(json::string(name));
  json::object schema{{"type", "object"}, {"properties", std::move(fields)}};
  if (!names.empty()) schema["required"] = std::move(names);
  return schema;
}

// Request and response shapes. Amounts are decimal strings in the currency's precision.
json::object Schemas() {
  json::object amount{
      {"type", "string"},
      {"pattern", "^-?[0-9]+(\\.[0-9]+)?$"},
      {"description", "a decimal in the currency's minor precision, e.g. \"100.00\""}};
  json::object account{
      {"type", "object"},
      {"properties",
       json::object{
           {"number", StringProperty("account number (card numbers pass the Luhn check)")},
           {"product", StringProperty("product code")},
           {"account_class", json::object{{"type", "integer"}, {"enum", json::array{0, 1, 2, 3}}}},
           {"status", StringProperty("active, frozen, lost or closed")},
           {"currency", StringProperty("ISO 4217 code")},
           {"balance", amount},
           {"held", amount},
           {"available", amount},
           {"credit_limit", amount},
           {"bound_account", json::object{{"type", json::array{"string", "null"}}}},
           {"opened_at_ms", json::object{{"type", "integer"}}}}}};
  json::object customer{
      {"type", "object"},
      {"properties",
       json::object{{"number", StringProperty("customer number")},
                    {"kind", json::object{{"type", "string"},
                                          {"enum", json::array{"individual", "company"}}}},
                    {"name", StringProperty("legal name")},
                    {"id_type", json::object{{"type", "string"},
                                             {"enum", json::array{"resident_id", "credit_code"}}}},
                    {"id_number", StringProperty("masked for individuals")},
                    {"mobile", StringProperty("11-digit mobile number")},
                    {"address", StringProperty("address")},
                    {"status", StringProperty("active")},
                    {"created_at_ms", json::object{{"type", "integer"}}}}}};
  json::object with_accounts = customer;
  with_accounts["properties"].as_object()["accounts"] =
      json::object{{"type", "array"}, {"items", Ref("Account")}};
  return json::object{
      {"Problem",
       json::object{{"type", "object"},
                    {"required", json::array{"type", "status", "code"}},
                    {"properties",
                     json::object{{"type", StringProperty("URI of the problem type")},
                                  {"title", StringProperty("HTTP reason")},
                                  {"status", json::object{{"type", "integer"}}},
                                  {"code", StringProperty("stable machine-readable reason")},
                                  {"detail", StringProperty("what went wrong, for people")}}}}},
      {"StaffLogin",
       json::object{{"type", "object"},
                    {"required", json::array{"login", "password"}},
                    {"additionalProperties", false},
                    {"properties", json::object{{"login", StringProperty("staff login")},
                                                {"password", StringProperty("password")}}}}},
      {"StaffSession",
       json::object{
           {"type", "object"},
           {"properties", json::object{{"token", StringProperty("bearer token")},
                                       {"expires_in_s", json::object{{"type", "integer"}}},
                                       {"idle_timeout_s", json::object{{"type", "integer"}}},
                                       {"staff", json::object{{"type", "object"}}}}}}},
      {"NewCustomer",
       json::object{
           {"type", "object"},
           {"required", json::array{"name", "id_number", "mobile"}},
           {"additionalProperties", false},
           {"properties",
            json::object{
                {"kind",
                 json::object{{"type", "string"}, {"enum", json::array{"individual", "company"}}}},
                {"name", StringProperty("legal name, 1 to 120 bytes")},
                {"id_number",
                 StringProperty("18-digit resident ID or credit code, check digit validated")},
                {"mobile", StringProperty("11 digits starting with 1")},
                {"address", StringProperty("up to 200 bytes")}}}}},
      {"NewAccount",
       json::object{
           {"type", "object"},
           {"required", json::array{"product"}},
           {"additionalProperties", false},
           {"properties",
            json::object{
                {"product", StringProperty("product code")},
                {"bound_account",
                 StringProperty("the class I account a class II/III account is bound to")}}}}},
      {"Customer", customer},
      {"CustomerWithAccounts", with_accounts},
      {"Account", account},
      {"ProductList",
       json::object{{"type", "object"},
                    {"properties",
                     json::object{{"products",
                                   json::object{{"type", "array"},
                                                {"items", json::object{{"type", "object"}}}}}}}}},
      {"OpenApi", json::object{{"type", "object"}}},
      {"Signing", Object({{"login_id", "4 to 32 letters, digits, '.', '_' or '-'"},
                          {"password", "8 to 32 printable characters, not weak"},
                          {"reserved_info", "the phrase shown after the password, 1 to 60 bytes"},
                          {"alert_threshold", "balance alerts from this amount (CNY)"}},
                         {"login_id", "password", "reserved_info"})},
      {"SigningResult", Object({{"login_id", "login id"}}, {})},
      {"TotpEnrolment",
       Object({{"secret", "base32 seed"},
               {"otpauth_uri", "for the QR code"},
               {"qr_svg", "the otpauth URI as a QR code (level M), an SVG document"}},
              {})},
      {"ToolLimit", Object({{"tool", "password, sms, password_card, totp or ukey (from the path)"},
                            {"per_transaction", "the most one transfer may be, CNY"},
                            {"daily", "the most a day's transfers may add up to, CNY"}},
                           {"per_transaction", "daily"})},
      {"Limits", Object({{"account", "the paying account"},
                         {"used_today", "what today's transfers to others have used, CNY"},
                         {"limits", "per tool: per_transaction, daily and remaining_today"}},
                        {})},
      {"UkeyRequest",
       Object({{"public_key_pem", "the U-key's P-256 public key, PEM"}}, {"public_key_pem"})},
      {"Login",
       Object({{"login_id", "login id"},
               {"password", "password in clear (API clients; the web page never sends it)"},
               {"password_encrypted",
                "instead of password: base64 RSA-OAEP-256 ciphertext of "
                "{\"password\",\"nonce\"} under GET /api/v1/sessions/password-key"},
               {"key_id", "with password_encrypted: the key's key_id"}},
              {"login_id"})},
      {"PasswordKey",
       json::object{
           {"type", "object"},
           {"properties",
            json::object{
                {"key_id", StringProperty("names the key; send it back with the ciphertext")},
                {"spki_base64", StringProperty("RSA-2048 public key, DER SubjectPublicKeyInfo")},
                {"algorithm", StringProperty("RSA-OAEP-256: OAEP and MGF1 with SHA-256")},
                {"nonce", StringProperty("put in the encrypted JSON; usable once")},
                {"nonce_expires_at_ms",
                 json::object{{"type", "integer"},
                              {"description", "the nonce is refused from then on"}}}}}}},
      {"LoginTicket", Object({{"ticket", "for the next two steps"},
                              {"reserved_info", "show it: a phishing site cannot"}},
                             {})},
      {"LoginChallengeRequest",
       Object({{"ticket", "from step 1"}, {"tool", "sms, password_card, totp or ukey"}},
              {"ticket", "tool"})},
      {"Challenge", Object({{"challenge_id", "for payments"},
                            {"tool", "the tool"},
                            {"prompt", "masked mobile, card cells, or the text to sign"}},
                           {})},
      {"LoginAnswer",
       Object({{"ticket", "from step 1"}, {"answer", "code, card digits, or hex signature"}},
              {"ticket", "answer"})},
      {"CustomerSession", Object({{"token", "bearer token"}}, {})},
      {"Me", customer},
      {"AccountList",
       json::object{
           {"type", "object"},
           {"properties", json::object{{"accounts", json::object{{"type", "array"},
                                                                 {"items", Ref("Account")}}}}}}},
      {"TransactionList",
       json::object{
           {"type", "object"},
           {"properties",
            json::object{
                {"transactions",
                 json::object{
                     {"type", "array"},
                     {"description", "newest first"},
                     {"items",
                      json::object{
                          {"type", "object"},
                          {"properties",
                           json::object{
                               {"transaction_id", json::object{{"type", "integer"}}},
                               {"direction", json::object{{"type", "string"},
                                                          {"enum", json::array{"credit", "debit"}},
                                                          {"description", "credit: money in"}}},
                               {"amount", amount},
                               {"balance_after", amount},
                               {"at_ms", json::object{{"type", "integer"}}},
                               {"memo", StringProperty("the transfer's memo")},
                               {"counterparty",
                                StringProperty(
                                    "the other account, masked; absent when none")}}}}}}},
                {"next_before",
                 json::object{
                     {"type", "integer"},
                     {"description",
                      "pass as ?before= for the next page (same filters); absent on "
                      "the last page. A filtered page may be short and still have it"}}}}}}},
      {"Transfer", Object({{"from_account", "one of the customer's accounts"},
                           {"to_account", "an account in this bank"},
                           {"amount", "decimal string"},
                           {"currency", "ISO 4217"},
                           {"memo", "up to 140 bytes"}},
                          {"from_account", "to_account", "amount", "currency"})},
      {"Payment", Object({{"status", "completed, sca_required or failed"},
                          {"amount", "decimal string"},
                          {"failure", "the reason when failed"}},
                         {})},
      {"ChallengeRequest", Object({{"tool", "sms, password_card, totp or ukey"}}, {"tool"})},
      {"Confirmation", Object({{"challenge_id", "from the challenge"}, {"answer", "the answer"}},
                              {"challenge_id", "answer"})},
      {"SessionList", Object({{"sessions", "live sessions"}}, {})},
      {"LoginList", Object({{"logins", "login steps, newest first"}}, {})},
      {"SelfSignUp", Object({{"account_number", "an account of yours"},
                             {"id_number", "your ID number"},
                             {"mobile", "the mobile the bank has"}},
                            {"account_number", "id_number", "mobile"})},
      {"SignUpTicket", Object({{"ticket", "for step 2"}}, {})},
      {"SelfSignUpFinish", Object({{"ticket", "from step 1"},
                                   {"code", "the SMS code"},
                                   {"login_id", "4 to 32 characters"},
                                   {"password", "8 to 32 characters"},
                                   {"reserved_info", "1 to 60 bytes"}},
                                  {"ticket", "code", "login_id", "password", "reserved_info"})},
      {"PayeeList", Object({{"payees", "saved payees"}}, {})},
      {"Payee", Object({{"name", "payee's name"}, {"account_number", "account in this bank"}}, {})},
      {"NewPayee",
       Object({{"name", "1 to 120 bytes"}, {"account_number", "an account in this bank"}},
              {"name", "account_number"})},
      {"NewScheduledTransfer",
       json::object{
           {"type", "object"},
           {"required", json::array{"from_account", "to_account", "amount", "currency",
                                    "first_date", "frequency"}},
           {"additionalProperties", false},
           {"properties",
            json::object{
                {"from_account", StringProperty("one of the customer's accounts")},
                {"to_account", StringProperty("an account in this bank")},
                {"amount", amount},
                {"currency", StringProperty("ISO 4217")},
                {"memo", StringProperty("up to 140 bytes")},
                {"first_date", StringProperty("YYYY-MM-DD (China Standard Time), today or "
                                              "later; day 1 to 28 for monthly")},
                {"frequency", json::object{{"type", "string"},
                                           {"enum", json::array{"once", "weekly", "monthly"}}}},
                {"until", StringProperty("standing orders: YYYY-MM-DD, the last date a run may "
                                         "fall on")},
                {"count", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 120}}}}}}},
      {"ScheduledTransfer",
       Object({{"status", "sca_required, active, finished or cancelled"},
               {"frequency", "once, weekly or monthly"},
               {"next_date", "the next run's date, null when none"},
               {"runs", "runs, newest first: run_date, status, payment_id, failure"}},
              {})},
      {"ScheduledTransferList",
       Object({{"scheduled_transfers", "newest first, each with its last runs"}}, {})},
      {"NotificationList",
       Object({{"notifications",
                "newest first; each {id, kind: balance, direction: credit|debit, amount, "
                "currency, account_tail, balance_after, at_ms, read, read_at_ms}"},
               {"unread", "how many of mine are unread"},
               {"next_before", "pass as ?before= for the next page; absent on the last"}},
              {"notifications", "unread"})},
      {"UnreadCount", Object({{"unread", "how many of mine are unread"}}, {"unread"})},
      {"PasswordChange",
       Object({{"old_password_encrypted",
                "base64 RSA-OAEP-256 ciphertext of {\"password\",\"nonce\"}, as at login"},
               {"old_key_id", "with old_password_encrypted: the key's key_id"},
               {"new_password_encrypted", "the new password, encrypted the same way"},
               {"new_key_id", "with new_password_encrypted: the key's key_id"},
               {"old_password", "instead: the current password in clear (API clients)"},
               {"new_password",
                "instead: the new password in clear; 8 to 32 printable ASCII characters "
                "mixing two of digits, letters and symbols"}},
              {})},
      {"SecuritySettings",
       Object({{"alert_threshold", "balance-change alerts from this amount, CNY"},
               {"tools",
                "the security tools held: tool, state, label, created_at_ms; a password card's "
                "uses, uses_max and uses_left; a U-key's certificate"}},
              {})},
      {"AlertThreshold", Object({{"threshold", "CNY; 0 alerts every change"}}, {"threshold"})},
      {"SelfLimit", Object({{"account", "one of my accounts: its bank limit is the ceiling"},
                            {"per_transaction", "at most the bank's, CNY"},
                            {"daily", "at most the bank's, CNY"}},
                           {"account", "per_transaction", "daily"})},
  };
}

}  // namespace

namespace {

json::object QueryParameter(std::string_view name, json::object schema,
                            std::string_view description, bool required = false) {
  return json::object{{"name", name},
                      {"in", "query"},
                      {"required", required},
                      {"description", description},
                      {"schema", std::move(schema)}};
}

// The query parameters a route reads, by its pattern (RouteDoc has no place for them).
json::array QueryParameters(std::string_view pattern) {
  json::object integer{{"type", "integer"}, {"minimum", 0}};
  json::object date{{"type", "string"}, {"format", "date"}};
  json::object amount{{"type", "string"}, {"pattern", "^[0-9]+(\\.[0-9]+)?$"}};
  if (pattern == "/api/v1/me/accounts/{account}/transactions") {
    return json::array{
        QueryParameter("before", integer, "only transactions older than this one (paging)"),
        QueryParameter("from", date, "from this day on, China Standard Time"),
        QueryParameter("to", date, "up to and including this day, China Standard Time"),
        QueryParameter("from_ms", integer, "instead of from: at or after, Unix milliseconds"),
        QueryParameter("to_ms", integer, "instead of to: before, Unix milliseconds"),
        QueryParameter("min", amount, "amounts of at least this, in the currency's precision"),
        QueryParameter("max", amount, "amounts of at most this, in the currency's precision"),
        QueryParameter("direction",
                       json::object{{"type", "string"}, {"enum", json::array{"in", "out"}}},
                       "money in or money out")};
  }
  if (pattern.starts_with("/api/v1/me/accounts/{account}/statement.")) {
    return json::array{QueryParameter("from", date, "the first day, China Standard Time", true),
                       QueryParameter("to", date, "the last day (at most 366 days in all)", true)};
  }
  if (pattern == "/api/v1/terminals") {
    return json::array{QueryParameter(
        "idle_days", json::object{{"type", "integer"}, {"minimum", 0}, {"maximum", 3650}},
        "only active terminals with no message for this many days (the clean-up list); 0 or "
        "absent: every terminal")};
  }
  if (pattern == "/api/v1/me/notifications") {
    return json::array{QueryParameter("before", integer, "only notifications older than this id"),
                       QueryParameter("limit", integer, "page size, 1 to 100 (20)")};
  }
  return {};
}

}  // namespace

json::object OpenApiDocument(const http::Router& router) {
  json::object paths;
  for (const http::Route& route : router.routes()) {
    if (route.doc.summary.empty()) continue;
    std::string verb(boost::beast::http::to_string(route.verb));
    for (char& c : verb)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::object operation{{"summary", route.doc.summary}, {"tags", json::array{route.doc.tag}}};
    json::array parameters;
    for (size_t open = route.pattern.find('{'); open != std::string::npos;
         open = route.pattern.find('{', open + 1)) {
      size_t close = route.pattern.find('}', open);
      parameters.push_back(json::object{{"name", route.pattern.substr(open + 1, close - open - 1)},
                                        {"in", "path"},
                                        {"required", true},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    for (json::value& parameter : QueryParameters(route.pattern))
      parameters.push_back(std::move(parameter));
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (!route.doc.auth.empty()) {
      operation["security"] = json::array{json::object{{route.doc.auth, json::array{}}}};
    }
    if (!route.doc.request.empty()) {
      operation["requestBody"] = json::object{
          {"required", true}, {"content", Content("application/json", route.doc.request)}};
    }
    json::object success{{"description", "success"}};
    // A response named by a media type ("application/pdf") is a file download.
    if (route.doc.response.find('/') != std::string::npos) {
      success["content"] = json::object{
          {route.doc.response,
           json::object{{"schema", json::object{{"type", "string"}, {"format", "binary"}}}}}};
    } else if (!route.doc.response.empty()) {
      success["content"] = Content("application/json", route.doc.response);
    }
    json::object responses;
    responses[std::to_string(route.doc.success)] = std::move(success);
    responses["default"] =
        json::object{{"description", "an RFC 9457 problem"},
                     {"content", Content("application/problem+json", "Problem")}};
    operation["responses"] = std::move(responses);
    json::value& path = paths[route.pattern];
    if (!path.is_object()) path = json::object{};
    path.as_object()[verb] = std::move(operation);
  }
  json::object bearer{{"type", "http"}, {"scheme", "bearer"}};
  return json::object{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "ebank API"},
                            {"version", "1"},
                            {"description",
                             "Electronic banking: customers, accounts, payments. "
                             "Amounts are decimal strings; errors are RFC 9457 "
                             "problems with a stable code."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{{"schemas",
                     [] {
                       json::object schemas = Schemas();
                       for (auto& [name, schema] : BackOfficeSchemas())
                         schemas[name] = schema;
                       for (auto& [name, schema] : WorkbenchSchemas())
                         schemas[name] = schema;
                       for (auto& [name, schema] : StaffSchemas())
                         schemas[name] = std::move(schema);
                       for (auto& [name, schema] : CardSchemas())
                         schemas[name] = std::move(schema);
                       return schemas;
                     }()},
                    {"securitySchemes",
                     json::object{{"staff", bearer}, {"customer", bearer}, {"operator", bearer}}}}},
  };
}

}  // namespace ebank::app
