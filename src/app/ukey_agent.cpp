#include "app/ukey_agent.h"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <utility>

#include "core/hash.h"
#include "http/json.h"
#include "http/server.h"
#include "ukey/bank_ca.h"
#include "ukey/challenge.h"

namespace ebank::app {

namespace asio = boost::asio;
namespace json = boost::json;
using http::Request;
using http::Response;
using http::Verb;

namespace {

// The login text SigningService::IssueChallenge makes: the login ticket and a nonce.
constexpr std::string_view kLoginPrefix = "ebank-login-v1|challenge=";
constexpr std::string_view kNonceField = "|nonce=";
constexpr std::string_view kLoopbackHosts[] = {"127.0.0.1", "localhost"};
// Waiting for requests in flight at shutdown, in tenths of a second.
constexpr int kShutdownTenthsMax = 30;

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status InvalidOrigin(std::string_view origin, std::string_view why) {
  return Status::Invalid("invalid_origin",
                         "--origin '" + std::string(origin) + "': " + std::string(why) +
                             " (e.g. http://127.0.0.1:8080, https://bank.example)");
}

Status MalformedChallenge(std::string message) {
  return Status::Invalid("ukey_challenge_malformed", std::move(message));
}

// "****4567": enough to recognise a payee in a log, not the whole account number.
std::string MaskedPayee(std::string_view payee) {
  constexpr size_t kShownDigits = 4;
  return payee.size() <= kShownDigits ? std::string(payee)
                                      : "****" + std::string(payee.substr(payee.size() - 4));
}

// A wrong, locked or expired PIN: trying it again can only lock the token.
bool PinRefused(const Status& status) {
  return status.reason() == "ukey_pin_incorrect" || status.reason() == "ukey_pin_locked" ||
         status.reason() == "ukey_pin_expired";
}

bool TokenMissing(const Status& status) {
  return status.reason() == "ukey_token_not_found" || status.reason() == "ukey_not_present";
}

// The answer for a token that could not be used: a missing token is one the customer can
// plug in and retry (503); anything else keeps its own status.
Response TokenProblem(const Request& request, const Status& status) {
  if (TokenMissing(status)) {
    return http::Problem(request, 503, "ukey_token_missing", "the U-key is not plugged in");
  }
  return http::Problem(request, status);
}

}  // namespace

Status ValidateOrigin(std::string_view origin) {
  if (origin.empty() || origin.size() > kOriginBytesMax) {
    return InvalidOrigin(origin, "empty or too long");
  }
  std::string_view host;
  std::string_view default_port;
  if (origin.starts_with("http://")) {
    host = origin.substr(7);
    default_port = "80";
  } else if (origin.starts_with("https://")) {
    host = origin.substr(8);
    default_port = "443";
  } else {
    return InvalidOrigin(origin, "not http:// or https://");
  }
  if (host.find_first_of("/?#@") != std::string_view::npos) {
    return InvalidOrigin(origin, "an origin has no path, query or user name (no trailing '/')");
  }
  std::string_view port;
  size_t colon = host.starts_with('[') ? host.find("]:") : host.rfind(':');
  if (colon != std::string_view::npos) {
    if (host.starts_with('[')) ++colon;
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return InvalidOrigin(origin, "no host");
  bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  std::string_view name = bracketed ? host.substr(1, host.size() - 2) : host;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-' && !(bracketed && c == ':')) {
      return InvalidOrigin(origin,
                           "the host is lower-case letters, digits, '.' and '-' only, "
                           "with no path or trailing '/'");
    }
  }
  if (colon != std::string_view::npos) {
    if (port.empty() || port.size() > 5 || port.front() == '0' ||
        port.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(port)) > 65535) {
      return InvalidOrigin(origin, "the port is not a number from 1 to 65535");
    }
    if (port == default_port) {
      return InvalidOrigin(origin, "browsers leave the scheme's default port out of an origin");
    }
  }
  return Status::Ok();
}

Result<SignedChallenge> DescribeChallengeText(std::string_view text) {
  if (text.size() > ukey::kChallengeTextBytesMax) {
    return MalformedChallenge("longer than " + std::to_string(ukey::kChallengeTextBytesMax) +
                              " bytes");
  }
  if (text.starts_with(kLoginPrefix)) {
    std::string_view rest = text.substr(kLoginPrefix.size());
    size_t at = rest.find(kNonceField);
    if (at == std::string_view::npos) return MalformedChallenge("a login text without a nonce");
    std::string_view ticket = rest.substr(0, at);
    std::string_view nonce = rest.substr(at + kNonceField.size());
    bool ticket_ok = !ticket.empty() && ticket.size() <= ukey::kChallengeIdBytesMax &&
                     ticket.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789-_") == std::string_view::npos;
    bool nonce_ok = nonce.size() >= ukey::kNonceHexDigitsMin &&
                    nonce.size() <= ukey::kNonceHexDigitsMax && nonce.size() % 2 == 0 &&
                    IsLowerHex(nonce);
    if (!ticket_ok || !nonce_ok) return MalformedChallenge("not a login challenge text");
    return SignedChallenge{"login", "", "", ""};
  }
  auto payment = ukey::ParseChallengeText(text);
  if (!payment.ok()) return payment.status();
  return SignedChallenge{"payment", payment->amount.Decimal(),
                         std::string(payment->amount.currency().code()), payment->payee};
}

