#include "app/api_common.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "http/json.h"
#include "security/constant_time.h"
#include "security/id_document.h"

namespace ebank::app::api {

namespace json = boost::json;
using http::Request;
using http::Response;

std::string BearerToken(const Request& request) {
  auto header = request[boost::beast::http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) return "";
  return std::string(header.substr(kBearer.size()));
}

Response Unauthorized(const Request& request) {
  Response response = http::Problem(request, 401, "session_invalid",
                                    "log in first, or log in again: the session ended");
  response.set(boost::beast::http::field::www_authenticate, "Bearer");
  return response;
}

bool MayServeCustomers(services::Role role) {
  return role == services::Role::kTeller || role == services::Role::kSupervisor ||
         role == services::Role::kBranchManager || role == services::Role::kAdmin;
}

json::object CustomerJson(const services::Customer& customer) {
  bool personal = customer.kind == services::CustomerKind::kIndividual;
  return json::object{
      {"number", customer.number},
      {"kind", services::CustomerKindName(customer.kind)},
      {"name", customer.name},
      {"id_type", customer.id_type},
      {"id_number", personal ? security::MaskResidentId(customer.id_number) : customer.id_number},
      {"mobile", customer.mobile},
      {"address", customer.address},
      {"status", customer.status},
      {"created_at_ms", customer.created_at_ms},
  };
}

json::object ProductJson(const services::Product& product) {
  return json::object{
      {"code", product.code},
      {"name_zh", product.name_zh},
      {"name_en", product.name_en},
      {"kind", product.kind},
      {"currency", product.currency.code()},
      {"account_class", product.account_class},
      {"credit_limit", http::AmountJson(product.credit_limit_minor, product.currency)},
  };
}

// The account record with its balances from the ledger.
Result<json::object> AccountJson(ledger::Ledger& ledger, const services::BankAccount& account) {
  json::object out{
      {"number", account.number},
      {"product", account.product_code},
      {"account_class", account.account_class},
      {"status", account.status},
      {"bound_account", account.bound_number ? json::value(*account.bound_number) : json::value()},
      {"opened_at_ms", account.opened_at_ms},
  };
  Status status = ledger.store().Read([&](ledger::LedgerReader& reader) {
    auto accounts = reader.GetAccounts({account.ledger_account});
    if (!accounts.ok()) return accounts.status();
    if (accounts->empty())
      return Status::Internal("ledger_account_missing", "account not in ledger");
    const ledger::Account& booked = accounts->front();
    out["currency"] = booked.currency.code();
    out["balance"] = http::AmountJson(booked.normal_balance(), booked.currency);
    out["held"] = http::AmountJson(booked.held, booked.currency);
    out["available"] =
        http::AmountJson(booked.available() - booked.floor.value_or(0), booked.currency);
    if (booked.floor && *booked.floor < 0) {
      out["credit_limit"] = http::AmountJson(-*booked.floor, booked.currency);
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return out;
}

std::string CookieValue(const Request& request, std::string_view name) {
  std::string_view header = request[boost::beast::http::field::cookie];
  while (!header.empty()) {
    size_t semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    while (!pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return "";
}

http::Handler StaffOnly(services::StaffService& staff, StaffHandler handler) {
  return StaffWithRole(staff, MayServeCustomers, std::move(handler));
}

http::Handler StaffWithRole(services::StaffService& staff, bool (*allowed)(services::Role),
                            StaffHandler handler) {
  return [&staff, allowed, handler = std::move(handler)](
             const Request& request, const http::Params& params) -> http::awaitable<Response> {
    auto member = staff.Authenticate(BearerToken(request));
    if (!member.ok()) {
      if (member.status().code() == Code::kNotFound) co_return Unauthorized(request);
      co_return http::Problem(request, member.status());
    }
    if (!allowed(member->role)) {
      co_return http::Problem(request, 403, "forbidden", "this role may not do that");
    }
    co_return co_await handler(request, params, *member);
  };
}

http::Handler CustomerOnly(services::SessionService& sessions, CustomerHandler handler) {
  return [&sessions, handler = std::move(handler)](
             const Request& request, const http::Params& params) -> http::awaitable<Response> {
    std::string token = BearerToken(request);
    if (token.empty()) {
      token = CookieValue(request, kSessionCookie);
      bool safe = request.method() == http::Verb::get || request.method() == http::Verb::head;
      std::string csrf = CookieValue(request, kCsrfCookie);
      if (!token.empty() && !safe &&
          (csrf.empty() || !security::ConstantTimeEquals(csrf, request[kCsrfHeader]))) {
        co_return http::Problem(request, 403, "csrf_failed",
                                "the X-CSRF-Token header must match the ebank_csrf cookie");
      }
    }
    auto session = sessions.Authenticate(token);
    if (!session.ok() || session->subject_kind != services::SubjectKind::kCustomer) {
      if (session.ok() || session.status().code() == Code::kNotFound)
        co_return Unauthorized(request);
      co_return http::Problem(request, session.status());
    }
    co_return co_await handler(request, params, *session);
  };
}

json::array ToolsJson(const std::vector<services::Tool>& tools) {
  json::array out;
  for (services::Tool tool : tools)
    out.push_back(json::string(services::ToolName(tool)));
  return out;
}

json::object ChallengeJson(const services::ChallengeInfo& challenge) {
  json::object out{{"tool", services::ToolName(challenge.tool)},
                   {"prompt", challenge.prompt},
                   {"expires_at_ms", challenge.expires_at_ms}};
  if (!challenge.id.empty()) out["challenge_id"] = challenge.id;
  return out;
}

Result<services::Tool> ToolField(const json::object& body) {
  auto name = http::RequiredString(body, "tool");
  if (!name.ok()) return name.status();
  auto tool = services::ParseTool(*name);
  if (!tool || *tool == services::Tool::kPassword) {
    return Status::Invalid("invalid_tool", "tool must be sms, password_card, totp or ukey");
  }
  return *tool;
}

std::optional<int64_t> IdParam(const http::Params& params, const std::string& name) {
  auto found = params.find(name);
  if (found == params.end()) return std::nullopt;
  const std::string& text = found->second;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

Result<json::object> ParseBody(const Request& request,
                               std::initializer_list<std::string_view> allowed) {
  auto body = http::ParseObject(request.body());
  if (!body.ok()) return body.status();
  EBANK_RETURN_IF_ERROR(http::OnlyFields(*body, allowed));
  return body;
}

Result<std::map<std::string, std::string>> QueryOf(
    std::string_view target, std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> values;
  size_t question = target.find('?');
  if (question == std::string_view::npos) return values;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.empty()) continue;
    std::string name(pair.substr(0, pair.find('=')));
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Status::Invalid("invalid_query", "unknown query parameter " + name);
    }
    if (values.contains(name)) {
      return Status::Invalid("invalid_query", name + " is given twice");
    }
    values[name] = http::QueryParam(target, name);
  }
  return values;
}

http::Response FileResponse(const http::Request& request, Result<std::string> bytes,
                            FileFormat format, const std::string& name) {
  if (!bytes.ok()) return http::Problem(request, bytes.status());
  bool pdf = format == FileFormat::kPdf;
  http::Response response = http::Text(request, 200, std::move(*bytes), pdf ? kPdfType : kXlsxType);
  response.set(boost::beast::http::field::content_disposition,
               fmt::format("attachment; filename=\"{}.{}\"", name, pdf ? "pdf" : "xlsx"));
  return response;
}

json::object ObjectSchema(
    std::initializer_list<std::pair<std::string_view, std::string_view>> properties,
    std::initializer_list<std::string_view> required) {
  json::object fields;
  for (const auto& [name, description] : properties)
    fields[name] = json::object{{"description", description}};
  json::array names;
  for (std::string_view name : required)
    names.push_back(json::string(name));
  json::object schema{{"type", "object"}, {"properties", std::move(fields)}};
  if (!names.empty()) schema["required"] = std::move(names);
  return schema;
}

}  // namespace ebank::app::api
