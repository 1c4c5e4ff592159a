// Cards, terminals and merchants over /api/v1 (CARD-1, CARD-2, BO-5): the back office's
// terminal and merchant registers with merchant visits, the counter's card services (issue,
// report loss, freeze, unfreeze, close), and the customer's own cards. Every staff route sees
// only the caller's part of the unit tree; a card, merchant or customer outside it looks
// exactly like one that does not exist. A full PAN leaves the bank once, in the answer that
// issues the card; a terminal's PIN key once, in the answer that registers it.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "app/api_common.h"
#include "app/api_v1.h"
#include "http/json.h"
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

// Ten years: a terminal quiet for longer is long gone.
constexpr int kIdleDaysMax = 3650;

// An instant as ISO 8601 in UTC with milliseconds ("2026-03-01T08:00:00.000Z"); null for none.
json::value TimeJson(std::optional<int64_t> at_ms) {
  if (!at_ms) return nullptr;
  std::time_t seconds = static_cast<std::time_t>(*at_ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  return json::string(fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", parts, *at_ms % 1000));
}

// A card as staff and its holder see it: the PAN masked, never whole.
json::object CardJson(const services::Card& card) {
  return json::object{
      {"id", card.id},
      {"masked_pan", card.masked_pan},
      {"last_four", card.last_four},
      {"account_number", card.account_number},
      {"expiry", card.expiry},
      {"status", card.status},
      {"atm_enabled", card.atm_enabled},
      {"pos_enabled", card.pos_enabled},
      {"atm_daily_limit", http::AmountJson(card.atm_daily_minor, Currency::Cny())},
      {"pos_daily_limit", http::AmountJson(card.pos_daily_minor, Currency::Cny())},
      {"pin_failures_today", card.pin_failures_today},
  };
}

json::object CardsJson(const std::vector<services::Card>& cards) {
  json::array list;
  for (const services::Card& card : cards)
    list.push_back(CardJson(card));
  return json::object{{"cards", std::move(list)}};
}

json::object TerminalJson(const services::Terminal& terminal) {
  return json::object{
      {"code", terminal.code},
      {"kind", terminal.kind},
      {"unit_code", terminal.unit_code},
      {"merchant_code", terminal.merchant_code ? json::value(*terminal.merchant_code) : nullptr},
      {"location", terminal.location},
      {"keeper_staff_id", terminal.keeper_staff_id},
      {"pin_key_check", terminal.pin_key_check},
      {"status", terminal.status},
      {"batch", terminal.batch},
      {"last_activity_at", TimeJson(terminal.last_activity_ms)},
      {"created_at", TimeJson(terminal.created_at_ms)},
  };
}

json::object MerchantJson(const services::Merchant& merchant) {
  return json::object{
      {"code", merchant.code},
      {"name", merchant.name},
      {"category", merchant.category},
      {"unit_id", merchant.unit_id},
      {"account_number", merchant.account_number},
      {"mdr_bp", merchant.mdr_bp},
      {"address", merchant.address},
      {"last_visit_at", TimeJson(merchant.last_visit_ms)},
  };
}

json::object VisitsJson(const std::vector<services::MerchantVisit>& visits) {
  json::array list;
  for (const services::MerchantVisit& visit : visits) {
    list.push_back(json::object{
        {"staff_id", visit.staff_id}, {"at", TimeJson(visit.at_ms)}, {"note", visit.note}});
  }
  return json::object{{"visits", std::move(list)}};
}

Result<bool> RequiredBool(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) {
    return Status::Invalid("missing_field", "field '" + std::string(field) + "' is required");
  }
  if (!value->is_bool()) {
    return Status::Invalid("invalid_field",
                           "field '" + std::string(field) + "' must be true or false");
  }
  return value->as_bool();
}

// ?idle_days=N, 0 to kIdleDaysMax; 0 when absent.
Result<int> IdleDaysOf(const Request& request) {
  auto values = QueryOf(request.target(), {"idle_days"});
  if (!values.ok()) return values.status();
  const std::string& text = (*values)["idle_days"];
  if (text.empty()) return 0;
  int days = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (error != std::errc() || end != text.data() + text.size() || days < 0 || days > kIdleDaysMax) {
    return Status::Invalid("invalid_query", "idle_days is a whole number of days, 0 to 3650");
  }
  return days;
}

// The card `id` when it is the session's customer's; NotFound "unknown_card" for another
// customer's card, exactly as for one that does not exist.
Result<services::Card> OwnCard(const ApiServices& api, std::optional<int64_t> id,
                               const services::Session& session) {
  if (!id) return Status::NotFound("unknown_card", "no such card of yours");
  auto card = api.cards.Get(*id);
  if (!card.ok() || card->customer_id != session.subject_id) {
    if (!card.ok() && card.status().code() != Code::kNotFound) return card.status();
    return Status::NotFound("unknown_card", "no such card of yours");
  }
  return card;
}

// A card as it is now, after a change to it went through.
Response CardAfter(const Request& request, const ApiServices& api, int64_t id) {
  auto card = api.cards.Get(id);
  if (!card.ok()) return http::Problem(request, card.status());
  return http::Json(request, 200, CardJson(*card));
}

}  // namespace

