// /api/v1 over real HTTP on both backends: staff log in, register customers, open accounts;
// the OpenAPI document names every route the server answers, and the server answers every
// route the document names.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common.h"

namespace ebank::testing {
namespace {

constexpr const char* kTellerPassword = "Counter#2026";

class ApiV1Test : public BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(AddStaff(database_, dir_, "teller01", kTellerPassword));
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    anonymous_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    HttpResult login = anonymous_->Post(
        "/api/v1/staff/sessions",
        json::serialize(json::object{{"login", "teller01"}, {"password", kTellerPassword}}));
    ASSERT_EQ(login.status, 201) << login.body;
    teller_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(),
                                           std::string(login.json().at("token").as_string()));
  }
  void TearDown() override { EXPECT_EQ(server_->Stop(), 0) << server_->Log(); }

  HttpResult NewCustomer(const std::string& id_number) {
    return teller_->Post("/api/v1/customers",
                         json::serialize(json::object{{"name", "张三"},
                                                      {"id_number", id_number},
                                                      {"mobile", "13800138000"},
                                                      {"address", "北京市"}}));
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_;
  std::unique_ptr<HttpClient> teller_;
};

TEST_P(ApiV1Test, TellerRegistersACustomerAndOpensAccounts) {
  HttpResult created = NewCustomer("11010519491231002X");
  ASSERT_EQ(created.status, 201) << created.body;
  json::value customer = created.json();
  std::string number(customer.at("number").as_string());
  EXPECT_EQ(customer.at("id_number").as_string(), "110105********002X");
  EXPECT_EQ(NewCustomer("11010519491231002X").json().at("code").as_string(), "customer_exists");
  EXPECT_EQ(NewCustomer("110105194912310021").json().at("code").as_string(), "invalid_resident_id");

  HttpResult opened =
      teller_->Post("/api/v1/customers/" + number + "/accounts", R"({"product":"DEMAND_CARD_I"})");
  ASSERT_EQ(opened.status, 201) << opened.body;
  std::string card(opened.json().at("number").as_string());
  EXPECT_EQ(opened.json().at("balance").as_string(), "0.00");
  HttpResult second =
      teller_->Post("/api/v1/customers/" + number + "/accounts", R"({"product":"PASSBOOK"})");
  EXPECT_EQ(second.status, 422);
  EXPECT_EQ(second.json().at("code").as_string(), "class_one_exists");
  HttpResult bound =
      teller_->Post("/api/v1/customers/" + number + "/accounts",
                    R"({"product":"DEMAND_CARD_II","bound_account":")" + card + "\"}");
  EXPECT_EQ(bound.status, 201) << bound.body;
  HttpResult credit =
      teller_->Post("/api/v1/customers/" + number + "/accounts", R"({"product":"CREDIT_CARD"})");
  ASSERT_EQ(credit.status, 201) << credit.body;
  EXPECT_EQ(credit.json().at("credit_limit").as_string(), "50000.00");
  EXPECT_EQ(credit.json().at("available").as_string(), "50000.00");

  HttpResult view = teller_->Get("/api/v1/customers/" + number);
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.json().at("accounts").as_array().size(), 3u);
  EXPECT_EQ(teller_->Get("/api/v1/accounts/" + card).json().at("number").as_string(), card);
  EXPECT_EQ(teller_->Get("/api/v1/accounts/6225880000000000001").status, 404);
  EXPECT_EQ(teller_->Get("/api/v1/customers/C9999999999").status, 404);
}

