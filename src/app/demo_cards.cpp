#include "app/demo_cards.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "services/cards.h"

namespace ebank::app {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// A debit card for each demo customer's class I account, each with its own PIN.
struct DemoCard {
  const char* login;
  const char* pin;
};
constexpr DemoCard kDemoCards[] = {
    {"zhangwei", "123456"}, {"lina", "234567"}, {"wangfang", "345678"}, {"liuyang", "456789"}};

struct DemoTerminal {
  const char* code;
  const char* kind;
  const char* unit;
  const char* location;
};
constexpr DemoTerminal kDemoTerminals[] = {
    {"ATM00001", "atm", "BJ-CY-01", "建国路网点 自助银行"},
    {"CRS00001", "crs", "BJ-CY-01", "建国路网点 存取款一体机"},
    {"ATM00002", "atm", "SH-XH-01", "漕溪北路网点 自助银行"},
    {"POS00001", "pos", "BJ-CY", "刘洋便利店 收银台"},
};
constexpr char kMerchantCode[] = "898110154110001";
constexpr char kMerchantOwner[] = "liuyang";
constexpr char kKeeperLogin[] = "super01";

Status WritePrivate(const fs::path& path, const std::string& text) {
  mode_t old_mask = umask(077);
  std::ofstream out(path, std::ios::trunc);
  umask(old_mask);
  out << text;
  if (!out) return Status::Internal("io_error", "cannot write " + path.string());
  return Status::Ok();
}

// The account of `login`'s customer from `product`, read in `sql`'s transaction.
Result<std::string> AccountOf(store::SqlSession& sql, std::string_view login,
                              std::string_view product) {
  auto rows = sql.Query(
      "SELECT a.number FROM bank_accounts a JOIN signings s ON s.customer_id = a.customer_id "
      "WHERE s.login_id = ? AND a.product_code = ? ORDER BY a.opened_at_ms LIMIT 1",
      {std::string(login), std::string(product)});
  if (!rows.ok()) return rows.status();
  if (rows->empty())
    return Status::NotFound("unknown_account", "no demo account of " + std::string(login));
  return rows->Text(0, 0);
}

}  // namespace