UkeyAgent::UkeyAgent(UkeyAgentOptions options, std::string pin)
    : options_(std::move(options)), pin_(std::move(pin)) {}

UkeyAgent::~UkeyAgent() = default;

Status UkeyAgent::LogIn() {
  std::lock_guard lock(mutex_);
  return EnsureLoggedIn();
}

Status UkeyAgent::EnsureLoggedIn() {
  if (!pin_refused_.ok()) return pin_refused_;
  if (token_ != nullptr && token_->logged_in()) return Status::Ok();
  token_ = std::make_unique<ukey::Pkcs11Token>(options_.module, options_.token_label);
  Status login = token_->Login(pin_);
  if (login.ok()) return login;
  if (PinRefused(login)) {
    pin_refused_ = login;
    spdlog::error(
        "ukey agent: the token refused the PIN ({}); restart the agent with the right "
        "PIN",
        login.reason());
  }
  // Finalizes the module, so that the next try sees a token plugged in meanwhile.
  token_.reset();
  return login;
}

void UkeyAgent::DropToken(const Status& failure) {
  if (failure.code() == Code::kUnavailable || failure.code() == Code::kInternal) token_.reset();
}

// Only the bank's page, on a loopback name of this port: a page of another origin, or one
// that reached here through a DNS name of its own pointing at 127.0.0.1, gets nothing.
Status UkeyAgent::CheckCaller(const Request& request) const {
  std::string host(request[boost::beast::http::field::host]);
  bool host_ok = false;
  for (std::string_view name : kLoopbackHosts)
    host_ok = host_ok || host == std::string(name) + ":" + std::to_string(port_.load());
  if (!host_ok) return Status::Rejected("host_forbidden", "not a loopback name of this agent");
  if (std::string(request[boost::beast::http::field::origin]) != options_.origin) {
    return Status::Rejected("origin_forbidden", "this U-key agent answers only " + options_.origin);
  }
  return Status::Ok();
}

void UkeyAgent::AddCors(Response& response) const {
  response.set(boost::beast::http::field::access_control_allow_origin, options_.origin);
  response.set(boost::beast::http::field::vary, "Origin");
  response.set("X-Content-Type-Options", "nosniff");
}

