// Runs the ledger scenarios in scenarios/*.scn on every backend. A scenario is data, not
// C++ (DuckDB's sqllogictest idea), one command a line:
//
//   open NAME CUR credit|debit [floor=AMOUNT|unbounded]   open an account (default floor=0)
//   transfer [key=K] FROM TO AMOUNT => OUTCOME            a two-posting transfer
//   postings [key=K] NAME:AMOUNT NAME:AMOUNT ... => OUTCOME  signed, credit-positive
//   hold HOLD FROM TO AMOUNT ttl=MS => OUTCOME
//   post HOLD AMOUNT => OUTCOME
//   void HOLD => OUTCOME
//   expire                                               expire due holds
//   advance MS                                           move the clock
//   balance NAME AMOUNT / held NAME AMOUNT / available NAME AMOUNT
//
// OUTCOME is `ok`, `replayed` (ok, answered from the idempotency record) or
// CODE/REASON such as `rejected/insufficient_funds`. Amounts are decimals in the
// account's currency. Unknown names stand for accounts that do not exist.
// After the last line the whole ledger must verify.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ledger/tests/ledger_env.h"

namespace ebank::ledger {
namespace {

namespace fs = std::filesystem;

constexpr AccountId kMissingAccount = 9'000'000'000;

struct ScenarioParam {
  std::string backend;
  std::string path;
};

void PrintTo(const ScenarioParam& param, std::ostream* out) {
  *out << param.backend << ":" << fs::path(param.path).filename().string();
}

std::vector<ScenarioParam> AllScenarios() {
  std::vector<std::string> files;
  fs::path dir = fs::path(testing::SourceDir()) / "src/ledger/tests/scenarios";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".scn") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<ScenarioParam> params;
  for (const char* backend : {"sqlite", "postgresql"}) {
    for (const auto& file : files)
      params.push_back({backend, file});
  }
  return params;
}

class ScenarioRunner {
 public:
  explicit ScenarioRunner(LedgerEnv& env) : env_(env) {}

  // Runs one line; returns a failure description or "".
  std::string Line(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> words;
    std::string word, expected;
    while (in >> word) {
      if (word == "=>") {
        in >> expected;
        break;
      }
      words.push_back(word);
    }
    if (words.empty()) return "";
    std::string key;
    if (words.size() > 1 && words[1].rfind("key=", 0) == 0) {
      key = words[1].substr(4);
      words.erase(words.begin() + 1);
    }
    const std::string& verb = words[0];
    if (verb == "open") return Open(words);
    if (verb == "advance") {
      env_.clock().Advance(std::stoll(words.at(1)));
      return "";
    }
    if (verb == "balance" || verb == "held" || verb == "available") return Check(words);
    auto command = ParseCommand(words);
    if (!command.ok()) return command.status().ToString();
    Outcome outcome = env_.Run(std::move(*command), key);
    if (verb == "hold" && outcome.status.ok()) holds_[words.at(1)] = outcome.id;
    std::string actual = outcome.status.ok() ? (outcome.replayed ? "replayed" : "ok")
                                             : std::string(CodeName(outcome.status.code())) + "/" +
                                                   outcome.status.reason();
    if (expected.empty()) expected = "ok";
    if (actual != expected) {
      return "expected " + expected + " but got " + actual + " (" + outcome.status.message() + ")";
    }
    return "";
  }

 private:
  std::string Open(const std::vector<std::string>& words) {
    OpenAccount open;
    auto currency = Currency::Parse(words.at(2));
    if (!currency.ok()) return currency.status().ToString();
    open.currency = *currency;
    open.side = words.at(3) == "debit" ? Side::kDebit : Side::kCredit;
    open.floor = 0;
    if (words.size() > 4) {
      if (words[4] == "unbounded") {
        open.floor.reset();
      } else if (words[4].rfind("floor=", 0) == 0) {
        auto floor = ParseAmount(words[4].substr(6), open.currency.exponent());
        if (!floor.ok()) return floor.status().ToString();
        open.floor = *floor;
      }
    }
    Outcome outcome = env_.Run(open);
    if (!outcome.status.ok()) return outcome.status.ToString();
    accounts_[words[1]] = {outcome.id, open.currency};
    return "";
  }

