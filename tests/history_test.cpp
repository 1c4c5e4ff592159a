// A customer's transaction history, statements and receipts over real HTTP on both
// backends: the server-side filters (time, amount, direction) select exactly the matching
// transactions, paging goes on past a page that filters emptied, bad filter values are
// 400 problems, files come as attachments, and another customer's account reveals nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <thread>

#include "common.h"
#include "core/money.h"

namespace ebank::testing {
namespace {

constexpr const char* kTellerPassword = "Counter#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";
constexpr int64_t kChinaOffsetMs = 8 * 3600 * 1000;
constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr size_t kPageMax = 100;   // services::kHistoryPageMax
constexpr size_t kScanMax = 2000;  // services::kHistoryScanMax

struct Row {
  int64_t id = 0;
  int64_t at_ms = 0;
  int64_t amount_minor = 0;  // Signed: positive is money in.
  std::string memo;
  std::string counterparty;
};

// "YYYY-MM-DD" of `ms` in China Standard Time.
std::string ChinaDate(int64_t ms) {
  using namespace std::chrono;
  year_month_day day{floor<days>(sys_time<milliseconds>(milliseconds(ms + kChinaOffsetMs)))};
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

std::vector<int64_t> Ids(const std::vector<Row>& rows) {
  std::vector<int64_t> ids;
  for (const Row& row : rows)
    ids.push_back(row.id);
  return ids;
}

class HistoryTest : public BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(AddStaff(database_, dir_, "teller01", kTellerPassword));
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    anonymous_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    operator_ = std::make_unique<HttpClient>(server_->Client());
    HttpResult login = anonymous_->Post(
        "/api/v1/staff/sessions",
        json::serialize(json::object{{"login", "teller01"}, {"password", kTellerPassword}}));
    ASSERT_EQ(login.status, 201) << login.body;
    teller_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(),
                                           std::string(login.json().at("token").as_string()));
    alice_account_ = NewCustomer("爱丽丝", "11010519491231002X", kAliceMobile, "alice01");
    bob_account_ = NewCustomer("鲍勃", "440524188001010014", kBobMobile, "bob0001");
    bank_ = OpenAccount(*operator_, R"({"currency":"CNY","side":"debit","floor":null})");
    alice_ledger_ = LedgerId(alice_account_);
    bob_ledger_ = LedgerId(bob_account_);
    // Alice's history, oldest first: salary in, lunch and rent out to Bob, Bob pays back,
    // and a small credit from the bank.
    Move(bank_, alice_ledger_, "10000.00", "工资");
    Move(alice_ledger_, bob_ledger_, "88.00", "午饭");
    Move(alice_ledger_, bob_ledger_, "3000.00", "房租");
    Move(bob_ledger_, alice_ledger_, "250.50", "还款");
    Move(bank_, alice_ledger_, "1.00", "利息");
    alice_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(),
                                          SmsLogin("alice01", kAliceMobile));
  }
  void TearDown() override {
    ExpectVerified(*operator_);
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  }

  std::string NewCustomer(const std::string& name, const std::string& id_number,
                          const std::string& mobile, const std::string& login_id) {
    return SignUpCustomer(*teller_, name, id_number, mobile, login_id, kPassword);
  }

  int64_t LedgerId(const std::string& account) {
    HttpResult found = operator_->Get("/internal/ledger/accounts?code=" + account);
    EXPECT_EQ(found.status, 200) << found.body;
    return found.json().at("accounts").as_array().at(0).at("id").as_int64();
  }

  void Move(int64_t from, int64_t to, const std::string& amount, const std::string& memo) {
    json::object body{{"debit_account", from},
                      {"credit_account", to},
                      {"amount", amount},
                      {"currency", "CNY"},
                      {"memo", memo}};
    HttpResult moved = operator_->Post("/internal/ledger/transfers", json::serialize(body));
    ASSERT_EQ(moved.status, 201) << moved.body;
  }

  // Logs in with the password and an SMS code; returns the session token.
  std::string SmsLogin(const std::string& login_id, const std::string& mobile) {
    return testing::SmsLogin(*anonymous_, dir_, login_id, kPassword, mobile);
  }

  // One page of Alice's history with `query` ("" or "a=b&c=d"); fails the test unless 200.
  json::value Page(const std::string& query) {
    HttpResult page = alice_->Get("/api/v1/me/accounts/" + alice_account_ + "/transactions" +
                                  (query.empty() ? "" : "?" + query));
    EXPECT_EQ(page.status, 200) << query << ": " << page.body;
    return page.status == 200 ? page.json() : json::value(json::object{});
  }

  static std::vector<Row> RowsOf(const json::value& page) {
    std::vector<Row> rows;
    if (!page.is_object() || !page.as_object().contains("transactions")) return rows;
    for (const auto& item : page.at("transactions").as_array()) {
      Row row;
      row.id = item.at("transaction_id").as_int64();
      row.at_ms = item.at("at_ms").as_int64();
      row.amount_minor = ParseAmount(item.at("amount").as_string(), 2).value();
      row.memo = std::string(item.at("memo").as_string());
      if (item.as_object().contains("counterparty")) {
        row.counterparty = std::string(item.at("counterparty").as_string());
      }
      rows.push_back(row);
    }
    return rows;
  }

  // Every row the filter selects, following next_before page by page.
  std::vector<Row> All(const std::string& filter, size_t* pages = nullptr) {
    std::vector<Row> rows;
    std::string before;
    for (size_t page_count = 1; page_count <= 100; ++page_count) {
      std::string query = filter;
      if (!before.empty()) query += (query.empty() ? "" : "&") + ("before=" + before);
      json::value page = Page(query);
      std::vector<Row> some = RowsOf(page);
      rows.insert(rows.end(), some.begin(), some.end());
      if (pages) *pages = page_count;
      if (!page.is_object() || !page.as_object().contains("next_before")) break;
      before = std::to_string(page.at("next_before").as_int64());
    }
    return rows;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_, operator_, teller_, alice_;
  std::string alice_account_, bob_account_;
  int64_t bank_ = 0, alice_ledger_ = 0, bob_ledger_ = 0;
};