Response UkeyAgent::Preflight(const Request& request) const {
  Response response{boost::beast::http::status::no_content, request.version()};
  AddCors(response);
  response.set(boost::beast::http::field::access_control_allow_methods, "GET, POST");
  response.set(boost::beast::http::field::access_control_allow_headers, "Content-Type");
  response.set(boost::beast::http::field::access_control_max_age,
               std::to_string(kUkeyAgentPreflightMaxAgeS));
  // Chromium asks before a public page may reach loopback (Private Network Access).
  if (std::string(request["Access-Control-Request-Private-Network"]) == "true") {
    response.set("Access-Control-Allow-Private-Network", "true");
  }
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

Response UkeyAgent::TokenStatus(const Request& request) {
  json::object out{{"token", options_.token_label}};
  std::lock_guard lock(mutex_);
  Status login = EnsureLoggedIn();
  if (!login.ok()) {
    out["present"] = !TokenMissing(login);
    out["ready"] = false;
    out["code"] = TokenMissing(login) ? "ukey_token_missing" : login.reason();
    return http::Json(request, 200, out);
  }
  out["present"] = true;
  auto der = token_->Certificate(options_.key_label);
  Result<ukey::CertificateInfo> info =
      der.ok() ? ukey::DescribeCertificate(*der) : Result<ukey::CertificateInfo>(der.status());
  if (!info.ok()) {
    DropToken(info.status());
    out["ready"] = false;
    out["code"] = info.status().reason();
    return http::Json(request, 200, out);
  }
  out["ready"] = true;
  out["certificate"] = json::object{{"subject", info->subject},
                                    {"serial", info->serial_hex},
                                    {"customer", info->common_name},
                                    {"not_after_ms", info->not_after_ms}};
  return http::Json(request, 200, out);
}

Response UkeyAgent::SignChallenge(const Request& request) {
  std::string type(request[boost::beast::http::field::content_type]);
  if (!type.starts_with("application/json")) {
    return http::Problem(request, 415, "unsupported_media_type", "send application/json");
  }
  auto body = http::ParseObject(request.body());
  if (!body.ok()) return http::Problem(request, body.status());
  Status fields = http::OnlyFields(*body, {"challenge"});
  if (!fields.ok()) return http::Problem(request, fields);
  auto text = http::RequiredString(*body, "challenge");
  if (!text.ok()) return http::Problem(request, text.status());
  auto challenge = DescribeChallengeText(*text);
  if (!challenge.ok()) return http::Problem(request, challenge.status());

  std::lock_guard lock(mutex_);
  Status login = EnsureLoggedIn();
  if (!login.ok()) return TokenProblem(request, login);
  auto certificate = token_->Certificate(options_.key_label);
  Result<ukey::CertificateInfo> info = certificate.ok()
                                           ? ukey::DescribeCertificate(*certificate)
                                           : Result<ukey::CertificateInfo>(certificate.status());
  if (!info.ok()) {
    DropToken(info.status());
    return TokenProblem(request, info.status());
  }
  auto signature = token_->Sign(options_.key_label, *text);
  if (!signature.ok()) {
    DropToken(signature.status());
    return TokenProblem(request, signature.status());
  }
  json::object out{{"signature", HexEncode(*signature)},
                   {"certificate", HexEncode(*certificate)},
                   {"subject", info->subject},
                   {"serial", info->serial_hex},
                   {"purpose", challenge->purpose}};
  if (challenge->purpose == "payment") {
    out["amount"] = challenge->amount;
    out["currency"] = challenge->currency;
    out["payee"] = challenge->payee;
    spdlog::info("ukey agent: signed a payment of {} {} to {}", challenge->amount,
                 challenge->currency, MaskedPayee(challenge->payee));
  } else {
    spdlog::info("ukey agent: signed a login challenge");
  }
  return http::Json(request, 200, out);
}

void UkeyAgent::AddRoutes(http::Router& router) {
  using Handle = std::function<Response(const Request&)>;
  auto guarded = [this](Handle handle) -> http::Handler {
    return [this, handle = std::move(handle)](const Request& request,
                                              const http::Params&) -> http::awaitable<Response> {
      Status caller = CheckCaller(request);
      if (!caller.ok()) {
        spdlog::warn("ukey agent: refused {} {}: {}", std::string_view(request.method_string()),
                     std::string_view(http::PathOf(request.target())), caller.message());
        co_return http::Problem(request, 403, caller.reason(), caller.message());
      }
      Response response = handle(request);
      AddCors(response);
      co_return response;
    };
  };
  auto preflight = guarded([this](const Request& request) { return Preflight(request); });
  router.Add(Verb::get, "/status",
             guarded([this](const Request& request) { return TokenStatus(request); }),
             kUkeyAgentBodyBytesMax);
  router.Add(Verb::options, "/status", preflight, kUkeyAgentBodyBytesMax);
  router.Add(Verb::post, "/sign",
             guarded([this](const Request& request) { return SignChallenge(request); }),
             kUkeyAgentBodyBytesMax);
  router.Add(Verb::options, "/sign", preflight, kUkeyAgentBodyBytesMax);
}

int RunUkeyAgent(const UkeyAgentOptions& options, const std::string& pin) {
  Status origin = ValidateOrigin(options.origin);
  if (!origin.ok()) {
    spdlog::error("ukey agent: {}", origin.message());
    return 2;
  }
  if (pin.empty() || pin.size() > ukey::kPinBytesMax) {
    spdlog::error("ukey agent: the PIN is empty or longer than {} bytes", ukey::kPinBytesMax);
    return 2;
  }
  // Declared before the server, whose destructor waits for the handlers that use it.
  UkeyAgent agent(options, pin);
  Status login = agent.LogIn();
  if (PinRefused(login)) return 1;
  if (TokenMissing(login)) {
    spdlog::warn("ukey agent: no token labelled '{}' yet; plug it in", options.token_label);
  } else if (!login.ok()) {
    spdlog::error("ukey agent: {}", login.ToString());
    return 1;
  }

  asio::io_context io;
  http::Router router;
  agent.AddRoutes(router);
  http::ServerOptions server_options;
  server_options.address = "127.0.0.1";
  server_options.port = options.port;
  server_options.connections_max = kUkeyAgentConnectionsMax;
  server_options.header_bytes_max = kUkeyAgentHeaderBytesMax;
  server_options.request_timeout_s = kUkeyAgentRequestTimeoutS;
  server_options.keep_alive_timeout_s = kUkeyAgentKeepAliveTimeoutS;
  server_options.access_log = options.access_log;
  server_options.handler_threads = kUkeyAgentHandlerThreads;
  http::Server server(io, router, server_options);
  auto port = server.Listen();
  if (!port.ok()) {
    spdlog::error("ukey agent: {}", port.status().ToString());
    return 1;
  }
  agent.set_port(*port);
  if (!options.port_file.empty()) std::ofstream(options.port_file) << *port << "\n";
  spdlog::info("ukey agent: token '{}' on http://127.0.0.1:{} for pages of {}", options.token_label,
               *port, options.origin);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain(io);
  std::function<void(int)> wait_drained = [&](int tries_left) {
    if (server.in_flight() == 0 || tries_left == 0) {
      io.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(100));
    drain.async_wait([&, tries_left](boost::system::error_code) { wait_drained(tries_left - 1); });
  };
  signals.async_wait([&](boost::system::error_code error, int signal) {
    if (error) return;
    spdlog::info("ukey agent: signal {} received, stopping", signal);
    server.StopAccepting();
    wait_drained(kShutdownTenthsMax);
  });
  io.run();
  return 0;
}

}  // namespace ebank::app