Result<std::string> EnsureDemoCards(store::SqlDatabase& db, ledger::Ledger& ledger,
                                    const security::SecretBox& secrets, const Clock& clock,
                                    const fs::path& data_dir, int* created) {
  auto keys = services::CardKeys::LoadOrCreate((data_dir / "card-keys").string());
  if (!keys.ok()) return keys.status();
  services::CardService cards(db, ledger, secrets, *keys, clock);
  fs::path record = data_dir / "demo" / "cards.json";
  fs::path key_dir = data_dir / "terminals";
  std::error_code error;
  fs::create_directories(key_dir, error);
  if (error) return Status::Internal("io_error", "cannot create " + key_dir.string());

  // The demo's own record of the card numbers it issued (the bank keeps none).
  json::object issued;
  if (std::ifstream in(record); in) {
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code parse_error;
    json::value parsed = json::parse(text.str(), parse_error);
    if (!parse_error && parsed.is_object()) issued = parsed.as_object();
  }
  std::string merchant_account, keeper_unit;
  int64_t keeper_id = 0;
  std::map<std::string, std::string> accounts;
  Status read = db.Read([&](store::SqlSession& sql) -> Status {
    for (const DemoCard& card : kDemoCards) {
      auto number = AccountOf(sql, card.login, "DEMAND_CARD_I");
      if (!number.ok()) return number.status();
      accounts[card.login] = *number;
    }
    auto merchant = AccountOf(sql, kMerchantOwner, "DEMAND_CARD_II");
    if (!merchant.ok()) return merchant.status();
    merchant_account = *merchant;
    auto keeper = sql.Query("SELECT id FROM staff WHERE login = ?", {std::string(kKeeperLogin)});
    if (!keeper.ok()) return keeper.status();
    if (keeper->empty()) return Status::NotFound("unknown_staff", "no demo keeper");
    keeper_id = keeper->Int(0, 0);
    return Status::Ok();
  });
  if (!read.ok()) return read;

  for (const DemoCard& card : kDemoCards) {
    if (issued.contains(card.login)) continue;
    auto made = cards.Issue(accounts[card.login], card.pin);
    if (!made.ok()) return made.status();
    json::object one;
    one["pan"] = made->pan;
    one["expiry"] = made->card.expiry;
    one["pin"] = card.pin;
    one["account"] = accounts[card.login];
    issued[card.login] = std::move(one);
    ++*created;
  }
  auto units = [&](const std::string& code) -> Result<int64_t> {
    int64_t id = 0;
    Status found = db.Read([&](store::SqlSession& sql) -> Status {
      auto rows = sql.Query("SELECT id FROM units WHERE code = ?", {code});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return Status::NotFound("unknown_unit", code);
      id = rows->Int(0, 0);
      return Status::Ok();
    });
    if (!found.ok()) return found;
    return id;
  };
  auto merchants = cards.Merchants("%");
  if (!merchants.ok()) return merchants.status();
  if (merchants->empty()) {
    auto unit = units("BJ-CY");
    if (!unit.ok()) return unit.status();
    auto merchant =
        cards.RegisterMerchant({0, kMerchantCode, "刘洋便利店", "5411", *unit, merchant_account, 50,
                                "北京市朝阳区建国路90号", std::nullopt});
    if (!merchant.ok()) return merchant.status();
    ++*created;
  }
  for (const DemoTerminal& terminal : kDemoTerminals) {
    if (cards.GetTerminal(terminal.code).ok()) continue;
    std::string merchant = std::string_view(terminal.kind) == "pos" ? kMerchantCode : "";
    auto registered = cards.RegisterTerminal(
        {terminal.code, terminal.kind, terminal.unit, merchant, terminal.location, keeper_id});
    if (!registered.ok()) return registered.status();
    EBANK_RETURN_IF_ERROR(
        WritePrivate(key_dir / (std::string(terminal.code) + ".key"), registered->second + "\n"));
    ++*created;
  }
  EBANK_RETURN_IF_ERROR(WritePrivate(record, json::serialize(issued) + "\n"));

  // The guide's section.
  std::string out;
  auto line = [&out](std::string_view text) {
    out += text;
    out += '\n';
  };
  line("银行卡与自助设备 Cards, ATMs and POS (ISO 8583 卡主机 card host on 127.0.0.1:8583):");
  for (const DemoCard& card : kDemoCards) {
    if (!issued.contains(card.login)) continue;
    const json::object& one = issued.at(card.login).as_object();
    line(fmt::format("  {:<10} 卡号 card {}  有效期 expiry {}  密码 PIN {}", card.login,
                     json::value_to<std::string>(one.at("pan")),
                     json::value_to<std::string>(one.at("expiry")), card.pin));
  }
  line("  终端 Terminals:");
  for (const DemoTerminal& terminal : kDemoTerminals) {
    line(fmt::format("    {} {:<3} {:<9} {}", terminal.code, terminal.kind, terminal.unit,
                     terminal.location));
  }
  std::string key_path = key_dir.string();
  line(fmt::format("  ATM: build/src/app/ebank atm --terminal ATM00001 --key-file {}/ATM00001.key",
                   key_path));
  line(
      fmt::format("  POS: build/src/app/ebank pos --terminal POS00001 --merchant {} --key-file "
                  "{}/POS00001.key",
                  kMerchantCode, key_path));
  line("  三次密码错误当天锁定 / three wrong PINs block the card until tomorrow");
  line("  卡号只在演示文件中保存 / the bank keeps no card number; this demo's are in " +
       record.string());
  return out;
}

}  // namespace ebank::app