// What a filter should select, decided here from the unfiltered history.
std::vector<int64_t> Expected(const std::vector<Row>& all,
                              const std::function<bool(const Row&)>& wanted) {
  std::vector<Row> rows;
  std::copy_if(all.begin(), all.end(), std::back_inserter(rows), wanted);
  return Ids(rows);
}

TEST_P(HistoryTest, FiltersSelectExactlyTheMatchingTransactions) {
  std::vector<Row> all = All("");
  ASSERT_EQ(all.size(), 5u);
  // Newest first, signed from Alice's side, with memos and masked counterparties.
  std::vector<int64_t> amounts;
  for (const Row& row : all)
    amounts.push_back(row.amount_minor);
  EXPECT_EQ(amounts, (std::vector<int64_t>{100, 25050, -300000, -8800, 1000000}));
  EXPECT_EQ(all[1].memo, "还款");
  std::string bob_masked = bob_account_.substr(0, 6) + std::string(bob_account_.size() - 10, '*') +
                           bob_account_.substr(bob_account_.size() - 4);
  EXPECT_EQ(all[1].counterparty, bob_masked);
  EXPECT_EQ(all[2].counterparty, bob_masked);
  EXPECT_EQ(all[0].counterparty, "");  // The bank's own account is not named.
  for (const Row& row : all)
    EXPECT_EQ(row.counterparty.find(bob_account_), std::string::npos);

  auto magnitude = [](const Row& row) { return std::abs(row.amount_minor); };
  struct Case {
    std::string query;
    std::function<bool(const Row&)> wanted;
  };
  int64_t middle_ms = all[2].at_ms;
  std::string today = ChinaDate(all.front().at_ms);
  std::string first_day = ChinaDate(all.back().at_ms);
  auto day_start = [&](const std::string& date) {
    for (const Row& row : all) {
      if (ChinaDate(row.at_ms) == date) {
        int64_t local = row.at_ms + kChinaOffsetMs;
        return local - local % kDayMs - kChinaOffsetMs;
      }
    }
    return int64_t{0};
  };
  std::vector<Case> cases = {
      {"direction=out", [](const Row& row) { return row.amount_minor < 0; }},
      {"direction=in", [](const Row& row) { return row.amount_minor > 0; }},
      {"direction=in&min=200",
       [&](const Row& row) { return row.amount_minor > 0 && magnitude(row) >= 20000; }},
      {"min=88.00&max=250.50",
       [&](const Row& row) { return magnitude(row) >= 8800 && magnitude(row) <= 25050; }},
      {"min=88&max=88", [&](const Row& row) { return magnitude(row) == 8800; }},
      {"max=0.99", [](const Row&) { return false; }},
      {"min=0&direction=out&max=100",
       [&](const Row& row) { return row.amount_minor < 0 && magnitude(row) <= 10000; }},
      {"from_ms=" + std::to_string(middle_ms),
       [&](const Row& row) { return row.at_ms >= middle_ms; }},
      {"to_ms=" + std::to_string(middle_ms), [&](const Row& row) { return row.at_ms < middle_ms; }},
      {"from_ms=" + std::to_string(middle_ms) + "&direction=out",
       [&](const Row& row) { return row.at_ms >= middle_ms && row.amount_minor < 0; }},
      {"from=" + first_day + "&to=" + today, [](const Row&) { return true; }},
      {"from=" + today, [&](const Row& row) { return row.at_ms >= day_start(today); }},
      {"to=" + first_day,
       [&](const Row& row) { return row.at_ms < day_start(first_day) + kDayMs; }},
      {"from=2000-01-01&to=2000-01-31", [](const Row&) { return false; }},
      {"from=2099-01-01", [](const Row&) { return false; }},
  };
  for (const Case& test : cases) {
    EXPECT_EQ(Ids(All(test.query)), Expected(all, test.wanted)) << test.query;
  }
  // The unfiltered sample must make the filters mean something.
  EXPECT_EQ(Expected(all, cases[0].wanted).size(), 2u);
  EXPECT_EQ(Expected(all, cases[3].wanted).size(), 2u);
}

