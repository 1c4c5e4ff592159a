// The U-key agent (`ebank ukey agent`) against a real SoftHSM2 token made fresh for each test
// by scripts/softhsm-token.sh: who it answers (only the bank's origin, on a loopback Host),
// what it signs (only the bank's challenge texts) and that the bank's CA accepts the result.
// The handlers are called through the router, and once over loopback through the server.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "app/ukey_agent.h"
#include "core/clock.h"
#include "core/hash.h"
#include "http/server.h"
#include "testing/testing.h"
#include "ukey/bank_ca.h"
#include "ukey/challenge.h"
#include "ukey/pkcs11_token.h"

namespace ebank::app {
namespace {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
namespace json = boost::json;
using http::Request;
using http::Response;

constexpr char kTokenLabel[] = "ebank agent test";
constexpr char kSoPin[] = "87654321";
constexpr char kUserPin[] = "135790";
constexpr char kKeyLabel[] = "ebank";
constexpr char kCustomer[] = "1000042";
constexpr char kBankOrigin[] = "http://127.0.0.1:8080";
constexpr uint16_t kPort = 18443;
constexpr char kPaymentText[] =
    "ebank-sca-v1|challenge=ch-1|amount=20000.00|currency=CNY|payee=6225880000000000028|"
    "nonce=00112233445566778899aabbccddeeff";
constexpr char kLoginText[] =
    "ebank-login-v1|challenge=Zm9vYmFyYmF6cXV4LV9f|nonce=0123456789abcdef0123456789abcdef";

std::optional<std::string> RunTokenScript(const std::string& arguments) {
  std::string command = "'" + testing::SourceDir() + "/scripts/softhsm-token.sh' " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[256];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe))
    output.append(buffer, n);
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return output;
}

template <typename Name>
std::string Header(const Response& response, Name name) {
  return std::string(response[name]);
}

// `text` with its first `from` replaced by `to`.
std::string Edited(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

class UkeyAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("ebank-ukey-agent");
    token_dir_ = dir_ + "/softhsm";
    auto output = RunTokenScript("init '" + token_dir_ + "' '" + kTokenLabel + "' " + kSoPin + " " +
                                 kUserPin);
    ASSERT_TRUE(output.has_value());
    ASSERT_EQ(setenv("SOFTHSM2_CONF", (token_dir_ + "/softhsm2.conf").c_str(), 1), 0);
    now_ms_ = SystemClock::Instance().NowMs();
    auto ca = ukey::BankCa::Create("ebank U-key CA", now_ms_ - 1000, 365);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_.emplace(std::move(*ca));
    // The customer's U-key as the bank hands it out: a key pair made on the token and the
    // bank's certificate for it.
    ukey::Pkcs11Token token(ukey::kSoftHsmModulePath, kTokenLabel);
    ASSERT_TRUE(token.Login(kUserPin).ok());
    ASSERT_TRUE(token.GenerateKeyPair(kKeyLabel, "01").ok());
    auto key = token.PublicKey(kKeyLabel);
    ASSERT_TRUE(key.ok());
    auto certificate = ca_->IssueCustomerCertificate(**key, kCustomer, now_ms_ - 1000, 30);
    ASSERT_TRUE(certificate.ok()) << certificate.status().ToString();
    certificate_ = *certificate;
    ASSERT_TRUE(token.StoreCertificate(kKeyLabel, certificate_).ok());
  }

  void TearDown() override {
    agent_.reset();  // The module must be finalized before its token folder goes.
    unsetenv("SOFTHSM2_CONF");
    EXPECT_TRUE(RunTokenScript("remove '" + token_dir_ + "'").has_value());
    testing::RemoveTree(dir_);
  }

  // An agent for the bank's origin on kPort, its routes in router_.
  void StartAgent(const std::string& pin = kUserPin, const std::string& label = kTokenLabel) {
    UkeyAgentOptions options;
    options.token_label = label;
    options.key_label = kKeyLabel;
    options.origin = kBankOrigin;
    options.port = kPort;
    agent_ = std::make_unique<UkeyAgent>(options, pin);
    agent_->set_port(kPort);
    router_ = std::make_unique<http::Router>();
    agent_->AddRoutes(*router_);
  }

  static Request MakeRequest(http::Verb verb, const std::string& target, const char* origin,
                             const std::string& body = "") {
    Request request{verb, target, 11};
    request.set(beast_http::field::host, "127.0.0.1:" + std::to_string(kPort));
    if (origin != nullptr) request.set(beast_http::field::origin, origin);
    if (!body.empty()) {
      request.set(beast_http::field::content_type, "application/json");
      request.body() = body;
      request.prepare_payload();
    }
    return request;
  }

  Response Dispatch(const Request& request) {
    asio::io_context io;
    auto future = asio::co_spawn(
        io, router_->Dispatch(request, router_->Find(request.method(), request.target())),
        asio::use_future);
    io.run();
    return future.get().response;
  }

  static std::string SignBody(const std::string& text) {
    return json::serialize(json::object{{"challenge", text}});
  }

  static json::object Body(const Response& response) {
    return json::parse(response.body()).as_object();
  }

  std::string dir_;
  std::string token_dir_;
  int64_t now_ms_ = 0;
  std::optional<ukey::BankCa> ca_;
  std::string certificate_;
  std::unique_ptr<UkeyAgent> agent_;
  std::unique_ptr<http::Router> router_;
};