TEST_P(ApiV1Test, StaffRoutesNeedALiveSession) {
  EXPECT_EQ(anonymous_->Get("/api/v1/customers/C0000000001").status, 401);
  HttpClient forged("127.0.0.1", server_->port(), "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(forged.Post("/api/v1/customers", "{}").status, 401);
  HttpResult wrong = anonymous_->Post("/api/v1/staff/sessions",
                                      R"({"login":"teller01","password":"not-it-2026"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json().at("code").as_string(), "login_failed");
  HttpResult unknown =
      anonymous_->Post("/api/v1/staff/sessions", R"({"login":"nobody","password":"not-it-2026"})");
  EXPECT_EQ(unknown.json().at("code").as_string(), "login_failed");
  EXPECT_EQ(anonymous_->Post("/api/v1/staff/sessions", R"({"login":"teller01"})").status, 400);
  EXPECT_EQ(teller_->Send("DELETE", "/api/v1/staff/sessions/current", "", {}).status, 204);
  EXPECT_EQ(teller_->Get("/api/v1/customers/C0000000001").status, 401);
}

TEST_P(ApiV1Test, BadCustomerInputIsRefused) {
  struct Case {
    std::string body;
    std::string code;
  };
  std::vector<Case> cases = {
      {"{", "malformed_json"},
      {R"({"name":"x","mobile":"13800138000"})", "missing_field"},
      {R"({"name":"x","id_number":"11010519491231002X","mobile":"1380013800"})", "invalid_mobile"},
      {R"({"name":"","id_number":"11010519491231002X","mobile":"13800138000"})", "invalid_name"},
      {R"({"name":"x","id_number":"11010519491231002X","mobile":"13800138000","pet":"cat"})",
       "unknown_field"},
      {R"({"name":"x","id_number":12345,"mobile":"13800138000"})", "invalid_field"},
      {R"({"kind":"robot","name":"x","id_number":"11010519491231002X","mobile":"13800138000"})",
       "invalid_field"},
      {R"({"kind":"company","name":"x","id_number":"11010519491231002X","mobile":"13800138000"})",
       "invalid_credit_code"},
  };
  for (const Case& test : cases) {
    HttpResult result = teller_->Post("/api/v1/customers", test.body);
    EXPECT_EQ(result.status, 400) << test.body;
    EXPECT_EQ(result.json().at("code").as_string(), test.code) << test.body << " " << result.body;
  }
  EXPECT_EQ(teller_->Get("/api/v1/customers/C0000000001").status, 404);
}

TEST_P(ApiV1Test, OpenApiDocumentMatchesTheRoutes) {
  HttpResult document = anonymous_->Get("/api/v1/openapi.json");
  ASSERT_EQ(document.status, 200);
  json::value openapi = document.json();
  EXPECT_EQ(openapi.at("openapi").as_string(), "3.1.0");
  const auto& paths = openapi.at("paths").as_object();
  for (const char* expected :
       {"/api/v1/staff/sessions", "/api/v1/staff/sessions/current", "/api/v1/products",
        "/api/v1/customers", "/api/v1/customers/{number}", "/api/v1/customers/{number}/accounts",
        "/api/v1/accounts/{number}", "/api/v1/openapi.json"}) {
    EXPECT_TRUE(paths.contains(expected)) << expected;
  }
  // Every documented operation is served: the router's own 404/405 never answers it.
  for (const auto& [path, operations] : paths) {
    std::string target(path);
    for (size_t open = target.find('{'); open != std::string::npos; open = target.find('{')) {
      target.replace(open, target.find('}', open) - open + 1, "X1");
    }
    for (const auto& [verb, operation] : operations.as_object()) {
      std::string method(verb);
      for (char& c : method)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      HttpResult result = teller_->Send(method, target, method == "GET" ? "" : "{}", {});
      EXPECT_NE(result.status, 405) << method << " " << target;
      if (result.status == 404) {
        EXPECT_NE(result.json().at("code").as_string(), "not_found") << method << " " << target;
      }
      // Every schema it refers to exists.
      std::string text = json::serialize(operation);
      for (size_t at = text.find("#/components/schemas/"); at != std::string::npos;
           at = text.find("#/components/schemas/", at + 1)) {
        size_t start = at + std::string("#/components/schemas/").size();
        std::string name = text.substr(start, text.find('"', start) - start);
        EXPECT_TRUE(openapi.at("components").at("schemas").as_object().contains(name)) << name;
      }
    }
  }
  // And an undocumented /api/v1 path is not served.
  EXPECT_EQ(teller_->Get("/api/v1/secret").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiV1Test, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
