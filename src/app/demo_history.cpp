#include "app/demo_history.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "security/id_document.h"
#include "security/password.h"
#include "services/cases.h"
#include "services/fees.h"
#include "services/kpi.h"
#include "services/organisation.h"
#include "services/payments.h"
#include "services/ukeys.h"
#include "services/workbench.h"

namespace ebank::app {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kYearMs = 365 * kDayMs;
constexpr size_t kLedgerBatch = 512;
constexpr const char* kHistoryPassword = "Demo#2026";

constexpr std::array<const char*, 24> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵",
                                                   "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
                                                   "何", "高", "林", "罗", "郑", "梁", "谢", "宋"};
constexpr std::array<const char*, 32> kGiven = {
    "伟", "芳",   "娜",   "敏",   "静",   "丽", "强",   "磊", "军", "洋", "勇",
    "艳", "杰",   "娟",   "涛",   "明",   "超", "秀英", "霞", "平", "刚", "桂英",
    "华", "建国", "晓东", "海燕", "志强", "文", "欣",   "宇", "婷", "浩"};
constexpr std::array<const char*, 6> kMemos = {"房租", "还款", "生活费", "AA 聚餐", "货款", "红包"};

// Where a branch's residents' ID numbers start (GB/T 2260 district codes).
std::string RegionOf(std::string_view path_code) {
  if (path_code.starts_with("SH")) return "310104";
  if (path_code.starts_with("GD")) return "440106";
  return "110105";
}

struct Outlet {
  int64_t id = 0;
  std::string code;
  std::string path;
  ledger::AccountId cash = 0;
  ledger::AccountId fee_income = 0;
  int64_t teller = 0;   // Maker of its counter transactions.
  int64_t checker = 0;  // A supervisor above it.
};

struct Person {
  int64_t customer_id = 0;
  std::string account;
  ledger::AccountId ledger_account = 0;
  size_t outlet = 0;
  int64_t created_at_ms = 0;
  bool signed_up = false;
  int64_t signed_at_ms = 0;
  bool web = false, mobile = false, sms = false, ukey = false, card = false;
  int64_t active_until_ms = 0;  // Sleepers stop long before now.
  int payments = 0;
};

enum class Kind { kCashIn, kCashOut, kPayment, kLogin, kFee };

struct Event {
  int64_t at_ms = 0;
  Kind kind = Kind::kPayment;
  size_t person = 0;
  size_t other = 0;  // The payee of a payment.
  int64_t amount_minor = 0;
  std::string fee_code;
  std::string channel;
  std::string period;
};

// Writes a movement's business rows in the ledger's transaction, once it is applied.
class RowsEffect final : public ledger::Effect {
 public:
  using Write = std::function<Status(store::SqlSession&, ledger::Seq)>;
  explicit RowsEffect(Write write) : write_(std::move(write)) {}
  Status Before(ledger::WriteTransaction&) override { return Status::Ok(); }
  Status After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
               const std::function<int64_t(ledger::AccountId)>&) override {
    if (!outcome.status.ok() || outcome.replayed) return Status::Ok();
    return write_(store::SqlOf(transaction), outcome.seq);
  }

 private:
  Write write_;
};