TEST(UkeyAgentOriginTest, OnlySerialisedHttpOriginsAreAccepted) {
  for (const char* good :
       {"http://127.0.0.1:8080", "https://ebank.example", "http://localhost:5173",
        "https://bank.example:8443", "http://[::1]:8080"}) {
    EXPECT_TRUE(ValidateOrigin(good).ok()) << good;
  }
  for (const char* bad :
       {"", "*", "null", "127.0.0.1:8080", "http://127.0.0.1:8080/", "http://bank.example/login",
        "https://Bank.example", "ftp://bank.example", "http://:8080", "http://bank.example:0",
        "http://bank.example:99999", "http://bank.example:80", "https://bank.example:443",
        "http://user@bank.example", "http://bank.example:8080?x"}) {
    EXPECT_EQ(ValidateOrigin(bad).reason(), "invalid_origin") << bad;
  }
}

TEST(UkeyAgentChallengeTest, OnlyTheBanksChallengeTextsAreSigned) {
  auto payment = DescribeChallengeText(kPaymentText);
  ASSERT_TRUE(payment.ok()) << payment.status().ToString();
  EXPECT_EQ(payment->purpose, "payment");
  EXPECT_EQ(payment->amount, "20000.00");
  EXPECT_EQ(payment->currency, "CNY");
  EXPECT_EQ(payment->payee, "6225880000000000028");
  auto login = DescribeChallengeText(kLoginText);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->purpose, "login");
  for (std::string bad :
       {std::string(""), std::string("hello"),
        std::string("ebank-login-v1|challenge=|nonce=0123456789abcdef0123456789abcdef"),
        std::string("ebank-login-v1|challenge=abc|nonce=0123"),
        std::string(kLoginText) + "|amount=1.00",
        std::string("ebank-login-v1|challenge=a b|nonce=0123456789abcdef0123456789abcdef"),
        Edited(kPaymentText, "amount=", "amount=0"),  // Not canonical.
        std::string(kPaymentText) + "x", std::string(600, 'a')}) {
    EXPECT_EQ(DescribeChallengeText(bad).status().reason(), "ukey_challenge_malformed") << bad;
  }
}