TEST_P(HistoryTest, PagesGoOnPastPagesTheFiltersEmptied) {
  // 2,100 transfers of 0.01 to Alice after the five: more than one page reads.
  json::array transfers;
  for (int i = 0; i < 2100; ++i) {
    transfers.push_back(json::object{{"debit_account", bank_},
                                     {"credit_account", alice_ledger_},
                                     {"amount", "0.01"},
                                     {"currency", "CNY"}});
  }
  HttpResult batch = operator_->Post("/internal/ledger/transfers/batch",
                                     json::serialize(json::object{{"transfers", transfers}}));
  ASSERT_EQ(batch.status, 200) << batch.body.substr(0, 300);

  // Unfiltered: full pages of 100, the next one starting below the last row shown.
  json::value first = Page("");
  ASSERT_EQ(RowsOf(first).size(), kPageMax);
  EXPECT_EQ(first.at("next_before").as_int64(), RowsOf(first).back().id);
  size_t pages = 0;
  std::vector<Row> all = All("", &pages);
  EXPECT_EQ(all.size(), 2105u);
  EXPECT_EQ(pages, 22u);
  std::vector<int64_t> ids = Ids(all);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const Row& a, const Row& b) { return a.id > b.id; }));

  // Filtered: the first page reads its budget of postings, finds nothing and says where to
  // go on; the next finds the five.
  json::value empty = Page("min=1.00");
  EXPECT_TRUE(RowsOf(empty).empty());
  ASSERT_TRUE(empty.as_object().contains("next_before"));
  EXPECT_EQ(empty.at("next_before").as_int64(), all[kScanMax - 1].id);
  std::vector<Row> large = All("min=1.00", &pages);
  EXPECT_EQ(Ids(large), Ids(std::vector<Row>(all.end() - 5, all.end())));
  EXPECT_EQ(pages, 2u);
  std::vector<Row> out = All("direction=out");
  EXPECT_EQ(Ids(out), Expected(all, [](const Row& row) { return row.amount_minor < 0; }));
}