Result<services::Card> CardInScope(const ApiServices& api, std::optional<int64_t> id,
                                   const services::Staff& staff) {
  Status unknown = Status::NotFound("unknown_card", "no such card");
  if (!id) return unknown;
  auto card = api.cards.Get(*id);
  if (!card.ok()) return card.status();
  auto holder = api.customers.GetById(card->customer_id);
  if (!holder.ok()) return holder.status().code() == Code::kNotFound ? unknown : holder.status();
  auto seen = api.customers.GetByNumber(holder->number, staff.scope());
  if (!seen.ok()) return seen.status().code() == Code::kNotFound ? unknown : seen.status();
  return card;
}

void AddCardRoutes(http::Router& router, const ApiServices& api) {
  auto organisation = std::make_shared<services::OrganisationService>(api.customers.database(),
                                                                      api.ledger, api.clock);
  auto any_staff = [&api](StaffHandler handler) {
    return StaffWithRole(api.staff, AnyStaffRole, std::move(handler));
  };
  auto checkers = [&api](StaffHandler handler) {
    return StaffWithRole(api.staff, services::MayCheck, std::move(handler));
  };
  auto customer_only = [&api](CustomerHandler handler) {
    return CustomerOnly(api.sessions, std::move(handler));
  };

  // --- The terminal register (BO-5). ---
  router.Add(Verb::get, "/api/v1/terminals",
             any_staff([&api](const Request& request, const Params&,
                              const services::Staff& staff) -> http::awaitable<Response> {
               auto days = IdleDaysOf(request);
               if (!days.ok()) co_return http::Problem(request, days.status());
               auto terminals = api.cards.Terminals(staff.scope().LikePattern(), *days);
               if (!terminals.ok()) co_return http::Problem(request, terminals.status());
               json::array list;
               for (const auto& terminal : *terminals)
                 list.push_back(TerminalJson(terminal));
               co_return http::Json(request, 200, json::object{{"terminals", std::move(list)}});
             }),
             RouteDoc{"The ATMs, CRSs and POS terminals of the caller's units, the longest quiet "
                      "first; ?idle_days=N lists only those silent for N days (the clean-up list)",
                      "terminals", "staff", "", "TerminalList", 200});

  router.Add(
      Verb::post, "/api/v1/terminals",
      checkers([&api, organisation](const Request& request, const Params&,
                                    const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"code", "kind", "unit_code", "merchant_code", "location"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto code = http::RequiredString(*body, "code");
        auto kind = http::RequiredString(*body, "kind");
        auto unit_code = http::RequiredString(*body, "unit_code");
        auto merchant_code = http::OptionalString(*body, "merchant_code");
        auto location = http::RequiredString(*body, "location");
        for (const Status* status : {&code.status(), &kind.status(), &unit_code.status(),
                                     &merchant_code.status(), &location.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        // The unit and the merchant are the caller's to place a terminal with.
        auto unit = organisation->GetByCode(*unit_code, staff.scope());
        if (!unit.ok()) co_return http::Problem(request, unit.status());
        if (merchant_code->has_value()) {
          auto merchant = api.cards.GetMerchant(**merchant_code, staff.scope().LikePattern());
          if (!merchant.ok()) co_return http::Problem(request, merchant.status());
        }
        auto registered = api.cards.RegisterTerminal(
            {*code, *kind, unit->code, merchant_code->value_or(""), *location, staff.id});
        (void)services::RecordAudit(
            api.customers.database(), api.clock,
            {"staff", staff.id, "counter", "terminal.register", "terminal:" + *code,
             registered.ok() ? "ok" : registered.status().reason(), *kind + " at " + unit->code});
        if (!registered.ok()) co_return http::Problem(request, registered.status());
        json::object out = TerminalJson(registered->first);
        out["pin_key"] = registered->second;
        co_return http::Json(request, 201, std::move(out));
      }),
      RouteDoc{"Register an ATM, CRS or POS at a unit of the caller's, its keeper the caller "
               "(supervisor and above); the answer holds the terminal's clear PIN key, shown "
               "this once for the key loading ceremony and never again",
               "terminals", "staff", "NewTerminal", "RegisteredTerminal", 201});

  // --- The merchant register and visits (BO-5). ---
  router.Add(Verb::get, "/api/v1/merchants",
             any_staff([&api](const Request& request, const Params&,
                              const services::Staff& staff) -> http::awaitable<Response> {
               auto merchants = api.cards.Merchants(staff.scope().LikePattern());
               if (!merchants.ok()) co_return http::Problem(request, merchants.status());
               json::array list;
               for (const auto& merchant : *merchants)
                 list.push_back(MerchantJson(merchant));
               co_return http::Json(request, 200, json::object{{"merchants", std::move(list)}});
             }),
             RouteDoc{"The merchants of the caller's units, by code, with their last visit",
                      "merchants", "staff", "", "MerchantList", 200});

  router.Add(
      Verb::post, "/api/v1/merchants",
      checkers([&api, organisation](const Request& request, const Params&,
                                    const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"code", "name", "category", "unit_code", "account_number",
                                        "mdr_bp", "address"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto code = http::RequiredString(*body, "code");
        auto name = http::RequiredString(*body, "name");
        auto category = http::RequiredString(*body, "category");
        auto unit_code = http::RequiredString(*body, "unit_code");
        auto account_number = http::RequiredString(*body, "account_number");
        auto mdr_bp = http::RequiredInt(*body, "mdr_bp");
        auto address = http::RequiredString(*body, "address");
        for (const Status* status :
             {&code.status(), &name.status(), &category.status(), &unit_code.status(),
              &account_number.status(), &mdr_bp.status(), &address.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        // Checked here as well as by the service: the service takes an int.
        if (*mdr_bp < 0 || *mdr_bp > services::kMdrBasisPointsMax) {
          co_return http::Problem(request, 400, "invalid_merchant",
                                  "a merchant discount rate is 0 to 1000 basis points");
        }
        auto unit = organisation->GetByCode(*unit_code, staff.scope());
        if (!unit.ok()) co_return http::Problem(request, unit.status());
        // The takings are settled to an account the caller may see.
        auto account = api.customers.GetAccount(*account_number, staff.scope());
        if (!account.ok()) co_return http::Problem(request, account.status());
        services::Merchant input;
        input.code = *code;
        input.name = *name;
        input.category = *category;
        input.unit_id = unit->id;
        input.account_number = *account_number;
        input.mdr_bp = static_cast<int>(*mdr_bp);
        input.address = *address;
        auto merchant = api.cards.RegisterMerchant(input);
        (void)services::RecordAudit(
            api.customers.database(), api.clock,
            {"staff", staff.id, "counter", "merchant.register", "merchant:" + *code,
             merchant.ok() ? "ok" : merchant.status().reason(), *name + " at " + unit->code});
        if (!merchant.ok()) co_return http::Problem(request, merchant.status());
        co_return http::Json(request, 201, MerchantJson(*merchant));
      }),
      RouteDoc{"Register a merchant at a unit of the caller's, settled to an account the "
               "caller may see (supervisor and above)",
               "merchants", "staff", "NewMerchant", "Merchant", 201});

  router.Add(Verb::get, "/api/v1/merchants/{code}/visits",
             any_staff([&api](const Request& request, const Params& params,
                              const services::Staff& staff) -> http::awaitable<Response> {
               const std::string& code = params.at("code");
               auto merchant = api.cards.GetMerchant(code, staff.scope().LikePattern());
               if (!merchant.ok()) co_return http::Problem(request, merchant.status());
               auto visits = api.cards.Visits(code);
               if (!visits.ok()) co_return http::Problem(request, visits.status());
               co_return http::Json(request, 200, VisitsJson(*visits));
             }),
             RouteDoc{"A merchant's visit records, newest first", "merchants", "staff", "",
                      "VisitList", 200});

  router.Add(Verb::post, "/api/v1/merchants/{code}/visits",
             any_staff([&api](const Request& request, const Params& params,
                              const services::Staff& staff) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"note"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto note = http::RequiredString(*body, "note");
               if (!note.ok()) co_return http::Problem(request, note.status());
               const std::string& code = params.at("code");
               auto merchant = api.cards.GetMerchant(code, staff.scope().LikePattern());
               if (!merchant.ok()) co_return http::Problem(request, merchant.status());
               Status recorded = api.cards.RecordVisit(code, staff.id, *note);
               if (!recorded.ok()) co_return http::Problem(request, recorded);
               auto visits = api.cards.Visits(code);
               if (!visits.ok()) co_return http::Problem(request, visits.status());
               co_return http::Json(request, 201, VisitsJson(*visits));
             }),
             RouteDoc{"Record a visit to a merchant by the caller; answers the merchant's visits, "
                      "newest first",
                      "merchants", "staff", "NewVisit", "VisitList", 201});

  // --- Counter card services (CARD-1). ---
  router.Add(Verb::get, "/api/v1/customers/{number}/cards",
             any_staff([&api](const Request& request, const Params& params,
                              const services::Staff& staff) -> http::awaitable<Response> {
               auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
               if (!customer.ok()) co_return http::Problem(request, customer.status());
               auto cards = api.cards.CardsOf(customer->id);
               if (!cards.ok()) co_return http::Problem(request, cards.status());
               co_return http::Json(request, 200, CardsJson(*cards));
             }),
             RouteDoc{"A customer's cards, their numbers masked (staff)", "cards", "staff", "",
                      "CardList", 200});

  router.Add(
      Verb::post, "/api/v1/cards/{id}/status",
      StaffOnly(api.staff,
                [&api](const Request& request, const Params& params,
                       const services::Staff& staff) -> http::awaitable<Response> {
                  auto body = ParseBody(request, {"status"});
                  if (!body.ok()) co_return http::Problem(request, body.status());
                  auto status = http::RequiredString(*body, "status");
                  if (!status.ok()) co_return http::Problem(request, status.status());
                  auto card = CardInScope(api, IdParam(params, "id"), staff);
                  if (!card.ok()) co_return http::Problem(request, card.status());
                  if (*status == "active") {
                    co_return http::Problem(request, 400, "restore_needs_approval",
                                            "a lost or frozen card is made active again through "
                                            "POST /api/v1/cards/{id}/restore and its approval");
                  }
                  Status changed =
                      api.cards.SetStatus(card->id, *status, fmt::format("staff:{}", staff.id));
                  if (!changed.ok()) co_return http::Problem(request, changed);
                  co_return CardAfter(request, api, card->id);
                }),
      RouteDoc{"Report a card lost, freeze or close it at the counter, at once (a closed card "
               "stays closed); making it active again is a restore, through approval",
               "cards", "staff", "CardStatus", "Card", 200});

  // --- The customer's own cards (CARD-1, CARD-2). ---
  router.Add(Verb::get, "/api/v1/me/cards",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto cards = api.cards.CardsOf(session.subject_id);
               if (!cards.ok()) co_return http::Problem(request, cards.status());
               co_return http::Json(request, 200, CardsJson(*cards));
             }),
             RouteDoc{"The customer's cards, their numbers masked", "me", "customer", "",
                      "CardList", 200});

  router.Add(Verb::post, "/api/v1/me/cards/{id}/loss",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               if (!request.body().empty()) {
                 auto body = ParseBody(request, {});
                 if (!body.ok()) co_return http::Problem(request, body.status());
               }
               auto card = OwnCard(api, IdParam(params, "id"), session);
               if (!card.ok()) co_return http::Problem(request, card.status());
               Status changed = api.cards.SetStatus(card->id, "lost",
                                                    fmt::format("customer:{}", session.subject_id));
               if (!changed.ok()) co_return http::Problem(request, changed);
               co_return CardAfter(request, api, card->id);
             }),
             RouteDoc{"Report one of my cards lost: it is refused everywhere at once", "me",
                      "customer", "", "Card", 200});

  router.Add(Verb::put, "/api/v1/me/cards/{id}/channels",
             customer_only([&api](const Request& request, const Params& params,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(
                   request, {"atm_enabled", "pos_enabled", "atm_daily_limit", "pos_daily_limit"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto atm_enabled = RequiredBool(*body, "atm_enabled");
               auto pos_enabled = RequiredBool(*body, "pos_enabled");
               auto atm_limit = http::RequiredAmount(*body, "atm_daily_limit", Currency::Cny());
               auto pos_limit = http::RequiredAmount(*body, "pos_daily_limit", Currency::Cny());
               for (const Status* status : {&atm_enabled.status(), &pos_enabled.status(),
                                            &atm_limit.status(), &pos_limit.status()}) {
                 if (!status->ok()) co_return http::Problem(request, *status);
               }
               auto card = OwnCard(api, IdParam(params, "id"), session);
               if (!card.ok()) co_return http::Problem(request, card.status());
               Status changed = api.cards.SetChannels(card->id, *atm_enabled, *pos_enabled,
                                                      *atm_limit, *pos_limit);
               if (!changed.ok()) co_return http::Problem(request, changed);
               co_return CardAfter(request, api, card->id);
             }),
             RouteDoc{"Switch one of my cards' ATM and POS use on or off and set its daily limits "
                      "(at most the bank's)",
                      "me", "customer", "CardChannels", "Card", 200});
}

json::object CardSchemas() {
  const auto& properties = ObjectSchema;
  return json::object{
      {"Card", properties({{"id", "integer"},
                           {"masked_pan", "621288******1234: the full number is never shown"},
                           {"last_four", "string"},
                           {"account_number", "the account the card draws on"},
                           {"expiry", "YYMM"},
                           {"status", "active, lost, frozen or closed"},
                           {"atm_enabled", "boolean"},
                           {"pos_enabled", "boolean"},
                           {"atm_daily_limit", "CNY a day at ATMs, decimal string"},
                           {"pos_daily_limit", "CNY a day at POS terminals, decimal string"},
                           {"pin_failures_today", "wrong PINs today (3 block the PIN)"}},
                          {})},
      {"CardList", properties({{"cards", "array of Card, oldest first"}}, {})},
      {"CardIssue", properties({{"account_number", "an active CNY account of the customer's"},
                                {"pin", "6 digits, chosen by the customer"}},
                               {"account_number", "pin"})},
      {"CardStatus", properties({{"status", "lost, frozen or closed"}}, {"status"})},
      {"CardChannels",
       properties({{"atm_enabled", "boolean"},
                   {"pos_enabled", "boolean"},
                   {"atm_daily_limit", "decimal string, CNY, at most 20000.00"},
                   {"pos_daily_limit", "decimal string, CNY, at most 1000000.00"}},
                  {"atm_enabled", "pos_enabled", "atm_daily_limit", "pos_daily_limit"})},
      {"Terminal",
       properties({{"code", "8 characters (ISO 8583 field 41)"},
                   {"kind", "atm, crs or pos"},
                   {"unit_code", "the unit it belongs to"},
                   {"merchant_code", "a POS's merchant; null for ATMs and CRSs"},
                   {"location", "string"},
                   {"keeper_staff_id", "the staff member who keeps it"},
                   {"pin_key_check", "the PIN key's check value, to compare with the device's"},
                   {"status", "active or retired"},
                   {"batch", "the current settlement batch"},
                   {"last_activity_at", "ISO 8601 UTC time of its last message, or null"},
                   {"created_at", "ISO 8601 UTC time"}},
                  {})},
      {"TerminalList",
       properties({{"terminals", "array of Terminal, the longest quiet first"}}, {})},
      {"NewTerminal", properties({{"code", "8 printable characters"},
                                  {"kind", "atm, crs or pos"},
                                  {"unit_code", "a unit of the caller's"},
                                  {"merchant_code", "a POS only: a merchant of the caller's units"},
                                  {"location", "where it stands"}},
                                 {"code", "kind", "unit_code", "location"})},
      {"RegisteredTerminal",
       properties({{"pin_key", "the clear PIN key in hex, shown this once only"},
                   {"code", "as in Terminal, with every field of Terminal"}},
                  {})},
      {"Merchant", properties({{"code", "15 characters (ISO 8583 field 42)"},
                               {"name", "string"},
                               {"category", "merchant category code, 4 digits"},
                               {"unit_id", "integer"},
                               {"account_number", "where its takings are settled"},
                               {"mdr_bp", "merchant discount rate, basis points"},
                               {"address", "string"},
                               {"last_visit_at", "ISO 8601 UTC time, or null"}},
                              {})},
      {"MerchantList", properties({{"merchants", "array of Merchant, by code"}}, {})},
      {"NewMerchant", properties({{"code", "15 printable characters"},
                                  {"name", "string"},
                                  {"category", "MCC, 4 digits"},
                                  {"unit_code", "a unit of the caller's"},
                                  {"account_number", "an active account the caller may see"},
                                  {"mdr_bp", "integer, 0 to 1000"},
                                  {"address", "string"}},
                                 {"code", "name", "category", "unit_code", "account_number",
                                  "mdr_bp", "address"})},
      {"VisitList",
       properties({{"visits", "newest first: staff_id, at (ISO 8601 UTC), note"}}, {})},
      {"NewVisit", properties({{"note", "1 to 2000 bytes"}}, {"note"})},
  };
}

}  // namespace ebank::app
