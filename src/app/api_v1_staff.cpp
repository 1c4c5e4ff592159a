#include "app/api_v1_staff.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <fmt/format.h>

#include <memory>
#include <string>

#include "app/api_common.h"
#include "core/hash.h"
#include "http/json.h"
#include "print/password_card_pdf.h"
#include "print/qr.h"
#include "services/approvals.h"
#include "services/cards.h"
#include "services/organisation.h"

namespace ebank::app {
namespace {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

json::object UnitJson(const services::Unit& unit) {
  json::object out{{"id", unit.id},
                   {"code", unit.code},
                   {"name_zh", unit.name_zh},
                   {"name_en", unit.name_en},
                   {"kind", services::UnitKindName(unit.kind)},
                   {"parent_id", unit.parent_id ? json::value(*unit.parent_id) : json::value()}};
  return out;
}

json::object StaffJson(const services::Staff& staff) {
  return json::object{{"id", staff.id},
                      {"login", staff.login},
                      {"name", staff.name},
                      {"role", services::RoleName(staff.role)},
                      {"unit_id", staff.unit_id}};
}

json::object ApprovalJson(const services::Approval& approval) {
  const services::ApprovalAction& action = approval.action;
  json::object out{
      {"id", approval.id},
      {"kind", services::ApprovalKindName(action.kind)},
      {"state", approval.state},
      {"account", action.account},
      {"unit_id", approval.unit_id},
      {"maker_staff_id", approval.maker_staff_id},
      {"checker_staff_id",
       approval.checker_staff_id ? json::value(*approval.checker_staff_id) : json::value()},
      {"created_at_ms", approval.created_at_ms},
      {"expires_at_ms", approval.expires_at_ms},
      {"decided_at_ms", approval.decided_at_ms},
      {"outcome", approval.outcome},
  };
  if (action.kind == services::ApprovalKind::kCashDeposit ||
      action.kind == services::ApprovalKind::kCashWithdrawal) {
    out["amount"] = http::AmountJson(action.amount_minor, action.currency);
    out["currency"] = action.currency.code();
    out["memo"] = action.memo;
  } else {
    out["reason"] = action.memo;
  }
  if (action.kind == services::ApprovalKind::kUkeyIssue ||
      action.kind == services::ApprovalKind::kPasswordCardIssue ||
      action.kind == services::ApprovalKind::kUkeyCertify) {
    out["serial"] = action.serial;
  }
  if (action.kind == services::ApprovalKind::kCardIssue ||
      action.kind == services::ApprovalKind::kCardRestore) {
    out["masked_pan"] = action.serial;
  }
  if (approval.ledger_seq != 0) out["transaction_id"] = approval.ledger_seq;
  return out;
}

// The account of customer `customer_id` a fee is charged to: `wanted` when it is theirs,
// else their oldest active CNY demand account (NotFound "unknown_account" when none).
Result<std::string> FeeAccountOf(services::CustomerService& customers, int64_t customer_id,
                                 const std::string& wanted) {
  auto accounts = customers.Accounts(customer_id);
  if (!accounts.ok()) return accounts.status();
  auto products = customers.Products();
  if (!products.ok()) return products.status();
  auto demand = [&](const services::BankAccount& account) {
    for (const auto& product : *products) {
      if (product.code == account.product_code)
        return product.kind == "debit_card" || product.kind == "passbook";
    }
    return false;
  };
  for (const auto& account : *accounts) {
    if (!wanted.empty()
            ? account.number == wanted
            : account.status == "active" && account.currency == "CNY" && demand(account)) {
      return account.number;
    }
  }
  return Status::NotFound("unknown_account", "no such account of this customer");
}

// The body as a JSON object with only `allowed` fields; an empty body is an empty object.
Result<json::object> OptionalBody(const Request& request,
                                  std::initializer_list<std::string_view> allowed) {
  if (request.body().empty()) return json::object{};
  return ParseBody(request, allowed);
}

json::object StringProperty(std::string_view description) {
  return json::object{{"type", "string"}, {"description", description}};
}

json::object Properties(
    std::initializer_list<std::pair<std::string_view, std::string_view>> properties,
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

// Refusals that are about who asks, not about the action: 403.
Response DecisionProblem(const Request& request, const Status& status) {
  if (status.reason() == "checker_role_required" || status.reason() == "maker_cannot_check" ||
      status.reason() == "forbidden") {
    return http::Problem(request, 403, status.reason(), status.message());
  }
  return http::Problem(request, status);
}

// 202: the action waits for its checker; 200 for a retry that found the first request's.
Response MadeResponse(const Request& request, const services::Approval& approval) {
  Response response = http::Json(request, approval.replayed ? 200 : 202, ApprovalJson(approval));
  if (approval.replayed) response.set("Idempotent-Replayed", "true");
  return response;
}

// 202 with what the maker prepared (`shown`: a card number, a password card, a token's
// seed), which exists in the clear only in this answer; a retry that found the first
// request's approval answers 200 without it, for what it prepared anew is not what waits.
Response PreparedResponse(const Request& request, const services::Approval& approval,
                          json::object shown) {
  if (approval.replayed) return MadeResponse(request, approval);
  json::object out = ApprovalJson(approval);
  for (auto& [name, value] : shown)
    out[name] = std::move(value);
  Response response = http::Json(request, 202, std::move(out));
  response.set(boost::beast::http::field::cache_control, "no-store");
  return response;
}

// The account that names customer `number` (of `staff`'s scope) in an approval of their
// security tools: their oldest account that is not closed.
Result<std::string> AccountNaming(const ApiServices& api, const std::string& number,
                                  const services::Staff& staff, int64_t* customer_id) {
  auto customer = api.customers.GetByNumber(number, staff.scope());
  if (!customer.ok()) return customer.status();
  *customer_id = customer->id;
  auto accounts = api.customers.Accounts(customer->id);
  if (!accounts.ok()) return accounts.status();
  for (const auto& account : *accounts) {
    if (account.status != "closed") return account.number;
  }
  return Status::Rejected("no_account", "the customer has no open account");
}

// Asks for `kind` on `account` with what the maker prepared (see ApprovalAction::prepared).
Result<services::Approval> RequestPrepared(services::ApprovalService& approvals,
                                           const services::Staff& staff, const Request& request,
                                           services::ApprovalKind kind, const std::string& account,
                                           std::string serial, std::string prepared) {
  services::ApprovalAction action{
      kind, account, 0, Currency::Cny(), "", std::move(serial), std::move(prepared)};
  return approvals.Request(staff, action, std::string(request["Idempotency-Key"]));
}

// The answer to an approval: the approval when carried out, a problem naming the rule
// that refused it when it failed (it is decided either way: nothing more will happen).
Response DecidedResponse(const Request& request, const Result<services::Approval>& approval) {
  if (!approval.ok()) return DecisionProblem(request, approval.status());
  if (approval->state == "failed") {
    return http::Problem(request, 422, approval->outcome,
                         "approved, but refused when carried out; nothing changed");
  }
  return http::Json(request, 200, ApprovalJson(*approval));
}

}  // namespace

void AddStaffRoutes(http::Router& router, const ApiServices& api) {
  auto organisation = std::make_shared<services::OrganisationService>(api.customers.database(),
                                                                      api.ledger, api.clock);
  auto approvals = std::make_shared<services::ApprovalService>(api.customers.database(), api.ledger,
                                                               api.customers, api.clock);
  auto staff_only = [&api](StaffHandler handler) {
    return StaffOnly(api.staff, std::move(handler));
  };

  router.Add(Verb::get, "/api/v1/staff/me",
             StaffWithRole(api.staff, AnyStaffRole,
                           [](const Request& request, const Params&,
                              const services::Staff& staff) -> http::awaitable<Response> {
                             co_return http::Json(request, 200, StaffJson(staff));
                           }),
             RouteDoc{"The logged-in staff member and their unit", "organisation", "staff", "",
                      "Staff", 200});

  // --- Organisation (BO-1). ---
  router.Add(
      Verb::get, "/api/v1/units",
      StaffWithRole(api.staff, AnyStaffRole,
                    [organisation](const Request& request, const Params&,
                                   const services::Staff& staff) -> http::awaitable<Response> {
                      auto units = organisation->List(staff.scope());
                      if (!units.ok()) co_return http::Problem(request, units.status());
                      json::array list;
                      for (const auto& unit : *units)
                        list.push_back(UnitJson(unit));
                      co_return http::Json(request, 200, json::object{{"units", std::move(list)}});
                    }),
      RouteDoc{"The caller's unit and every unit below it, parents first", "organisation", "staff",
               "", "UnitList", 200});

  router.Add(
      Verb::post, "/api/v1/units",
      staff_only([&api, organisation](const Request& request, const Params&,
                                      const services::Staff& staff) -> http::awaitable<Response> {
        if (staff.role != services::Role::kAdmin) {
          co_return http::Problem(request, 403, "forbidden", "an administrator adds units");
        }
        auto body = ParseBody(request, {"code", "name_zh", "name_en", "kind", "parent"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto code = http::RequiredString(*body, "code");
        auto name_zh = http::RequiredString(*body, "name_zh");
        auto name_en = http::RequiredString(*body, "name_en");
        auto kind = http::RequiredString(*body, "kind");
        auto parent = http::RequiredString(*body, "parent");
        for (const Status* status : {&code.status(), &name_zh.status(), &name_en.status(),
                                     &kind.status(), &parent.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        auto unit_kind = services::ParseUnitKind(*kind);
        if (!unit_kind) {
          co_return http::Problem(request, 400, "invalid_kind",
                                  "kind must be branch, sub_branch or outlet");
        }
        auto unit =
            organisation->Create({*code, *name_zh, *name_en, *unit_kind, *parent}, staff.scope());
        (void)services::RecordAudit(api.customers.database(), api.clock,
                                    {"staff", staff.id, "admin", "unit.create", *code,
                                     unit.ok() ? "ok" : unit.status().reason(),
                                     fmt::format("{} under {}", *kind, *parent)});
        if (!unit.ok()) co_return http::Problem(request, unit.status());
        co_return http::Json(request, 201, UnitJson(*unit));
      }),
      RouteDoc{"Add a branch, sub-branch or outlet (administrator)", "organisation", "staff",
               "NewUnit", "Unit", 201});

  router.Add(
      Verb::put, "/api/v1/staff/{login}/unit",
      staff_only([&api, organisation](const Request& request, const Params& params,
                                      const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"unit"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto code = http::RequiredString(*body, "unit");
        if (!code.ok()) co_return http::Problem(request, code.status());
        if (staff.role != services::Role::kAdmin) {
          co_return http::Problem(request, 403, "forbidden", "an administrator places staff");
        }
        auto unit = organisation->GetByCode(*code, staff.scope());
        if (!unit.ok()) co_return http::Problem(request, unit.status());
        auto moved = api.staff.MoveToUnit(staff, params.at("login"), unit->id);
        if (!moved.ok()) co_return DecisionProblem(request, moved.status());
        co_return http::Json(request, 200, StaffJson(*moved));
      }),
      RouteDoc{"Place a staff member in a unit (administrator)", "organisation", "staff",
               "StaffUnit", "Staff", 200});

  // --- The counter, through maker/checker (CH-CTR). ---
  auto cash_route = [&](const char* path, services::ApprovalKind kind, const char* summary) {
    router.Add(
        Verb::post, path,
        staff_only([approvals, kind](const Request& request, const Params&,
                                     const services::Staff& staff) -> http::awaitable<Response> {
          auto body = ParseBody(request, {"account", "amount", "currency", "memo"});
          if (!body.ok()) co_return http::Problem(request, body.status());
          auto account = http::RequiredString(*body, "account");
          auto currency = http::RequiredCurrency(*body, "currency");
          auto memo = http::OptionalString(*body, "memo");
          for (const Status* status : {&account.status(), &currency.status(), &memo.status()}) {
            if (!status->ok()) co_return http::Problem(request, *status);
          }
          auto amount = http::RequiredAmount(*body, "amount", *currency);
          if (!amount.ok()) co_return http::Problem(request, amount.status());
          auto approval =
              approvals->Request(staff, {kind, *account, *amount, *currency, memo->value_or("")},
                                 std::string(request["Idempotency-Key"]));
          if (!approval.ok()) co_return http::Problem(request, approval.status());
          co_return MadeResponse(request, *approval);
        }),
        RouteDoc{summary, "counter", "staff", "CounterCash", "Approval", 202});
  };
  cash_route("/api/v1/counter/cash-deposits", services::ApprovalKind::kCashDeposit,
             "Cash paid in at the counter: pending until a supervisor approves (maker)");
  cash_route("/api/v1/counter/cash-withdrawals", services::ApprovalKind::kCashWithdrawal,
             "Cash paid out at the counter: pending until a supervisor approves (maker)");

  auto status_route = [&](const char* path, services::ApprovalKind kind, const char* summary) {
    router.Add(
        Verb::post, path,
        staff_only([approvals, kind](const Request& request, const Params& params,
                                     const services::Staff& staff) -> http::awaitable<Response> {
          auto body = OptionalBody(request, {"reason"});
          if (!body.ok()) co_return http::Problem(request, body.status());
          auto reason = http::OptionalString(*body, "reason");
          if (!reason.ok()) co_return http::Problem(request, reason.status());
          auto approval = approvals->Request(
              staff, {kind, params.at("number"), 0, Currency::Cny(), reason->value_or("")},
              std::string(request["Idempotency-Key"]));
          if (!approval.ok()) co_return http::Problem(request, approval.status());
          co_return MadeResponse(request, *approval);
        }),
        RouteDoc{summary, "counter", "staff", "StatusChange", "Approval", 202});
  };
  status_route("/api/v1/accounts/{number}/freeze", services::ApprovalKind::kFreeze,
               "Freeze an account: pending until a supervisor approves (maker)");
  status_route("/api/v1/accounts/{number}/unfreeze", services::ApprovalKind::kUnfreeze,
               "Unfreeze an account: pending until a supervisor approves (maker)");

  router.Add(
      Verb::post, "/api/v1/customers/{number}/ukey-issues",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"serial", "fee_account"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto serial = http::RequiredString(*body, "serial");
        auto fee_account = http::OptionalString(*body, "fee_account");
        if (!serial.ok()) co_return http::Problem(request, serial.status());
        if (!fee_account.ok()) co_return http::Problem(request, fee_account.status());
        auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
        if (!customer.ok()) co_return http::Problem(request, customer.status());
        auto account = FeeAccountOf(api.customers, customer->id, fee_account->value_or(""));
        if (!account.ok()) co_return http::Problem(request, account.status());
        services::ApprovalAction action{
            services::ApprovalKind::kUkeyIssue, *account, 0, Currency::Cny(), "", *serial};
        auto approval = approvals->Request(staff, action, std::string(request["Idempotency-Key"]));
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return MadeResponse(request, *approval);
      }),
      RouteDoc{"Issue a U-key from the stock to a customer, its fee charged to their account: "
               "pending until a supervisor approves (maker)",
               "counter", "staff", "UkeyIssue", "Approval", 202});

  router.Add(
      Verb::post, "/api/v1/customers/{number}/cards",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"account_number", "pin"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto account_number = http::RequiredString(*body, "account_number");
        auto pin = http::RequiredString(*body, "pin");
        if (!account_number.ok()) co_return http::Problem(request, account_number.status());
        if (!pin.ok()) co_return http::Problem(request, pin.status());
        auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
        if (!customer.ok()) co_return http::Problem(request, customer.status());
        auto accounts = api.customers.Accounts(customer->id);
        if (!accounts.ok()) co_return http::Problem(request, accounts.status());
        bool theirs = false;
        for (const auto& account : *accounts)
          theirs = theirs || account.number == *account_number;
        if (!theirs) {
          co_return http::Problem(request, 404, "unknown_account",
                                  "no such account of this customer");
        }
        auto card = api.cards.Prepare(*account_number, *pin);
        if (!card.ok()) co_return http::Problem(request, card.status());
        auto approval =
            RequestPrepared(*approvals, staff, request, services::ApprovalKind::kCardIssue,
                            *account_number, card->masked_pan, card->prepared);
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return PreparedResponse(request, *approval, json::object{{"pan", card->pan}});
      }),
      RouteDoc{"Issue a debit card on one of the customer's accounts with the PIN they chose: "
               "the card works once a supervisor approves (maker); the answer holds the full "
               "card number, shown this once to emboss the card and never again",
               "counter", "staff", "CardIssue", "PreparedCard", 202});

  router.Add(
      Verb::post, "/api/v1/customers/{number}/tools/password-card",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        int64_t customer_id = 0;
        auto account = AccountNaming(api, params.at("number"), staff, &customer_id);
        if (!account.ok()) co_return http::Problem(request, account.status());
        auto prepared = api.signing.PreparePasswordCard(customer_id);
        if (!prepared.ok()) co_return http::Problem(request, prepared.status());
        auto& [card, credential] = *prepared;
        // The card exists in the clear only in this answer, so its PDF comes with it
        // rather than from a route that could be asked again later.
        auto pdf = print::PasswordCardPdf({card});
        if (!pdf.ok()) co_return http::Problem(request, pdf.status());
        auto approval =
            RequestPrepared(*approvals, staff, request, services::ApprovalKind::kPasswordCardIssue,
                            *account, credential.label, credential.sealed);
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return PreparedResponse(
            request, *approval,
            json::object{{"card", security::Render(card)}, {"pdf_base64", Base64Encode(*pdf)}});
      }),
      RouteDoc{"Issue a password card to a customer: it replaces their current one once a "
               "supervisor approves (maker); the answer holds the printable card, this once",
               "counter", "staff", "", "PreparedPasswordCard", 202});