TEST_F(UkeyAgentTest, AnotherOriginGetsNeitherCorsNorAnAnswer) {
  StartAgent();
  for (const char* origin : {"http://evil.example", "http://127.0.0.1:8081", "null"}) {
    for (const Request& request :
         {MakeRequest(http::Verb::get, "/status", origin),
          MakeRequest(http::Verb::post, "/sign", origin, SignBody(kPaymentText)),
          MakeRequest(http::Verb::options, "/sign", origin)}) {
      Response response = Dispatch(request);
      EXPECT_EQ(response.result_int(), 403u) << origin << " " << request.target();
      EXPECT_EQ(Body(response).at("code").as_string(), "origin_forbidden");
      EXPECT_TRUE(Header(response, beast_http::field::access_control_allow_origin).empty());
      EXPECT_EQ(response.body().find("signature"), std::string::npos);
    }
  }
  // No Origin at all (curl, or a same-origin page that reached 127.0.0.1 by a DNS name).
  EXPECT_EQ(Dispatch(MakeRequest(http::Verb::get, "/status", nullptr)).result_int(), 403u);
  // The bank's origin through a DNS name that points at loopback (DNS rebinding).
  Request rebound = MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody(kPaymentText));
  rebound.set(beast_http::field::host, "rebind.evil.example:" + std::to_string(kPort));
  Response refused = Dispatch(rebound);
  EXPECT_EQ(refused.result_int(), 403u);
  EXPECT_EQ(Body(refused).at("code").as_string(), "host_forbidden");
  // Unknown paths: no CORS either.
  Response unknown = Dispatch(MakeRequest(http::Verb::get, "/keys", kBankOrigin));
  EXPECT_EQ(unknown.result_int(), 404u);
  EXPECT_TRUE(Header(unknown, beast_http::field::access_control_allow_origin).empty());
}

TEST_F(UkeyAgentTest, TheBanksOriginGetsCorsAndThePrivateNetworkPreflight) {
  StartAgent();
  Request preflight = MakeRequest(http::Verb::options, "/sign", kBankOrigin);
  preflight.set(beast_http::field::access_control_request_method, "POST");
  preflight.set(beast_http::field::access_control_request_headers, "content-type");
  preflight.set("Access-Control-Request-Private-Network", "true");
  Response allowed = Dispatch(preflight);
  EXPECT_EQ(allowed.result_int(), 204u);
  EXPECT_EQ(Header(allowed, beast_http::field::access_control_allow_origin), kBankOrigin);
  EXPECT_EQ(Header(allowed, beast_http::field::access_control_allow_methods), "GET, POST");
  EXPECT_EQ(Header(allowed, beast_http::field::access_control_allow_headers), "Content-Type");
  EXPECT_EQ(Header(allowed, "Access-Control-Allow-Private-Network"), "true");
  EXPECT_EQ(Header(allowed, beast_http::field::vary), "Origin");
  // Without the private-network question, no private-network answer.
  Response plain = Dispatch(MakeRequest(http::Verb::options, "/status", kBankOrigin));
  EXPECT_EQ(plain.result_int(), 204u);
  EXPECT_TRUE(Header(plain, "Access-Control-Allow-Private-Network").empty());

  Response status = Dispatch(MakeRequest(http::Verb::get, "/status", kBankOrigin));
  ASSERT_EQ(status.result_int(), 200u) << status.body();
  EXPECT_EQ(Header(status, beast_http::field::access_control_allow_origin), kBankOrigin);
  json::object body = Body(status);
  EXPECT_TRUE(body.at("present").as_bool());
  EXPECT_TRUE(body.at("ready").as_bool());
  auto info = ukey::DescribeCertificate(certificate_);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(body.at("certificate").at("serial").as_string(), info->serial_hex);
  EXPECT_EQ(body.at("certificate").at("subject").as_string(), info->subject);
  EXPECT_EQ(body.at("certificate").at("customer").as_string(), kCustomer);
  // The PIN appears in no answer.
  EXPECT_EQ(status.body().find(kUserPin), std::string::npos);
}