TEST_P(HistoryTest, BadFilterValuesAreProblems) {
  std::string base = "/api/v1/me/accounts/" + alice_account_;
  for (const char* query : {"min=-1",
                            "min=1.234",
                            "min=abc",
                            "max=1e3",
                            "min=5&max=1",
                            "direction=sideways",
                            "direction=IN",
                            "from=2026-02-30",
                            "from=2026-1-01",
                            "to=20260101",
                            "from_ms=abc",
                            "to_ms=-5",
                            "from_ms=1.5",
                            "from=2026-05-02&to=2026-05-01",
                            "from_ms=2000&to_ms=1000",
                            "from=2026-05-01&from_ms=1000",
                            "before=abc",
                            "before=0",
                            "before=-3",
                            "page=2",
                            "min=1&min=2",
                            "before=1"}) {
    HttpResult result = alice_->Get(base + "/transactions?" + query);
    EXPECT_EQ(result.status, 400) << query << ": " << result.body;
    EXPECT_EQ(result.headers["Content-Type"], "application/problem+json") << query;
    if (result.status == 400) {
      EXPECT_EQ(result.json().at("code").as_string(), "invalid_query") << query;
    }
  }
  for (const char* query : {"", "from=2026-05-01", "to=2026-05-01", "from=2026-05-02&to=2026-05-01",
                            "from=2025-01-01&to=2026-01-02", "from=2026-13-01&to=2026-12-01",
                            "from=2026-05-01&to=2026-05-02&min=1"}) {
    for (const char* format : {"pdf", "xlsx"}) {
      HttpResult result = alice_->Get(base + "/statement." + format + "?" + query);
      EXPECT_EQ(result.status, 400) << format << " " << query << ": " << result.body;
      if (result.status == 400) {
        EXPECT_EQ(result.json().at("code").as_string(), "invalid_query") << query;
      }
    }
  }
  // 366 days is the most one statement covers.
  EXPECT_EQ(alice_->Get(base + "/statement.pdf?from=2025-01-01&to=2026-01-01").status, 200);
}