  router.Add(
      Verb::post, "/api/v1/customers/{number}/tools/totp",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        int64_t customer_id = 0;
        auto account = AccountNaming(api, params.at("number"), staff, &customer_id);
        if (!account.ok()) co_return http::Problem(request, account.status());
        auto prepared = api.signing.PrepareTotp(customer_id);
        if (!prepared.ok()) co_return http::Problem(request, prepared.status());
        auto& [enrolment, credential] = *prepared;
        auto qr = print::QrSvg(enrolment.otpauth_uri);
        if (!qr.ok()) co_return http::Problem(request, qr.status());
        auto approval =
            RequestPrepared(*approvals, staff, request, services::ApprovalKind::kTotpEnrol,
                            *account, credential.label, credential.sealed);
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return PreparedResponse(request, *approval,
                                   json::object{{"secret", enrolment.secret_base32},
                                                {"otpauth_uri", enrolment.otpauth_uri},
                                                {"qr_svg", *qr}});
      }),
      RouteDoc{"Enrol a dynamic token (TOTP) for a customer: it replaces their current one once "
               "a supervisor approves (maker); the answer holds its seed, this once",
               "counter", "staff", "", "PreparedTotp", 202});

  router.Add(
      Verb::post, "/api/v1/customers/{number}/password-reset",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"password"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto password = http::RequiredString(*body, "password");
        if (!password.ok()) co_return http::Problem(request, password.status());
        int64_t customer_id = 0;
        auto account = AccountNaming(api, params.at("number"), staff, &customer_id);
        if (!account.ok()) co_return http::Problem(request, account.status());
        auto prepared = api.signing.PreparePasswordReset(customer_id, *password);
        if (!prepared.ok()) co_return http::Problem(request, prepared.status());
        auto approval =
            RequestPrepared(*approvals, staff, request, services::ApprovalKind::kPasswordReset,
                            *account, "", prepared->sealed);
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return MadeResponse(request, *approval);
      }),
      RouteDoc{"Reset a customer's login password to the one they chose at the counter (it "
               "must meet the password policy): it takes effect, unlocking the login and ending "
               "their sessions, once a supervisor approves (maker)",
               "counter", "staff", "PasswordReset", "Approval", 202});

  router.Add(
      Verb::post, "/api/v1/customers/{number}/tools/ukey",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"public_key_pem"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto pem = http::RequiredString(*body, "public_key_pem");
        if (!pem.ok()) co_return http::Problem(request, pem.status());
        int64_t customer_id = 0;
        auto account = AccountNaming(api, params.at("number"), staff, &customer_id);
        if (!account.ok()) co_return http::Problem(request, account.status());
        auto prepared = api.signing.PrepareUkeyCertificate(customer_id, *pem);
        if (!prepared.ok()) co_return http::Problem(request, prepared.status());
        auto& [certificate, credential] = *prepared;
        auto approval =
            RequestPrepared(*approvals, staff, request, services::ApprovalKind::kUkeyCertify,
                            *account, credential.label, credential.sealed);
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return PreparedResponse(request, *approval,
                                   json::object{{"certificate_der_hex", HexEncode(certificate)}});
      }),
      RouteDoc{"Certify a customer's U-key public key: the bank's CA issues the certificate, "
               "which becomes the customer's U-key once a supervisor approves (maker)",
               "counter", "staff", "UkeyRequest", "PreparedUkeyCertificate", 202});

  router.Add(
      Verb::post, "/api/v1/cards/{id}/restore",
      staff_only([&api, approvals](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
        auto body = OptionalBody(request, {});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto card = CardInScope(api, IdParam(params, "id"), staff);
        if (!card.ok()) co_return http::Problem(request, card.status());
        if (card->status != "lost" && card->status != "frozen") {
          co_return http::Problem(request, 409, "card_not_blocked",
                                  "the card is " + card->status + ", not lost or frozen");
        }
        auto approval =
            RequestPrepared(*approvals, staff, request, services::ApprovalKind::kCardRestore,
                            card->account_number, card->masked_pan, std::to_string(card->id));
        if (!approval.ok()) co_return http::Problem(request, approval.status());
        co_return MadeResponse(request, *approval);
      }),
      RouteDoc{"Make a lost or frozen card active again: pending until a supervisor approves "
               "(maker)",
               "counter", "staff", "", "Approval", 202});

  // --- The checker's side. ---
  router.Add(Verb::get, "/api/v1/approvals",
             staff_only([approvals](const Request& request, const Params&,
                                    const services::Staff& staff) -> http::awaitable<Response> {
               auto pending = approvals->Pending(staff);
               if (!pending.ok()) co_return http::Problem(request, pending.status());
               json::array list;
               for (const auto& approval : *pending)
                 list.push_back(ApprovalJson(approval));
               co_return http::Json(request, 200, json::object{{"approvals", std::move(list)}});
             }),
             RouteDoc{"The pending actions the caller may approve or reject, oldest first",
                      "counter", "staff", "", "ApprovalList", 200});

  router.Add(Verb::get, "/api/v1/approvals/{id}",
             staff_only([approvals](const Request& request, const Params& params,
                                    const services::Staff& staff) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id)
                 co_return http::Problem(request, 404, "unknown_approval", "no such approval");
               auto approval = approvals->Get(staff, *id);
               if (!approval.ok()) co_return http::Problem(request, approval.status());
               co_return http::Json(request, 200, ApprovalJson(*approval));
             }),
             RouteDoc{"One action and its state", "counter", "staff", "", "Approval", 200});

  router.Add(Verb::post, "/api/v1/approvals/{id}/approve",
             staff_only([approvals](const Request& request, const Params& params,
                                    const services::Staff& staff) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id)
                 co_return http::Problem(request, 404, "unknown_approval", "no such approval");
               auto approval = co_await AwaitCallback<Result<services::Approval>>(
                   [&approvals, &staff, id](services::ApprovalCallback done) {
                     approvals->ApproveAsync(staff, *id, std::move(done));
                   });
               co_return DecidedResponse(request, approval);
             }),
             RouteDoc{"Approve an action and carry it out, once (checker)", "counter", "staff", "",
                      "Approval", 200});

  router.Add(Verb::post, "/api/v1/approvals/{id}/reject",
             staff_only([approvals](const Request& request, const Params& params,
                                    const services::Staff& staff) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id)
                 co_return http::Problem(request, 404, "unknown_approval", "no such approval");
               auto body = OptionalBody(request, {"reason"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto reason = http::OptionalString(*body, "reason");
               if (!reason.ok()) co_return http::Problem(request, reason.status());
               auto approval = approvals->Reject(staff, *id, reason->value_or(""));
               co_return DecidedResponse(request, approval);
             }),
             RouteDoc{"Reject an action: nothing of it happens (checker)", "counter", "staff",
                      "Rejection", "Approval", 200});
}