TEST_F(UkeyAgentTest, SignaturesAreWhatTheBankVerifies) {
  StartAgent();
  for (const char* text : {kPaymentText, kLoginText}) {
    Response response =
        Dispatch(MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody(text)));
    ASSERT_EQ(response.result_int(), 200u) << response.body();
    EXPECT_EQ(Header(response, beast_http::field::access_control_allow_origin), kBankOrigin);
    json::object body = Body(response);
    std::string signature, certificate;
    ASSERT_TRUE(HexDecode(body.at("signature").as_string(), &signature));
    ASSERT_TRUE(HexDecode(body.at("certificate").as_string(), &certificate));
    EXPECT_EQ(certificate, certificate_);
    // The check SigningService makes of a U-key answer.
    Status verified = ca_->VerifySignedMessage(certificate_, kCustomer, text, signature, now_ms_);
    EXPECT_TRUE(verified.ok()) << verified.ToString();
    // Bound to the text: it does not verify for another amount.
    std::string other = Edited(kPaymentText, "20000.00", "20000.01");
    EXPECT_FALSE(ca_->VerifySignedMessage(certificate_, kCustomer, other, signature, now_ms_).ok());
  }
  json::object payment =
      Body(Dispatch(MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody(kPaymentText))));
  EXPECT_EQ(payment.at("purpose").as_string(), "payment");
  EXPECT_EQ(payment.at("amount").as_string(), "20000.00");
  EXPECT_EQ(payment.at("payee").as_string(), "6225880000000000028");

  // Arbitrary data, extra fields, another media type: refused before the token is used.
  Response arbitrary =
      Dispatch(MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody("transfer all")));
  EXPECT_EQ(arbitrary.result_int(), 400u);
  EXPECT_EQ(Body(arbitrary).at("code").as_string(), "ukey_challenge_malformed");
  EXPECT_EQ(Dispatch(MakeRequest(http::Verb::post, "/sign", kBankOrigin,
                                 R"({"challenge":"x","key":"other"})"))
                .result_int(),
            400u);
  Request form = MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody(kPaymentText));
  form.set(beast_http::field::content_type, "text/plain");
  EXPECT_EQ(Dispatch(form).result_int(), 415u);
}

TEST_F(UkeyAgentTest, AMissingTokenAndAWrongPinAreToldApart) {
  StartAgent(kUserPin, "no such token");
  json::object missing = Body(Dispatch(MakeRequest(http::Verb::get, "/status", kBankOrigin)));
  EXPECT_FALSE(missing.at("present").as_bool());
  EXPECT_EQ(missing.at("code").as_string(), "ukey_token_missing");
  Response sign =
      Dispatch(MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody(kLoginText)));
  EXPECT_EQ(sign.result_int(), 503u);
  EXPECT_EQ(Body(sign).at("code").as_string(), "ukey_token_missing");
  EXPECT_EQ(Header(sign, beast_http::field::access_control_allow_origin), kBankOrigin);

  StartAgent("000000");
  EXPECT_EQ(agent_->LogIn().reason(), "ukey_pin_incorrect");
  json::object wrong = Body(Dispatch(MakeRequest(http::Verb::get, "/status", kBankOrigin)));
  EXPECT_TRUE(wrong.at("present").as_bool());
  EXPECT_EQ(wrong.at("code").as_string(), "ukey_pin_incorrect");
  Response refused =
      Dispatch(MakeRequest(http::Verb::post, "/sign", kBankOrigin, SignBody(kLoginText)));
  EXPECT_EQ(refused.result_int(), 422u);
  EXPECT_EQ(Body(refused).at("code").as_string(), "ukey_pin_incorrect");
}

// Through the real server on loopback: the body limit holds before the handler runs.
TEST_F(UkeyAgentTest, OversizedBodiesAreRefusedOnTheWire) {
  StartAgent();
  asio::io_context io;
  http::ServerOptions options;
  options.port = 0;
  options.access_log = false;
  options.handler_threads = 1;
  auto server = std::make_unique<http::Server>(io, *router_, options);
  auto port = server->Listen();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  agent_->set_port(*port);
  std::thread thread([&io] { io.run(); });

  auto send = [&](const std::string& body) {
    asio::io_context client_io;
    asio::ip::tcp::socket socket(client_io);
    socket.connect({asio::ip::make_address("127.0.0.1"), *port});
    Request request{http::Verb::post, "/sign", 11};
    request.set(beast_http::field::host, "127.0.0.1:" + std::to_string(*port));
    request.set(beast_http::field::origin, kBankOrigin);
    request.set(beast_http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    beast_http::write(socket, request);
    boost::beast::flat_buffer buffer;
    Response response;
    beast_http::read(socket, buffer, response);
    return response;
  };
  Response large = send(SignBody(std::string(kUkeyAgentBodyBytesMax, 'a')));
  EXPECT_EQ(large.result_int(), 413u);
  Response signed_text = send(SignBody(kPaymentText));
  EXPECT_EQ(signed_text.result_int(), 200u) << signed_text.body();
  EXPECT_EQ(Header(signed_text, beast_http::field::access_control_allow_origin), kBankOrigin);

  server->StopAccepting();
  io.stop();
  thread.join();
  server.reset();
}

}  // namespace
}  // namespace ebank::app