Status InsertSession(store::SqlSession& sql, int64_t serial, int64_t customer_id, int64_t at_ms,
                     const std::string& channel) {
  // The token hash is no hash at all: no token can ever match a history login.
  return sql.Exec(
      "INSERT INTO sessions (token_hash, subject_kind, subject_id, strength, created_at_ms, "
      "last_seen_at_ms, expires_at_ms, revoked_at_ms, client) VALUES (?, 'customer', ?, 2, ?, ?, "
      "?, ?, ?)",
      {fmt::format("history:{}", serial), customer_id, at_ms, at_ms + 300'000, at_ms + 600'000,
       at_ms + 300'000, "demo history " + channel});
}

class History {
 public:
  History(store::SqlDatabase& db, ledger::Ledger& ledger, services::CustomerService& customers,
          const Clock& clock, uint64_t seed)
      : db_(db), ledger_(ledger), customers_(customers), clock_(clock), random_(seed) {}

  Status LoadOutlets();
  Result<int64_t> StockUkeys();
  // True when the history of this seed exists already.
  Result<bool> Exists(int count);
  Status MakeCustomers(int count);
  std::vector<Event> Plan();
  Result<int64_t> Apply(std::vector<Event> events);
  Status SetTargets();
  Result<int64_t> OpenCases();

 private:
  int64_t Between(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }
  bool Chance(double p) { return std::bernoulli_distribution(p)(random_); }
  std::string IdNumber(size_t index, const Outlet& outlet) {
    // Born 1950-2004; the sequence number makes each distinct.
    int64_t day = Between(0, 54 * 365);
    std::time_t born = static_cast<std::time_t>((-631152000LL + day * 86400));  // From 1950.
    std::tm parts{};
    gmtime_r(&born, &parts);
    std::string first17 =
        fmt::format("{}{:04}{:02}{:02}{:03}", RegionOf(outlet.code), parts.tm_year + 1900,
                    parts.tm_mon + 1, parts.tm_mday, index % 1000);
    return first17 + security::ResidentIdCheckCharacter(first17);
  }

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  services::CustomerService& customers_;
  const Clock& clock_;
  std::mt19937_64 random_;
  std::vector<Outlet> outlets_;
  std::vector<Person> people_;
  std::vector<std::string> id_numbers_;
  int64_t now_ms_ = 0;
};

Status History::LoadOutlets() {
  now_ms_ = clock_.NowMs();
  services::FeeService fees(db_, ledger_, clock_);
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT id, code, path, cash_account_id FROM units WHERE kind = 'outlet' ORDER BY code");
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      outlets_.push_back(
          Outlet{rows->Int(r, 0), rows->Text(r, 1), rows->Text(r, 2), rows->Int(r, 3), 0, 0, 0});
    }
    auto staff = sql.Query(
        "SELECT s.id, s.role, u.path FROM staff s JOIN units u ON u.id = s.unit_id ORDER BY s.id");
    if (!staff.ok()) return staff.status();
    for (Outlet& outlet : outlets_) {
      size_t deepest = 0;
      for (size_t r = 0; r < staff->size(); ++r) {
        std::string role = staff->Text(r, 1);
        std::string path = staff->Text(r, 2);
        if (role == "teller" && path == outlet.path && outlet.teller == 0)
          outlet.teller = staff->Int(r, 0);
        bool checks = role == "supervisor" || role == "branch_manager" || role == "admin";
        if (checks && outlet.path.starts_with(path) && path.size() > deepest) {
          outlet.checker = staff->Int(r, 0);
          deepest = path.size();
        }
      }
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  for (Outlet& outlet : outlets_) {
    if (outlet.teller == 0 || outlet.checker == 0) {
      return Status::Internal("demo_incomplete", "outlet " + outlet.code + " has no staff");
    }
    auto income = fees.IncomeAccount(outlet.id);
    if (!income.ok()) return income.status();
    outlet.fee_income = *income;
  }
  if (outlets_.empty()) return Status::Internal("demo_incomplete", "the demo has no outlets");
  return Status::Ok();
}

Result<int64_t> History::StockUkeys() {
  services::UkeyService ukeys(db_, clock_);
  int64_t stocked = 0;
  for (size_t i = 0; i < outlets_.size(); ++i) {
    const Outlet& outlet = outlets_[i];
    std::vector<std::string> serials;
    for (int k = 0; k < kUkeysPerOutlet; ++k)
      serials.push_back(fmt::format("UK2026{:02}{:04}", i + 1, k + 1));
    services::Staff receiver{outlet.checker,         "",        "",
                             services::Role::kAdmin, outlet.id, outlet.path};
    auto received = ukeys.Receive(receiver, serials);
    if (!received.ok() && received.status().reason() == "ukey_exists") continue;
    if (!received.ok()) return received.status();
    stocked += static_cast<int64_t>(received->size());
  }
  return stocked;
}

Result<bool> History::Exists(int count) {
  // Draw every ID number first (the draws come before anything else, so a seed always
  // gives the same people), then look for the first.
  std::set<std::string> seen;
  for (int i = 0; i < count; ++i) {
    const Outlet& outlet = outlets_[static_cast<size_t>(i) % outlets_.size()];
    std::string id = IdNumber(static_cast<size_t>(i), outlet);
    while (!seen.insert(id).second)
      id = IdNumber(static_cast<size_t>(i), outlet);
    id_numbers_.push_back(id);
  }
  bool exists = false;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query("SELECT id FROM customers WHERE id_number = ?", {id_numbers_.front()});
    if (!rows.ok()) return rows.status();
    exists = !rows->empty();
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return exists;
}

Status History::MakeCustomers(int count) {
  auto hash = security::HashPassword(kHistoryPassword);
  if (!hash.ok()) return hash.status();
  int64_t start_ms = now_ms_ - kYearMs;
  for (int i = 0; i < count; ++i) {
    Person person;
    person.outlet = static_cast<size_t>(i) % outlets_.size();
    const Outlet& outlet = outlets_[person.outlet];
    services::NewCustomer input;
    input.name = std::string(kSurnames[static_cast<size_t>(Between(0, kSurnames.size() - 1))]) +
                 kGiven[static_cast<size_t>(Between(0, kGiven.size() - 1))];
    input.id_number = id_numbers_[static_cast<size_t>(i)];
    input.mobile = fmt::format("1{}{:09}", Between(3, 8), 100'000'000 + i);
    input.address = fmt::format("{} 附近 (演示历史 demo history)", outlet.code);
    input.unit_id = outlet.id;
    auto customer = customers_.Create(input);
    if (!customer.ok()) return customer.status();
    auto account = customers_.OpenAccount(customer->id, "DEMAND_CARD_I", std::nullopt, outlet.id);
    if (!account.ok()) return account.status();
    person.customer_id = customer->id;
    person.account = account->number;
    person.ledger_account = account->ledger_account;
    // Six in ten were customers before this year.
    person.created_at_ms = Chance(0.6) ? start_ms - Between(kDayMs, 3 * kYearMs)
                                       : Between(start_ms, now_ms_ - 7 * kDayMs);
    person.card = Chance(0.25);
    if (person.card) {
      auto card = customers_.OpenAccount(customer->id, "CREDIT_CARD", std::nullopt, outlet.id);
      if (!card.ok()) return card.status();
    }
    person.signed_up = Chance(0.75);
    if (person.signed_up) {
      person.signed_at_ms =
          std::max(person.created_at_ms, Chance(0.4) ? start_ms - Between(kDayMs, kYearMs)
                                                     : Between(start_ms, now_ms_ - 2 * kDayMs));
      person.web = Chance(0.85);
      person.mobile = Chance(0.7) || !person.web;
      person.sms = Chance(0.4);
      person.ukey = person.signed_at_ms >= start_ms && Chance(0.2);
      // One in six stops using e-banking half a year or more ago.
      person.active_until_ms =
          Chance(1.0 / 6) ? now_ms_ - Between(200, 330) * kDayMs : now_ms_ - kDayMs;
      person.payments =
          Chance(0.25) ? static_cast<int>(Between(40, 90)) : static_cast<int>(Between(8, 30));
    }
    people_.push_back(person);
  }
  // Back-dates what the services wrote now, and writes the sign-ups (one password hash for
  // all: these customers are figures on a dashboard, not logins to try).
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    for (size_t i = 0; i < people_.size(); ++i) {
      const Person& person = people_[i];
      EBANK_RETURN_IF_ERROR(sql.Exec("UPDATE customers SET created_at_ms = ? WHERE id = ?",
                                     {person.created_at_ms, person.customer_id}));
      EBANK_RETURN_IF_ERROR(
          sql.Exec("UPDATE bank_accounts SET opened_at_ms = ? WHERE customer_id = ?",
                   {person.created_at_ms, person.customer_id}));
      if (!person.signed_up) continue;
      std::string channels;
      for (auto [on, name] : {std::pair{person.web, "web"}, std::pair{person.mobile, "mobile"},
                              std::pair{person.sms, "sms"}}) {
        if (on) channels += (channels.empty() ? "" : ",") + std::string(name);
      }
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "INSERT INTO signings (customer_id, login_id, password_hash, reserved_info, channels, "
          "failed_logins, locked_until_ms, alert_threshold_minor, alert_channels, created_at_ms, "
          "staff_id) VALUES (?, ?, ?, '演示历史', ?, 0, 0, 0, 'sms', ?, ?)",
          {person.customer_id, fmt::format("history{:05}", i + 1), *hash, channels,
           person.signed_at_ms, outlets_[person.outlet].teller}));
    }
    return Status::Ok();
  });
}