json::object StaffSchemas() {
  return json::object{
      {"Staff", Properties({{"login", "staff login"},
                            {"name", "full name"},
                            {"role",
                             "teller, supervisor, customer_manager, branch_manager or "
                             "admin"},
                            {"unit_id", "the unit the staff member belongs to (integer)"}},
                           {})},
      {"Unit", Properties({{"id", "integer"},
                           {"code", "1 to 16 of A-Z, 0-9 and '-'"},
                           {"name_zh", "Chinese name"},
                           {"name_en", "English name"},
                           {"kind", "head_office, branch, sub_branch or outlet"},
                           {"parent_id", "integer, null for the head office"}},
                          {})},
      {"UnitList",
       Properties({{"units", "the caller's unit and those below it, parents first"}}, {})},
      {"NewUnit", Properties({{"code", "1 to 16 of A-Z, 0-9 and '-'"},
                              {"name_zh", "1 to 120 bytes"},
                              {"name_en", "1 to 120 bytes"},
                              {"kind",
                               "branch (under the head office), sub_branch (under a "
                               "branch) or outlet (under either)"},
                              {"parent", "the parent unit's code"}},
                             {"code", "name_zh", "name_en", "kind", "parent"})},
      {"StaffUnit", Properties({{"unit", "the unit's code"}}, {"unit"})},
      {"CounterCash",
       Properties({{"account", "an account of a customer of the caller's unit or below"},
                   {"amount", "decimal string"},
                   {"currency", "CNY"},
                   {"memo", "up to 140 bytes"}},
                  {"account", "amount", "currency"})},
      {"StatusChange", Properties({{"reason", "up to 140 bytes"}}, {})},
      {"Rejection", Properties({{"reason", "up to 140 bytes"}}, {})},
      {"Approval",
       Properties({{"id", "integer"},
                   {"kind",
                    "cash_deposit, cash_withdrawal, freeze, unfreeze, ukey_issue, card_issue, "
                    "password_card_issue, totp_enrol, password_reset, ukey_certify or "
                    "card_restore"},
                   {"serial",
                    "ukey_issue: the U-key's serial; password_card_issue: the card's; "
                    "ukey_certify: the certificate's"},
                   {"masked_pan", "card_issue, card_restore: the card's number, masked"},
                   {"state", "pending, approved, failed, rejected or expired"},
                   {"account", "the account acted on"},
                   {"amount", "cash: decimal string"},
                   {"outcome", "'ok' once carried out, else the refusal's reason"},
                   {"transaction_id", "cash: the ledger transaction, once approved"}},
                  {})},
      {"ApprovalList", Properties({{"approvals", "pending, oldest first"}}, {})},
      {"PasswordReset",
       Properties({{"password", "the new login password the customer chose"}}, {"password"})},
      {"PreparedCard", Properties({{"pan", "the full card number (Luhn), shown this once only"},
                                   {"masked_pan", "with every field of Approval"}},
                                  {})},
      {"PreparedPasswordCard",
       Properties({{"card", "the printable card"},
                   {"pdf_base64", "the card as a one-page PDF, base64; given only here"},
                   {"serial", "with every field of Approval"}},
                  {})},
      {"PreparedUkeyCertificate",
       Properties({{"certificate_der_hex", "the certificate issued, DER in hex"},
                   {"serial", "with every field of Approval"}},
                  {})},
      {"PreparedTotp",
       Properties({{"secret", "base32 seed"},
                   {"otpauth_uri", "for the QR code"},
                   {"qr_svg", "the otpauth URI as a QR code (level M), an SVG document"},
                   {"id", "with every field of Approval"}},
                  {})},
  };
}

}  // namespace ebank::app
