#include "common.h"

#include <tuple>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "core/money.h"

namespace ebank::testing {

std::map<int64_t, int64_t> ReadBalances(HttpClient& client, const std::vector<int64_t>& ids) {
  std::string list;
  for (int64_t id : ids)
    list += (list.empty() ? "" : ",") + std::to_string(id);
  HttpResult result = client.Get("/internal/ledger/accounts?ids=" + list);
  std::map<int64_t, int64_t> balances;
  EXPECT_EQ(result.status, 200) << result.body;
  if (result.status != 200) return balances;
  json::value document = result.json();  // Keep it alive while iterating.
  for (const auto& item : document.at("accounts").as_array()) {
    const auto& account = item.as_object();
    auto minor = ParseAmount(account.at("balance").as_string(), 2);
    EXPECT_TRUE(minor.ok());
    balances[account.at("id").as_int64()] = minor.ok() ? *minor : 0;
  }
  return balances;
}

std::map<int64_t, std::string> ReadJournal(HttpClient& client) {
  std::map<int64_t, std::string> entries;
  int64_t after = 0;
  while (true) {
    HttpResult result =
        client.Get("/internal/ledger/journal?limit=1000&after=" + std::to_string(after));
    EXPECT_EQ(result.status, 200) << result.body;
    if (result.status != 200) break;
    json::value document = result.json();
    const auto& list = document.at("entries").as_array();
    for (const auto& item : list) {
      after = item.at("seq").as_int64();
      entries[after] = std::string(item.at("body").as_string());
    }
    if (list.size() < 1000) break;
  }
  return entries;
}

void ExpectVerified(HttpClient& client) {
  HttpResult result = client.Get("/internal/ledger/verify");
  EXPECT_EQ(result.status, 200) << result.body;
}

bool AddStaff(const std::string& database, const std::string& dir, const std::string& login,
              const std::string& password, const std::string& role) {
  setenv("EBANK_STAFF_PASSWORD", password.c_str(), 1);
  std::string command = "'" + EbankBinary() + "' staff add --db '" + database + "' --login " +
                        login + " --name Staff --role " + role + " >> '" + dir + "/staff.log' 2>&1";
  bool ok = std::system(command.c_str()) == 0;
  unsetenv("EBANK_STAFF_PASSWORD");
  return ok;
}

std::string StaffLogin(HttpClient& anonymous, const std::string& login,
                       const std::string& password) {
  HttpResult result =
      anonymous.Post("/api/v1/staff/sessions",
                     json::serialize(json::object{{"login", login}, {"password", password}}));
  EXPECT_EQ(result.status, 201) << result.body;
  if (result.status != 201) return "";
  return std::string(result.json().at("token").as_string());
}

namespace {}  // namespace

std::string SignUpCustomer(HttpClient& teller, const std::string& name,
                           const std::string& id_number, const std::string& mobile,
                           const std::string& login_id, const std::string& password) {
  HttpResult customer = teller.Post(
      "/api/v1/customers",
      json::serialize(json::object{{"name", name}, {"id_number", id_number}, {"mobile", mobile}}));
  EXPECT_EQ(customer.status, 201) << customer.body;
  if (customer.status != 201) return "";
  std::string number(customer.json().at("number").as_string());
  HttpResult opened =
      teller.Post("/api/v1/customers/" + number + "/accounts", R"({"product":"DEMAND_CARD_I"})");
  EXPECT_EQ(opened.status, 201) << opened.body;
  if (opened.status != 201) return "";
  HttpResult signed_up = teller.Post(
      "/api/v1/customers/" + number + "/signing",
      json::serialize(json::object{
          {"login_id", login_id}, {"password", password}, {"reserved_info", "春天的花"}}));
  EXPECT_EQ(signed_up.status, 201) << signed_up.body;
  return std::string(opened.json().at("number").as_string());
}

std::vector<std::string> SmsCodeTexts(const std::string& dir, const std::string& mobile) {
  std::ifstream in(dir + "/sms-outbox.jsonl");
  std::string line;
  std::vector<std::string> texts;
  while (std::getline(in, line)) {
    boost::system::error_code error;
    json::value message = json::parse(line, error);  // A line may still be being written.
    if (error || !message.is_object() || message.at("to").as_string() != mobile) continue;
    std::string text(message.at("text").as_string());
    if (text.find("验证码") != std::string::npos) texts.push_back(std::move(text));
  }
  return texts;
}

std::string WaitForSmsCode(const std::string& dir, const std::string& mobile, size_t seen_before) {
  std::regex code("验证码([0-9]{6})");
  for (int tries = 0; tries < 1500; ++tries) {  // Up to 30 s: the machine may be busy.
    std::vector<std::string> texts = SmsCodeTexts(dir, mobile);
    std::smatch match;
    if (texts.size() > seen_before && std::regex_search(texts.back(), match, code)) {
      return match[1];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "no SMS code reached " << mobile;
  return "";
}

std::string SmsLogin(HttpClient& anonymous, const std::string& dir, const std::string& login_id,
                     const std::string& password, const std::string& mobile) {
  HttpResult start =
      anonymous.Post("/api/v1/sessions",
                     json::serialize(json::object{{"login_id", login_id}, {"password", password}}));
  EXPECT_EQ(start.status, 201) << start.body;
  if (start.status != 201) return "";
  std::string ticket(start.json().at("ticket").as_string());
  size_t before = SmsCodeTexts(dir, mobile).size();
  HttpResult challenge =
      anonymous.Post("/api/v1/sessions/challenge",
                     json::serialize(json::object{{"ticket", ticket}, {"tool", "sms"}}));
  EXPECT_EQ(challenge.status, 200) << challenge.body;
  std::string answer = WaitForSmsCode(dir, mobile, before);
  HttpResult done =
      anonymous.Post("/api/v1/sessions/verify",
                     json::serialize(json::object{{"ticket", ticket}, {"answer", answer}}));
  EXPECT_EQ(done.status, 201) << done.body;
  if (done.status != 201) return "";
  return std::string(done.json().at("token").as_string());
}

void ExpectVerifyJournalCommand(const std::string& database, const std::string& dir) {
  std::string command = "'" + EbankBinary() + "' verify-journal --db '" + database + "' > '" + dir +
                        "/verify.log' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << "ebank verify-journal failed for " << database;
}

void UnitTreeTest::BuildUnitTree(const std::vector<StaffSpec>& staff, const std::string& password) {
  ASSERT_TRUE(AddStaff(database_, dir_, "admin01", password, "admin"));
  for (const StaffSpec& spec : staff)
    ASSERT_TRUE(AddStaff(database_, dir_, spec.login, password, spec.role));
  server_ = std::make_unique<ServerProcess>(database_, dir_);
  anonymous_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  operator_ = std::make_unique<HttpClient>(server_->Client());
  staff_["admin01"] = Client(StaffLogin(*anonymous_, "admin01", password));
  for (const auto& [code, kind, parent] :
       {std::tuple{"BJ", "branch", "HO"}, std::tuple{"BJ-01", "outlet", "BJ"},
        std::tuple{"SH", "branch", "HO"}, std::tuple{"SH-01", "outlet", "SH"}}) {
    HttpResult unit = As("admin01").Post(
        "/api/v1/units", json::serialize(json::object{{"code", code},
                                                      {"name_zh", std::string(code) + "行"},
                                                      {"name_en", code},
                                                      {"kind", kind},
                                                      {"parent", parent}}));
    ASSERT_EQ(unit.status, 201) << unit.body;
  }
  for (const StaffSpec& spec : staff) {
    HttpResult placed =
        As("admin01").Send("PUT", std::string("/api/v1/staff/") + spec.login + "/unit",
                           json::serialize(json::object{{"unit", spec.unit}}), {});
    ASSERT_EQ(placed.status, 200) << placed.body;
    staff_[spec.login] = Client(StaffLogin(*anonymous_, spec.login, password));
  }
}

void UnitTreeTest::TearDown() {
  if (!server_) return;
  ExpectVerified(*operator_);
  EXPECT_EQ(server_->Stop(), 0) << server_->Log();
}

std::unique_ptr<HttpClient> UnitTreeTest::Client(const std::string& token) {
  EXPECT_FALSE(token.empty());
  return std::make_unique<HttpClient>("127.0.0.1", server_->port(), token);
}

std::string UnitTreeTest::NewCustomer(const std::string& teller, const std::string& id_number,
                                      const std::string& mobile, const std::string& login_id,
                                      const std::string& password, json::array channels,
                                      std::string* number) {
  HttpResult customer = As(teller).Post(
      "/api/v1/customers", json::serialize(json::object{
                               {"name", "客户"}, {"id_number", id_number}, {"mobile", mobile}}));
  EXPECT_EQ(customer.status, 201) << customer.body;
  if (customer.status != 201) return "";
  *number = std::string(customer.json().at("number").as_string());
  HttpResult opened = As(teller).Post("/api/v1/customers/" + *number + "/accounts",
                                      R"({"product":"DEMAND_CARD_I"})");
  EXPECT_EQ(opened.status, 201) << opened.body;
  if (opened.status != 201) return "";
  if (!login_id.empty()) {
    json::object body{
        {"login_id", login_id}, {"password", password}, {"reserved_info", "春天的花"}};
    if (!channels.empty()) body["channels"] = std::move(channels);
    HttpResult signed_up =
        As(teller).Post("/api/v1/customers/" + *number + "/signing", json::serialize(body));
    EXPECT_EQ(signed_up.status, 201) << signed_up.body;
  }
  return std::string(opened.json().at("number").as_string());
}

}  // namespace ebank::testing