std::vector<Event> History::Plan() {
  std::vector<Event> events;
  int64_t start_ms = now_ms_ - kYearMs;
  int64_t end_ms = now_ms_ - 3600'000;
  for (size_t p = 0; p < people_.size(); ++p) {
    const Person& person = people_[p];
    int64_t first_ms = std::max(person.created_at_ms, start_ms) + Between(0, 3 * kDayMs);
    if (first_ms >= end_ms) first_ms = end_ms - kDayMs;
    // One in fifty brings a large sum: the workbench's large-fund-movement alerts.
    int64_t opening = Chance(0.02) ? Between(60'000, 500'000) : Between(3'000, 50'000);
    events.push_back({first_ms, Kind::kCashIn, p, 0, opening * 100, "", "", ""});
    for (int64_t n = Between(1, 8); n > 0; --n) {
      bool in = Chance(0.6);
      events.push_back({Between(first_ms + 1, end_ms), in ? Kind::kCashIn : Kind::kCashOut, p, 0,
                        in ? Between(50'000, 800'000) : Between(20'000, 300'000), "", "", ""});
    }
    if (!person.signed_up) continue;
    int64_t from_ms = std::max(person.signed_at_ms, first_ms) + 1;
    int64_t until_ms = std::min(person.active_until_ms, end_ms);
    if (from_ms < until_ms) {
      for (int n = 0; n < person.payments; ++n) {
        size_t other = static_cast<size_t>(Between(0, static_cast<int64_t>(people_.size()) - 1));
        if (other == p) continue;
        std::string channel = person.mobile && (!person.web || Chance(0.6)) ? "mobile" : "web";
        events.push_back({Between(from_ms, until_ms), Kind::kPayment, p, other,
                          Between(2'000, 150'000), "", channel, ""});
      }
      for (int64_t n = Between(2, 12); n > 0; --n) {
        events.push_back({Between(from_ms, until_ms), Kind::kLogin, p, 0, 0, "",
                          person.mobile ? "mobile" : "web", ""});
      }
    }
    if (person.ukey) {
      events.push_back({std::max(person.signed_at_ms, first_ms) + 60'000, Kind::kFee, p, 0, 6000,
                        std::string(services::kUkeyFee), "counter", ""});
    } else if (person.signed_at_ms >= start_ms && Chance(0.15)) {
      events.push_back({std::max(person.signed_at_ms, first_ms) + 60'000, Kind::kFee, p, 0, 200,
                        "password_card", "counter", ""});
    }
    if (person.sms) {
      // The monthly fee on the first of each month it was signed up for, this past year.
      for (int64_t at = start_ms; at < end_ms; at += 30 * kDayMs) {
        std::string month = services::LimitDay(at).substr(0, 7);
        int64_t month_start = *services::ChinaDayStartMs(month + "-01");
        if (month_start <= std::max(person.signed_at_ms, first_ms) || month_start >= end_ms)
          continue;
        events.push_back({month_start + 3600'000, Kind::kFee, p, 0, 200,
                          std::string(services::kSmsAlertMonthlyFee), "sms", month});
      }
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at_ms < b.at_ms; });
  return events;
}

