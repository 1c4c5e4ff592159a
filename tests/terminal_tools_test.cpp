// The card host inside `ebank serve`, driven by `ebank atm` and `ebank pos` as a person at
// the terminal would, on the demo bank, on both backends: the demo's cards, PINs and
// terminal keys work, a withdrawal lowers the balance the next inquiry shows, three wrong
// PINs block the card, a POS sale settles with the host's totals.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "common.h"

namespace ebank::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Quote(const std::string& text) {
  return "'" + text + "'";
}

class TerminalToolsTest : public BackendTest {
 protected:
  void SetUp() override {
    Process demo(
        {EbankBinary(), "demo", "--db", database_, "--data-dir", dir_, "--history-customers", "0"},
        dir_ + "/demo.log");
    ASSERT_EQ(demo.Wait(300), 0) << ReadAll(dir_ + "/demo.log");
    auto cards = json::parse(ReadAll(dir_ + "/demo/cards.json")).as_object();
    const json::object& card = cards.at("zhangwei").as_object();
    pan_ = json::value_to<std::string>(card.at("pan"));
    expiry_ = json::value_to<std::string>(card.at("expiry"));
    pin_ = json::value_to<std::string>(card.at("pin"));
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    ASSERT_GT(server_->card_port(), 0);
  }

  void TearDown() override {
    HttpClient client = server_->Client();
    ExpectVerified(client);
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  }

  // Runs `ebank <tool> <arguments>` with `input` on stdin (a file: the card data never
  // appears on a command line); returns what it printed.
  std::string Run(const std::string& tool, const std::string& arguments, const std::string& input) {
    std::string in = dir_ + "/" + tool + ".in", out = dir_ + "/" + tool + ".out";
    std::ofstream(in) << input;
    std::string command = Quote(EbankBinary()) + " " + tool +
                          " --host 127.0.0.1:" + std::to_string(server_->card_port()) + " " +
                          arguments + " < " + Quote(in) + " > " + Quote(out) + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << ReadAll(out);
    return ReadAll(out);
  }

  std::string Atm(const std::string& choices, const std::string& pin) {
    return Run("atm", "--terminal ATM00001 --key-file " + Quote(dir_ + "/terminals/ATM00001.key"),
               pan_ + "\n" + expiry_ + "\n" + pin + "\n" + choices + "0\n");
  }

  static std::vector<std::string> Balances(const std::string& output) {
    std::vector<std::string> found;
    std::regex balance("账户余额 Balance: ([0-9.]+)");
    for (auto it = std::sregex_iterator(output.begin(), output.end(), balance);
         it != std::sregex_iterator(); ++it) {
      found.push_back((*it)[1]);
    }
    return found;
  }

  std::unique_ptr<ServerProcess> server_;
  std::string pan_, expiry_, pin_;
};

TEST_P(TerminalToolsTest, AtmWithdrawalThenInquiry) {
  std::string output = Atm("1\n2\n500\n1\n", pin_);
  EXPECT_NE(output.find("已签到 signed on"), std::string::npos) << output;
  std::vector<std::string> balances = Balances(output);
  ASSERT_EQ(balances.size(), 3u) << output;  // Inquiry, withdrawal, inquiry.
  double before = std::stod(balances[0]), after = std::stod(balances[2]);
  EXPECT_NEAR(before - after, 500.00, 0.001) << output;
  EXPECT_EQ(balances[1], balances[2]);
  EXPECT_EQ(output.find(pan_), std::string::npos) << "the tool never prints the card number";
}

TEST_P(TerminalToolsTest, ThreeWrongPinsBlockTheCard) {
  std::string wrong = pin_ == "000000" ? "111111" : "000000";
  EXPECT_NE(Atm("1\n", wrong).find("[55]"), std::string::npos);
  EXPECT_NE(Atm("1\n", wrong).find("[55]"), std::string::npos);
  EXPECT_NE(Atm("1\n", wrong).find("[75]"), std::string::npos);
  std::string right = Atm("1\n", pin_);
  EXPECT_NE(right.find("[75]"), std::string::npos) << right;
  EXPECT_TRUE(Balances(right).empty());
}

TEST_P(TerminalToolsTest, PosSaleAndSettlement) {
  std::string output = Run("pos",
                           "--terminal POS00001 --merchant 898110154110001 --key-file " +
                               Quote(dir_ + "/terminals/POS00001.key"),
                           "1\n" + pan_ + "\n" + expiry_ + "\n" + pin_ + "\n88.00\n6\n0\n");
  std::regex approved("\\[00\\]");
  auto count = std::distance(std::sregex_iterator(output.begin(), output.end(), approved),
                             std::sregex_iterator());
  EXPECT_EQ(count, 2) << output;  // The sale and the settlement.
  EXPECT_NE(output.find("借 0000000001 笔 0000000000008800"), std::string::npos) << output;
}

INSTANTIATE_TEST_SUITE_P(Backends, TerminalToolsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
