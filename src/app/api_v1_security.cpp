// The customer's security centre over /api/v1 (SEC-1, SEC-3 to SEC-5, SEC-8): change the
// login password, see the security tools held, replace the dynamic token with a second
// factor, and set the balance-change alert threshold. Sessions and login history are in
// api_v1_customer.cpp, transfer limits in api_v1_limits.cpp.
#include <boost/json/array.hpp>

#include "app/api_common.h"
#include "app/api_v1.h"
#include "http/json.h"
#include "print/qr.h"

namespace ebank::app {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

namespace {

// One password of a change request: `<which>_password_encrypted` with `<which>_key_id`, as
// the web page sends it (SEC-9), or `<which>_password` in clear from an API client over TLS.
Result<std::string> PasswordField(const ApiServices& api, const json::object& body,
                                  const std::string& which) {
  std::string clear = which + "_password";
  std::string encrypted = which + "_password_encrypted";
  if (body.contains(clear) && body.contains(encrypted)) {
    return Status::Invalid("invalid_field", "send " + clear + " or " + encrypted + ", not both");
  }
  if (!body.contains(encrypted)) return http::RequiredString(body, clear);
  auto ciphertext = http::RequiredString(body, encrypted);
  auto key_id = http::RequiredString(body, which + "_key_id");
  if (!ciphertext.ok()) return ciphertext.status();
  if (!key_id.ok()) return key_id.status();
  return api.password_transport.Open(*key_id, *ciphertext);
}

json::object ToolJson(const services::ToolDetails& details) {
  json::object out{{"tool", services::ToolName(details.tool)},
                   {"state", details.state},
                   {"label", details.label},
                   {"created_at_ms", details.created_at_ms}};
  if (details.tool == services::Tool::kPasswordCard) {
    out["uses"] = details.uses;
    out["uses_max"] = details.uses_max;
    out["uses_left"] = std::max(0, details.uses_max - details.uses);
  }
  if (details.tool == services::Tool::kUkey) {
    out["certificate"] = json::object{{"serial", details.label},
                                      {"subject", details.certificate_subject},
                                      {"not_before_ms", details.certificate_not_before_ms},
                                      {"not_after_ms", details.certificate_not_after_ms}};
  }
  return out;
}

}  // namespace

void AddSecurityRoutes(http::Router& router, const ApiServices& api) {
  auto customer_only = [&api](CustomerHandler handler) {
    return CustomerOnly(api.sessions, std::move(handler));
  };

  router.Add(Verb::post, "/api/v1/me/password",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body =
                   ParseBody(request, {"old_password", "old_password_encrypted", "old_key_id",
                                       "new_password", "new_password_encrypted", "new_key_id"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               // A ciphertext the page's key refuses never reaches the service, so it does not
               // count as a wrong password.
               auto old_password = PasswordField(api, *body, "old");
               if (!old_password.ok()) co_return http::Problem(request, old_password.status());
               auto new_password = PasswordField(api, *body, "new");
               if (!new_password.ok()) co_return http::Problem(request, new_password.status());
               Status changed = api.signing.ChangePassword(session.subject_id, *old_password,
                                                           *new_password, session.id);
               if (!changed.ok()) co_return http::Problem(request, changed);
               co_return http::Text(request, 204, "");
             }),
             RouteDoc{"Change the login password; ends the customer's other sessions", "security",
                      "customer", "PasswordChange", "", 204});

  router.Add(Verb::get, "/api/v1/me/security",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto signing = api.signing.Get(session.subject_id);
               if (!signing.ok()) co_return http::Problem(request, signing.status());
               auto tools = api.signing.Tools(session.subject_id);
               if (!tools.ok()) co_return http::Problem(request, tools.status());
               json::array list;
               for (const auto& details : *tools)
                 list.push_back(ToolJson(details));
               co_return http::Json(
                   request, 200,
                   json::object{{"alert_threshold",
                                 http::AmountJson(signing->alert_threshold_minor, Currency::Cny())},
                                {"tools", std::move(list)}});
             }),
             RouteDoc{"My security settings: alert threshold and the security tools I hold",
                      "security", "customer", "", "SecuritySettings", 200});

  router.Add(Verb::put, "/api/v1/me/alert-threshold",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"threshold"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto threshold = http::RequiredAmount(*body, "threshold", Currency::Cny());
               if (!threshold.ok()) co_return http::Problem(request, threshold.status());
               Status set = api.signing.SetAlertThreshold(session.subject_id, *threshold);
               if (!set.ok()) co_return http::Problem(request, set);
               co_return http::Json(request, 200,
                                    json::object{{"alert_threshold",
                                                  http::AmountJson(*threshold, Currency::Cny())}});
             }),
             RouteDoc{"Alert me of balance changes of at least this amount, CNY (0: all)",
                      "security", "customer", "AlertThreshold", "AlertThreshold", 200});

  router.Add(Verb::post, "/api/v1/me/tools/totp/challenge",
             customer_only([&api](const Request& request, const Params&,
                                  const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"tool"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto tool = ToolField(*body);
               if (!tool.ok()) co_return http::Problem(request, tool.status());
               auto challenge = api.signing.SecurityChallenge(session.subject_id, *tool,
                                                              services::kSecurityActionTotp);
               if (!challenge.ok()) co_return http::Problem(request, challenge.status());
               co_return http::Json(request, 200, ChallengeJson(*challenge));
             }),
             RouteDoc{"A challenge to confirm enrolling or replacing my dynamic token (the current "
                      "token when I hold one)",
                      "security", "customer", "ChallengeRequest", "Challenge", 200});

  router.Add(
      Verb::post, "/api/v1/me/tools/totp",
      customer_only([&api](const Request& request, const Params&,
                           const services::Session& session) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"challenge_id", "answer"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto challenge = http::RequiredString(*body, "challenge_id");
        auto answer = http::RequiredString(*body, "answer");
        if (!challenge.ok()) co_return http::Problem(request, challenge.status());
        if (!answer.ok()) co_return http::Problem(request, answer.status());
        auto enrolment = api.signing.ReplaceTotp(session.subject_id, *challenge, *answer);
        if (!enrolment.ok()) co_return http::Problem(request, enrolment.status());
        auto qr = print::QrSvg(enrolment->otpauth_uri);
        if (!qr.ok()) co_return http::Problem(request, qr.status());
        // The secret exists in the clear only in this answer.
        Response response = http::Json(request, 201,
                                       json::object{{"secret", enrolment->secret_base32},
                                                    {"otpauth_uri", enrolment->otpauth_uri},
                                                    {"qr_svg", *qr}});
        response.set(boost::beast::http::field::cache_control, "no-store");
        co_return response;
      }),
      RouteDoc{"Enrol a new dynamic token in place of my current one, answering its challenge",
               "security", "customer", "Confirmation", "TotpEnrolment", 201});
}

}  // namespace ebank::app