  std::string Check(const std::vector<std::string>& words) {
    auto found = accounts_.find(words.at(1));
    if (found == accounts_.end()) return "unknown account name " + words[1];
    auto amount = ParseAmount(words.at(2), found->second.currency.exponent());
    if (!amount.ok()) return amount.status().ToString();
    Account account = env_.Get(found->second.id);
    int64_t actual = words[0] == "balance" ? account.normal_balance()
                     : words[0] == "held"  ? account.held
                                           : account.available();
    if (actual != *amount) {
      return words[0] + " of " + words[1] + " is " +
             FormatAmount(actual, found->second.currency.exponent()) + ", expected " + words[2];
    }
    return "";
  }

  AccountId Id(const std::string& name) {
    auto found = accounts_.find(name);
    return found == accounts_.end() ? kMissingAccount : found->second.id;
  }
  Currency CurrencyOf(const std::string& name) {
    auto found = accounts_.find(name);
    return found == accounts_.end() ? Currency::Cny() : found->second.currency;
  }
  Result<int64_t> Amount(const std::string& name, const std::string& text) {
    return ParseAmount(text, CurrencyOf(name).exponent());
  }

  Result<Command> ParseCommand(const std::vector<std::string>& words) {
    const std::string& verb = words[0];
    auto bad = [&] { return Status::Invalid("bad_scenario", "cannot read '" + verb + "' line"); };
    if (verb == "transfer" && words.size() == 4) {
      auto amount = Amount(words[1], words[3]);
      if (!amount.ok()) return amount.status();
      return Command(Transfer{{{Id(words[1]), -*amount}, {Id(words[2]), *amount}}, ""});
    }
    if (verb == "postings") {
      Transfer transfer;
      for (size_t i = 1; i < words.size(); ++i) {
        size_t colon = words[i].find(':');
        if (colon == std::string::npos) return bad();
        std::string name = words[i].substr(0, colon);
        auto amount = Amount(name, words[i].substr(colon + 1));
        if (!amount.ok()) return amount.status();
        transfer.postings.push_back({Id(name), *amount});
      }
      return Command(transfer);
    }
    if (verb == "hold" && words.size() == 6 && words[5].rfind("ttl=", 0) == 0) {
      auto amount = Amount(words[2], words[4]);
      if (!amount.ok()) return amount.status();
      int64_t expires = env_.clock().NowMs() + std::stoll(words[5].substr(4));
      return Command(CreateHold{Id(words[2]), Id(words[3]), *amount, expires});
    }
    if (verb == "post" && words.size() == 3) {
      auto amount = ParseAmount(words[2], 2);
      if (!amount.ok()) return amount.status();
      return Command(PostHold{HoldOf(words[1]), *amount});
    }
    if (verb == "void" && words.size() == 2) return Command(VoidHold{HoldOf(words[1])});
    if (verb == "expire") return Command(ExpireHolds{});
    return bad();
  }

  HoldId HoldOf(const std::string& name) {
    auto found = holds_.find(name);
    return found == holds_.end() ? kMissingAccount : found->second;
  }

  struct Named {
    AccountId id = 0;
    Currency currency = Currency::Cny();
  };
  LedgerEnv& env_;
  std::map<std::string, Named> accounts_;
  std::map<std::string, HoldId> holds_;
};

class ScenarioTest : public ::testing::TestWithParam<ScenarioParam> {};

TEST_P(ScenarioTest, Runs) {
  LedgerEnv env(GetParam().backend);
  ScenarioRunner runner(env);
  std::ifstream in(GetParam().path);
  ASSERT_TRUE(in) << "cannot read " << GetParam().path;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    std::string failure = runner.Line(line);
    EXPECT_EQ(failure, "") << GetParam().path << ":" << number << ": " << line;
  }
  env.Verify();
}

INSTANTIATE_TEST_SUITE_P(Files, ScenarioTest, ::testing::ValuesIn(AllScenarios()),
                         [](const ::testing::TestParamInfo<ScenarioParam>& info) {
                           std::string name = fs::path(info.param.path).stem().string();
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return info.param.backend + "_" + name;
                         });

}  // namespace
}  // namespace ebank::ledger