Result<int64_t> History::Apply(std::vector<Event> events) {
  int64_t movements = 0;
  int64_t serial = 0;
  std::vector<ledger::Request> batch;
  std::vector<std::pair<int64_t, Event>> logins;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    for (const ledger::Outcome& outcome : ledger_.Execute(std::move(batch))) {
      if (outcome.status.code() == Code::kInternal || outcome.status.code() == Code::kUnavailable) {
        return outcome.status;
      }
      if (outcome.status.ok()) ++movements;
    }
    batch.clear();
    return Status::Ok();
  };
  for (Event& event : events) {
    ++serial;
    const Person& person = people_[event.person];
    const Outlet& outlet = outlets_[person.outlet];
    int64_t amount = event.amount_minor;
    int64_t at = event.at_ms;
    int64_t customer = person.customer_id;
    std::string account = person.account;
    switch (event.kind) {
      case Kind::kLogin:
        logins.emplace_back(serial, event);
        continue;
      case Kind::kCashIn:
      case Kind::kCashOut: {
        bool in = event.kind == Kind::kCashIn;
        std::string memo = in ? "柜面现金存入" : "柜面现金支取";
        int64_t signed_amount = in ? amount : -amount;
        auto effect = std::make_shared<RowsEffect>([in, amount, at, account, memo, outlet](
                                                       store::SqlSession& sql, ledger::Seq seq) {
          std::string payload =
              fmt::format(R"({{"account":"{}","memo":"{}","amount_minor":{},"currency":"CNY"}})",
                          account, memo, amount);
          return sql.Exec(
              "INSERT INTO approvals (kind, payload, unit_id, maker_staff_id, "
              "idempotency_key, fingerprint, state, checker_staff_id, created_at_ms, "
              "expires_at_ms, decided_at_ms, outcome, ledger_seq) VALUES (?, ?, ?, ?, NULL, "
              "'history', 'approved', ?, ?, ?, ?, 'ok', ?)",
              {std::string(in ? "cash_deposit" : "cash_withdrawal"), payload, outlet.id,
               outlet.teller, outlet.checker, at - 120'000, at + 86'400'000, at, seq});
        });
        batch.push_back(ledger::Request{
            "",
            ledger::Transfer{{{outlet.cash, -signed_amount, Currency::Cny()},
                              {person.ledger_account, signed_amount, Currency::Cny()}},
                             memo},
            effect});
        break;
      }
      case Kind::kPayment: {
        const Person& payee = people_[event.other];
        std::string to = payee.account;
        std::string memo = kMemos[static_cast<size_t>(serial) % kMemos.size()];
        std::string channel = event.channel;
        auto effect =
            std::make_shared<RowsEffect>([=](store::SqlSession& sql, ledger::Seq seq) -> Status {
              EBANK_RETURN_IF_ERROR(InsertSession(sql, serial, customer, at - 60'000, channel));
              return sql.Exec(
                  "INSERT INTO payments (customer_id, idempotency_key, fingerprint, from_account, "
                  "to_account, amount_minor, currency, memo, channel, status, tool, "
                  "challenge_id, ledger_seq, failure, created_at_ms) VALUES (?, ?, 'history', ?, "
                  "?, ?, 'CNY', ?, ?, 'completed', 'password', NULL, ?, '', ?)",
                  {customer, fmt::format("history-{}", serial), account, to, amount, memo, channel,
                   seq, at});
            });
        batch.push_back(
            ledger::Request{"",
                            ledger::Transfer{{{person.ledger_account, -amount, Currency::Cny()},
                                              {payee.ledger_account, amount, Currency::Cny()}},
                                             memo},
                            effect});
        break;
      }
      case Kind::kFee: {
        services::FeeCharge charge{event.fee_code, customer,     account, outlet.id,
                                   event.channel,  std::nullopt, amount,  Currency::Cny(),
                                   true,           event.period, 0,       at};
        if (event.channel == "counter") charge.staff_id = outlet.teller;
        bool ukey = event.fee_code == services::kUkeyFee;
        std::string ukey_serial = fmt::format("UKH{:07}", serial);
        int64_t teller = outlet.teller;
        int64_t unit = outlet.id;
        auto effect = std::make_shared<RowsEffect>(
            [=](store::SqlSession& sql, ledger::Seq seq) mutable -> Status {
              charge.ledger_seq = seq;
              EBANK_RETURN_IF_ERROR(services::RecordFeeCharge(sql, charge));
              if (!ukey) return Status::Ok();
              return sql.Exec(
                  "INSERT INTO ukeys (serial, state, unit_id, customer_id, staff_id, "
                  "approval_id, received_at_ms, issued_at_ms) VALUES (?, 'issued', ?, ?, ?, NULL, "
                  "?, ?)",
                  {ukey_serial, unit, customer, teller, at - 30 * kDayMs, at});
            });
        batch.push_back(ledger::Request{
            event.period.empty()
                ? ""
                : fmt::format("fee:{}:{}:{}", event.fee_code, account, event.period),
            ledger::Transfer{{{person.ledger_account, -amount, Currency::Cny()},
                              {outlet.fee_income, amount, Currency::Cny()}},
                             event.fee_code},
            effect});
        break;
      }
    }
    if (batch.size() == kLedgerBatch) EBANK_RETURN_IF_ERROR(flush());
  }
  EBANK_RETURN_IF_ERROR(flush());
  // Logins without a payment move no money: one transaction for all.
  Status written = db_.Transaction([&](store::SqlSession& sql) -> Status {
    for (const auto& [number, event] : logins) {
      EBANK_RETURN_IF_ERROR(InsertSession(sql, number, people_[event.person].customer_id,
                                          event.at_ms, event.channel));
    }
    return Status::Ok();
  });
  if (!written.ok()) return written;
  return movements;
}

Status History::SetTargets() {
  services::KpiService kpis(db_, clock_);
  services::UnitScope all;
  std::vector<std::string> codes;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query("SELECT id, code, path, kind FROM units ORDER BY path");
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      if (rows->Text(r, 3) == "head_office") {
        all = services::UnitScope{rows->Int(r, 0), rows->Text(r, 2)};
      } else {
        codes.push_back(rows->Text(r, 1));
      }
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  std::string year = services::LimitDay(now_ms_).substr(0, 4);
  services::WorkbenchService workbench(db_, clock_);
  auto campaign = workbench.CreateCampaign(outlets_.front().checker, year + "年电子银行营销竞赛",
                                           "HO", year + "-01-01", year + "-12-31", all);
  if (!campaign.ok()) return campaign.status();
  for (const std::string& code : codes) {
    auto report = kpis.Report({code, year + "-01-01", "", services::kDormantDaysDefault}, all);
    if (!report.ok()) return report.status();
    const services::KpiCounts& counts = report->unit.counts;
    // Targets near what the unit did (-10 % to +30 %), so completion is near, and not all,
    // 100 %.
    auto target = [&](int64_t value) {
      double stretch = 1.0 + static_cast<double>(Between(-10, 30)) / 100.0;
      return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(value) * stretch));
    };
    EBANK_RETURN_IF_ERROR(kpis.SetTarget(code, year, "ebanking_revenue",
                                         FormatAmount(target(counts.ebanking_revenue_minor), 2),
                                         all));
    EBANK_RETURN_IF_ERROR(kpis.SetTarget(code, year, "signups_mobile",
                                         std::to_string(target(counts.signups_mobile)), all));
    EBANK_RETURN_IF_ERROR(kpis.SetTarget(code, year, "active_customers",
                                         std::to_string(target(counts.active_customers)), all));
  }
  return Status::Ok();
}

// The past year's cases (BO-6, SVC-3): at each outlet a few card errors, disputes,
// complaints and inspection findings, opened at seeded times and dated then; the older ones
// worked through to closed, the newest still open or under investigation, some of them past
// their deadline.
Result<int64_t> History::OpenCases() {
  struct Template {
    const char* kind;
    const char* title;
    const char* source;
    bool about_customer;
  };
  static constexpr std::array<Template, 8> kTemplates = {{
      {"card_error", "ATM吞卡，客户要求领卡", "ATM差错登记", true},
      {"card_error", "ATM取款未出钞，账户已扣款", "ATM差错登记", true},
      {"dispute", "POS消费重复扣款争议", "客户来电", true},
      {"complaint", "手机银行转账到账延迟", "客户投诉", true},
      {"complaint", "柜面排队等候时间过长", "网点意见簿", false},
      {"finding", "U盾登记簿领用签字不全", "电子银行业务现场检查", false},
      {"finding", "自助设备巡检记录缺失", "电子银行业务现场检查", false},
      {"finding", "密码卡库存账实不符", "重要空白凭证检查", false},
  }};
  constexpr int kCasesPerOutlet = 4;
  ManualClock then(now_ms_);
  services::CaseService cases(db_, then);
  int64_t opened = 0;
  for (size_t o = 0; o < outlets_.size(); ++o) {
    const Outlet& outlet = outlets_[o];
    services::Staff teller{outlet.teller, "", "", services::Role::kTeller, outlet.id, outlet.path};
    services::Staff checker{outlet.checker, "",         "", services::Role::kSupervisor,
                            outlet.id,      outlet.path};
    std::vector<int64_t> customers;
    for (const Person& person : people_) {
      if (person.outlet == o) customers.push_back(person.customer_id);
    }
    for (int c = 0; c < kCasesPerOutlet; ++c) {
      const Template& pick = kTemplates[static_cast<size_t>(Between(0, kTemplates.size() - 1))];
      // The first of each outlet's is recent, so every outlet has one in hand.
      int64_t age_days = c == 0 ? Between(2, 18) : Between(2, 330);
      int64_t at = now_ms_ - age_days * kDayMs - Between(0, 8) * 3600'000;
      services::NewCase input{pick.kind, "",          "", pick.title,
                              "",        pick.source, "", services::LimitDay(at + 15 * kDayMs)};
      if (pick.about_customer && !customers.empty()) {
        int64_t id = customers[static_cast<size_t>(Between(0, customers.size() - 1))];
        Status read = db_.Read([&](store::SqlSession& sql) -> Status {
          auto rows = sql.Query("SELECT number FROM customers WHERE id = ?", {id});
          if (!rows.ok()) return rows.status();
          if (!rows->empty()) input.customer_number = rows->Text(0, 0);
          return Status::Ok();
        });
        if (!read.ok()) return read;
      }
      then.Set(at);
      auto made = cases.Open(teller, input);
      if (!made.ok()) return made.status();
      ++opened;
      // Worked through as time went by: under investigation in a day or two, resolved in
      // about ten, closed by the supervisor soon after.
      std::vector<std::pair<int64_t, std::string>> steps;
      if (age_days >= 20 || Chance(0.5)) steps.emplace_back(Between(1, 2), "investigating");
      if (age_days >= 20) steps.emplace_back(Between(5, 14), "resolved");
      if (age_days >= 45) steps.emplace_back(Between(15, 25), "closed");
      for (const auto& [day, state] : steps) {
        then.Set(at + day * kDayMs);
        bool closing = state == "closed";
        std::string note = state == "investigating" ? ""
                           : closing                ? "复核无误，结案"
                                     : "已核实处理，结果已告知相关人员";
        auto changed = cases.Change(closing ? checker : teller, made->id, state, note, "");
        if (!changed.ok()) return changed.status();
      }
    }
  }
  return opened;
}

}  // namespace