TEST_P(HistoryTest, StatementsAndReceiptsAreAttachments) {
  std::vector<Row> all = All("");
  ASSERT_EQ(all.size(), 5u);
  std::string from = ChinaDate(all.back().at_ms);
  std::string to = ChinaDate(all.front().at_ms);
  std::string base = "/api/v1/me/accounts/" + alice_account_;
  std::string last_four = alice_account_.substr(alice_account_.size() - 4);

  HttpResult pdf = alice_->Get(base + "/statement.pdf?from=" + from + "&to=" + to);
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  EXPECT_EQ(pdf.headers["Content-Type"], "application/pdf");
  EXPECT_EQ(pdf.headers["Content-Disposition"], "attachment; filename=\"ebank-statement-" +
                                                    last_four + "-" + from + "-" + to + ".pdf\"");
  EXPECT_EQ(pdf.headers["Cache-Control"], "no-store");
  EXPECT_TRUE(pdf.body.starts_with("%PDF-"));
  EXPECT_TRUE(pdf.body.find("%%EOF") != std::string::npos);

  HttpResult xlsx = alice_->Get(base + "/statement.xlsx?from=" + from + "&to=" + to);
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_EQ(xlsx.headers["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.headers["Content-Disposition"], "attachment; filename=\"ebank-statement-" +
                                                     last_four + "-" + from + "-" + to + ".xlsx\"");
  EXPECT_TRUE(xlsx.body.starts_with("PK\x03\x04"));
  EXPECT_NE(xlsx.body.find("xl/worksheets/sheet1.xml"), std::string::npos);
  // Nothing in the file names the whole account number.
  EXPECT_EQ(xlsx.body.find(alice_account_), std::string::npos);

  // A statement of days without transactions is still a statement.
  HttpResult quiet = alice_->Get(base + "/statement.xlsx?from=2001-01-01&to=2001-01-31");
  EXPECT_EQ(quiet.status, 200) << quiet.body;

  std::string rent = std::to_string(all[2].id);
  for (const char* format : {"pdf", "xlsx"}) {
    HttpResult receipt = alice_->Get(base + "/transactions/" + rent + "/receipt." + format);
    ASSERT_EQ(receipt.status, 200) << receipt.body;
    EXPECT_EQ(
        receipt.headers["Content-Disposition"],
        "attachment; filename=\"ebank-receipt-" + last_four + "-" + rent + "." + format + "\"");
    EXPECT_TRUE(receipt.body.starts_with(std::string(format) == "pdf" ? "%PDF-" : "PK\x03\x04"));
  }
  // A transaction that is not this account's, and one that does not exist.
  HttpResult bank_only = alice_->Get(base + "/transactions/1/receipt.pdf");
  EXPECT_EQ(bank_only.status, 404);
  EXPECT_EQ(bank_only.json().at("code").as_string(), "unknown_transaction");
  EXPECT_EQ(alice_->Get(base + "/transactions/99999/receipt.xlsx").status, 404);
  EXPECT_EQ(alice_->Get(base + "/transactions/abc/receipt.pdf").status, 404);
}

TEST_P(HistoryTest, AnotherCustomersAccountRevealsNothing) {
  // Bob's account, and an account that does not exist, look exactly alike to Alice.
  std::string missing = bob_account_;
  missing.back() = missing.back() == '9' ? '0' : static_cast<char>(missing.back() + 1);
  Move(bank_, bob_ledger_, "5.00", "奖金");  // Bob's alone.
  HttpClient bob("127.0.0.1", server_->port(), SmsLogin("bob0001", kBobMobile));
  std::vector<Row> bobs =
      RowsOf(bob.Get("/api/v1/me/accounts/" + bob_account_ + "/transactions").json());
  ASSERT_EQ(bobs.size(), 4u);
  std::string bob_transaction = std::to_string(bobs.front().id);
  for (const std::string& suffix :
       {std::string("/transactions"), std::string("/transactions?direction=in"),
        std::string("/statement.pdf?from=2026-01-01&to=2026-01-31"),
        std::string("/statement.xlsx?from=2026-01-01&to=2026-01-31"),
        "/transactions/" + bob_transaction + "/receipt.pdf",
        "/transactions/" + bob_transaction + "/receipt.xlsx"}) {
    HttpResult theirs = alice_->Get("/api/v1/me/accounts/" + bob_account_ + suffix);
    HttpResult nobodys = alice_->Get("/api/v1/me/accounts/" + missing + suffix);
    EXPECT_EQ(theirs.status, 404) << suffix;
    EXPECT_EQ(theirs.body, nobodys.body) << suffix;
    EXPECT_EQ(theirs.headers["Content-Type"], "application/problem+json") << suffix;
    EXPECT_EQ(theirs.body.find("鲍勃"), std::string::npos);
    EXPECT_EQ(theirs.body.find(bob_account_), std::string::npos);
    if (theirs.status == 404) {
      EXPECT_EQ(theirs.json().at("code").as_string(), "unknown_account") << suffix;
    }
    // Without a customer session: 401, whoever asks.
    EXPECT_EQ(anonymous_->Get("/api/v1/me/accounts/" + alice_account_ + suffix).status, 401);
    EXPECT_EQ(teller_->Get("/api/v1/me/accounts/" + alice_account_ + suffix).status, 401);
  }
  // Bob's transaction through Alice's own account is not hers either.
  HttpResult crossed = alice_->Get("/api/v1/me/accounts/" + alice_account_ + "/transactions/" +
                                   bob_transaction + "/receipt.pdf");
  EXPECT_EQ(crossed.status, 404);
  EXPECT_EQ(crossed.json().at("code").as_string(), "unknown_transaction");
  EXPECT_EQ(bob.Get("/api/v1/me/accounts/" + bob_account_ + "/transactions/" + bob_transaction +
                    "/receipt.pdf")
                .status,
            200);
}

INSTANTIATE_TEST_SUITE_P(Backends, HistoryTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