Result<HistorySummary> GrowHistory(store::SqlDatabase& db, ledger::Ledger& ledger,
                                   services::CustomerService& customers, const Clock& clock,
                                   int customer_count, uint64_t seed) {
  HistorySummary summary;
  if (customer_count < 0 || customer_count > kHistoryCustomersMax) {
    return Status::Invalid("invalid_history", "history customers are 0 to 20000");
  }
  History history(db, ledger, customers, clock, seed);
  EBANK_RETURN_IF_ERROR(history.LoadOutlets());
  auto stocked = history.StockUkeys();
  if (!stocked.ok()) return stocked.status();
  summary.ukeys_stocked = *stocked;
  if (customer_count == 0) return summary;
  auto exists = history.Exists(customer_count);
  if (!exists.ok()) return exists.status();
  if (*exists) return summary;
  spdlog::info("demo: growing a year of history for {} customers", customer_count);
  EBANK_RETURN_IF_ERROR(history.MakeCustomers(customer_count));
  auto movements = history.Apply(history.Plan());
  if (!movements.ok()) return movements.status();
  EBANK_RETURN_IF_ERROR(history.SetTargets());
  auto cases = history.OpenCases();
  if (!cases.ok()) return cases.status();
  summary.cases = *cases;
  summary.customers = customer_count;
  summary.movements = *movements;
  return summary;
}

}  // namespace ebank::app
