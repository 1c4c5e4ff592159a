#include "app/demo.h"

#include "app/demo_cards.h"
#include "app/demo_history.h"

#include <sys/stat.h>

#include "app/serve.h"
#include "core/hash.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/bench_support.h"
#include "ledger/ledger.h"
#include "security/id_document.h"
#include "security/password_card.h"
#include "security/random.h"
#include "security/secret_box.h"
#include "security/totp.h"
#include "services/customers.h"
#include "services/organisation.h"
#include "services/outbox.h"
#include "services/payments.h"
#include "services/sessions.h"
#include "services/signing.h"
#include "services/staff.h"
#include "store/open.h"
#include "store/sql.h"
#include "ukey/bank_ca.h"
#include "ukey/pkcs11_token.h"

namespace ebank::app {

namespace fs = std::filesystem;

namespace {

using services::Role;
using services::Tool;

constexpr char kBankUrl[] = "http://127.0.0.1:8080";
// The demo's TOTP secret and password card come from this seed, so that every fresh demo
// bank hands out the same ones and a guide written down once stays right. They protect
// nothing: the guide prints them next to the passwords.
constexpr uint64_t kDemoRandomSeed = 20260101;
// The bank's CA, exactly as `ebank serve` creates it on first start (serve.cpp): the demo
// usually runs first, so whichever of the two makes the CA, the other must load the same.
// SigningService::EnrolTotp names the token "ebank:<login id>" in its otpauth URI.
constexpr char kTotpIssuer[] = "ebank";
constexpr char kCustomerPassword[] = "Demo#2026";
constexpr const char* kSignUpChannels[] = {"web", "mobile", "sms"};
// The U-key: a SoftHSM2 token whose key pair and certificate share one object label.
constexpr char kUkeyObjectLabel[] = "ebank";
constexpr char kUkeyObjectId[] = "01";
constexpr char kUkeySoPin[] = "87654321";
constexpr char kUkeyUserPin[] = "123456";
constexpr size_t kScriptOutputBytesMax = 64 * 1024;

// The organisation: three branches under the head office the schema creates, with
// sub-branches and outlets (each outlet has its own vault cash account in the ledger).
// Parents come before their children.
struct DemoUnit {
  const char* code;
  const char* name_zh;
  const char* name_en;
  services::UnitKind kind;
  const char* parent;
};
constexpr DemoUnit kUnits[] = {
    {"BJ", "北京分行", "Beijing Branch", services::UnitKind::kBranch, "HO"},
    {"BJ-CY", "朝阳支行", "Chaoyang Sub-branch", services::UnitKind::kSubBranch, "BJ"},
    {"BJ-CY-01", "建国路网点", "Jianguo Road Outlet", services::UnitKind::kOutlet, "BJ-CY"},
    {"BJ-01", "西单网点", "Xidan Outlet", services::UnitKind::kOutlet, "BJ"},
    {"SH", "上海分行", "Shanghai Branch", services::UnitKind::kBranch, "HO"},
    {"SH-XH", "徐汇支行", "Xuhui Sub-branch", services::UnitKind::kSubBranch, "SH"},
    {"SH-XH-01", "漕溪北路网点", "Caoxi North Road Outlet", services::UnitKind::kOutlet, "SH-XH"},
    {"GD", "广东分行", "Guangdong Branch", services::UnitKind::kBranch, "HO"},
    {"GD-TH", "天河支行", "Tianhe Sub-branch", services::UnitKind::kSubBranch, "GD"},
    {"GD-TH-01", "天河路网点", "Tianhe Road Outlet", services::UnitKind::kOutlet, "GD-TH"},
    {"BJ-CY-02", "望京网点", "Wangjing Outlet", services::UnitKind::kOutlet, "BJ-CY"},
    {"BJ-02", "中关村网点", "Zhongguancun Outlet", services::UnitKind::kOutlet, "BJ"},
    {"SH-01", "陆家嘴网点", "Lujiazui Outlet", services::UnitKind::kOutlet, "SH"},
    {"SH-XH-02", "徐家汇网点", "Xujiahui Outlet", services::UnitKind::kOutlet, "SH-XH"},
    {"GD-01", "珠江新城网点", "Zhujiang New Town Outlet", services::UnitKind::kOutlet, "GD"},
    {"GD-TH-02", "体育西路网点", "Tiyu West Road Outlet", services::UnitKind::kOutlet, "GD-TH"},
};

struct DemoStaff {
  const char* login;
  const char* name;
  Role role;
  const char* password;
  const char* unit;
};
// The teller works at an outlet, the supervisor who approves the teller's counter
// transactions at the branch above it, the administrator at the head office.
constexpr DemoStaff kStaff[] = {
    {"teller01", "陈静", Role::kTeller, "Teller#2026", "BJ-CY-01"},
    {"super01", "周强", Role::kSupervisor, "Super#2026", "BJ"},
    {"admin01", "吴敏", Role::kAdmin, "Admin#2026", "HO"},
    {"manager01", "郑华", Role::kBranchManager, "Manager#2026", "BJ"},
    {"cm01", "冯丽", Role::kCustomerManager, "Manager#2026", "BJ-CY"},
    {"super02", "何军", Role::kSupervisor, "Super#2026", "SH"},
    {"super03", "罗芳", Role::kSupervisor, "Super#2026", "GD"},
    {"teller02", "韩雪", Role::kTeller, "Teller#2026", "BJ-01"},
    {"teller03", "唐磊", Role::kTeller, "Teller#2026", "SH-XH-01"},
    {"teller04", "曹颖", Role::kTeller, "Teller#2026", "GD-TH-01"},
    {"teller05", "许诺", Role::kTeller, "Teller#2026", "BJ-CY-02"},
    {"teller06", "邓超", Role::kTeller, "Teller#2026", "BJ-02"},
    {"teller07", "彭丹", Role::kTeller, "Teller#2026", "SH-01"},
    {"teller08", "袁泉", Role::kTeller, "Teller#2026", "SH-XH-02"},
    {"teller09", "蒋欣", Role::kTeller, "Teller#2026", "GD-01"},
    {"teller10", "沈阳", Role::kTeller, "Teller#2026", "GD-TH-02"},
};

// General-ledger accounts the demo books against: vault cash for deposits (debit side, no
// floor, as an asset of the bank) and card-network clearing for card purchases.
struct GlAccount {
  const char* code;
  const char* currency;
  ledger::Side side;
  const char* name;
};
constexpr GlAccount kGlAccounts[] = {
    {"gl:cash:CNY", "CNY", ledger::Side::kDebit, "库存现金 Cash on hand (CNY)"},
    {"gl:cash:USD", "USD", ledger::Side::kDebit, "库存现金 Cash on hand (USD)"},
    {"gl:clearing:CNY", "CNY", ledger::Side::kCredit, "银联清算往来 Card-network clearing (CNY)"},
};

enum class SecondFactor { kSmsOnly, kTotp, kPasswordCard, kUkey };

struct DemoCustomer {
  const char* login;
  const char* name;
  const char* name_en;
  // Region code, birth date and sequence number of the resident ID; the check character
  // is computed (GB 11643-1999).
  const char* id_first17;
  const char* mobile;
  const char* address;
  const char* reserved_info;
  SecondFactor factor;
  int64_t card_deposit_minor;  // Cash paid in to the class I debit card account.
  const char* second_product;  // Another account, or nullptr.
  int64_t second_deposit_minor;
  const char* unit;  // The outlet that serves the customer.
};
constexpr DemoCustomer kCustomers[] = {
    {"zhangwei", "张伟", "Zhang Wei", "11010519850312053", "13911082736", "北京市朝阳区建国路88号",
     "春眠不觉晓", SecondFactor::kSmsOnly, 8652035, "DEMAND_CARD_II", 0, "BJ-CY-01"},
    {"lina", "李娜", "Li Na", "31010419900721024", "13761829405", "上海市徐汇区漕溪北路398号",
     "海上生明月", SecondFactor::kTotp, 15230000, "USD_SAVINGS", 320000, "SH-XH-01"},
    {"wangfang", "王芳", "Wang Fang", "44010619881105062", "15920374618", "广州市天河区天河路208号",
     "大漠孤烟直", SecondFactor::kPasswordCard, 2384560, "CREDIT_CARD", 0, "GD-TH-01"},
    {"liuyang", "刘洋", "Liu Yang", "51010719790518017", "18980562317",
     "成都市武侯区人民南路四段11号", "长河落日圆", SecondFactor::kUkey, 26800000, "DEMAND_CARD_II",
     0, "BJ-01"},
};
constexpr char kClassOneProduct[] = "DEMAND_CARD_I";

// A card purchase at a merchant, booked straight in the ledger (there is no acquiring
// service yet): the card account owes, card-network clearing is owed.
struct CardPurchase {
  const char* key;
  const char* login;
  int64_t amount_minor;
  const char* memo;
};
constexpr CardPurchase kCardPurchases[] = {
    {"demo:card-purchase:wangfang:1", "wangfang", 128800, "京东商城 消费"},
};

// Transfers through PaymentService, in this order, each with its idempotency key. Own
// accounts and amounts up to 100.00 need no challenge; the others are confirmed with the
// payer's password card or U-key, as the customer would.
struct DemoTransfer {
  const char* key;
  const char* payer;
  const char* from_product;
  const char* payee;
  const char* to_product;
  int64_t amount_minor;
  const char* memo;
};
constexpr DemoTransfer kTransfers[] = {
    {"demo-1", "zhangwei", "DEMAND_CARD_I", "zhangwei", "DEMAND_CARD_II", 300000, "转入Ⅱ类户备用"},
    {"demo-2", "zhangwei", "DEMAND_CARD_I", "lina", "DEMAND_CARD_I", 8800, "午饭AA"},
    {"demo-3", "lina", "DEMAND_CARD_I", "wangfang", "DEMAND_CARD_I", 4550, "奶茶"},
    {"demo-4", "wangfang", "DEMAND_CARD_I", "wangfang", "CREDIT_CARD", 50000, "信用卡还款"},
    {"demo-5", "wangfang", "DEMAND_CARD_I", "lina", "DEMAND_CARD_I", 80000, "演唱会门票"},
    {"demo-6", "liuyang", "DEMAND_CARD_I", "zhangwei", "DEMAND_CARD_I", 2000000, "房租"},
    {"demo-7", "liuyang", "DEMAND_CARD_I", "liuyang", "DEMAND_CARD_II", 500000, "零钱备用"},
};

// What the demo learnt about one customer, for the transfers and the guide.
struct CustomerState {
  const DemoCustomer* spec = nullptr;
  services::Customer customer;
  std::map<std::string, services::BankAccount> accounts;  // By product code.
  std::vector<Tool> tools;
  std::string totp_secret_base32;
  std::string otpauth_uri;
  std::optional<security::PasswordCard> card;
  fs::path card_file;
  fs::path token_dir;
  std::string softhsm_conf;
  std::string token_label;
};

// The 18-character resident ID: 17 digits and the ISO 7064 MOD 11-2 check character.
std::string ResidentId(std::string_view first17) {
  return std::string(first17) + security::ResidentIdCheckCharacter(first17);
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs scripts/softhsm-token.sh with `arguments` (already quoted); returns its stdout. Its
// stderr goes to ours, so that the user sees why it failed.
Result<std::string> RunTokenScript(const std::string& arguments) {
  fs::path script = ScriptPath("softhsm-token.sh");
  if (!fs::exists(script)) {
    return Status::Unavailable("ukey_script_missing",
                               script.string() + " not found; set EBANK_SOURCE_DIR");
  }
  std::string command = ShellQuote(script.string()) + " " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::Internal("ukey_script_failed", "cannot run " + command);
  std::string out;
  std::array<char, 512> buffer;
  while (size_t read = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    if (out.size() < kScriptOutputBytesMax) out.append(buffer.data(), read);
  }
  int status = pclose(pipe);
  if (status != 0) {
    return Status::Internal("ukey_script_failed",
                            fmt::format("{} failed (status {})", script.string(), status));
  }
  return out;
}

// Sets an environment variable for the lifetime of the object, then puts back what was
// there. SoftHSM2 reads SOFTHSM2_CONF when its module is initialised.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// An open, logged-in U-key. The token is closed before the variable is restored.
struct OpenUkey {
  explicit OpenUkey(const std::string& conf, const std::string& label)
      : env("SOFTHSM2_CONF", conf),
        token(std::make_unique<ukey::Pkcs11Token>(ukey::kSoftHsmModulePath, label)) {}
  ScopedEnv env;
  std::unique_ptr<ukey::Pkcs11Token> token;
};

Result<std::string> PublicKeyPem(EVP_PKEY& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio, &key) != 1) {
    BIO_free(bio);
    return ukey::OpensslError("PEM_write_bio_PUBKEY");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

// Written for the customer's eyes only (a password card is a secret): mode 0600.
Status WriteFile(const fs::path& path, const std::string& text) {
  mode_t old_mask = umask(077);
  std::ofstream out(path, std::ios::trunc);
  umask(old_mask);
  out << text;
  out.close();
  if (!out) return Status::Internal("io_error", "cannot write " + path.string());
  return Status::Ok();
}

// How to run `ebank` in the guide: this binary when it is `ebank`, else the bare name.
std::string EbankCommand() {
  std::error_code error;
  fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return !error && exe.filename() == "ebank" ? ShellQuote(exe.string()) : std::string("ebank");
}

bool Holds(const std::vector<Tool>& tools, Tool tool) {
  return std::find(tools.begin(), tools.end(), tool) != tools.end();
}

// The demo bank: finds or creates each piece, then writes the guide. Not thread-safe.
class DemoBank {
 public:
  DemoBank(store::SqlDatabase& db, ledger::Ledger& ledger, const security::SecretBox& secrets,
           services::CustomerService& customers, services::StaffService& staff,
           services::SigningService& issuing, services::PaymentService& payments, fs::path data_dir)
      : db_(db),
        ledger_(ledger),
        secrets_(secrets),
        customers_(customers),
        staff_(staff),
        issuing_(issuing),
        payments_(payments),
        data_dir_(std::move(data_dir)),
        demo_dir_(data_dir_ / "demo") {}

  Status Build() {
    std::error_code error;
    fs::create_directories(demo_dir_, error);
    if (error) return Status::Internal("io_error", "cannot create " + demo_dir_.string());
    auto products = customers_.Products();
    if (!products.ok()) return products.status();
    for (const auto& product : *products)
      products_.emplace(product.code, product);
    EBANK_RETURN_IF_ERROR(EnsureUnits());
    EBANK_RETURN_IF_ERROR(EnsureStaff());
    for (const GlAccount& account : kGlAccounts) {
      auto id = EnsureGlAccount(account);
      if (!id.ok()) return id.status();
      gl_accounts_[account.code] = *id;
    }
    for (const DemoCustomer& spec : kCustomers) {
      CustomerState state;
      state.spec = &spec;
      EBANK_RETURN_IF_ERROR(EnsureCustomer(state));
      EBANK_RETURN_IF_ERROR(EnsureTools(state));
      states_.push_back(std::move(state));
    }
    for (const CardPurchase& purchase : kCardPurchases)
      EBANK_RETURN_IF_ERROR(BookCardPurchase(purchase));
    for (const DemoTransfer& transfer : kTransfers)
      EBANK_RETURN_IF_ERROR(RunTransfer(transfer));
    ukey_.reset();
    return Status::Ok();
  }

  // The guide to the bank as it now stands.
  Result<std::string> Guide();

  int created() const { return created_; }

 private:
  Status EnsureUnits();
  Status EnsureStaff();
  // Puts the customer and their accounts in `unit` (a bank built before units existed had
  // them all at the head office); writes nothing when they are there already.
  Status PlaceCustomer(const CustomerState& state);
  Result<ledger::AccountId> EnsureGlAccount(const GlAccount& account);
  Status EnsureCustomer(CustomerState& state);
  Result<services::Customer> FindOrCreateCustomer(const DemoCustomer& spec);
  Status EnsureAccount(CustomerState& state, const std::string& product_code,
                       int64_t deposit_minor);
  Status Deposit(const CustomerState& state, const services::BankAccount& account,
                 int64_t amount_minor);
  Status EnsureTools(CustomerState& state);
  Status EnsureTotp(CustomerState& state);
  Status EnsurePasswordCard(CustomerState& state);
  Status EnsureUkey(CustomerState& state);
  Status OpenToken(const CustomerState& state);
  Result<std::string> ActiveCredential(int64_t customer_id, std::string_view kind);
  Status BookCardPurchase(const CardPurchase& purchase);
  Status RunTransfer(const DemoTransfer& transfer);
  Result<std::string> AnswerChallenge(const CustomerState& payer,
                                      const services::ChallengeInfo& challenge);
  Result<CustomerState*> Find(std::string_view login);
  Result<services::BankAccount> AccountOf(std::string_view login, const std::string& product);
  std::string CustomerGuide(size_t index, const CustomerState& state,
                            const std::map<ledger::AccountId, ledger::Account>& balances);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  const security::SecretBox& secrets_;
  services::CustomerService& customers_;
  services::StaffService& staff_;
  services::SigningService& issuing_;
  services::PaymentService& payments_;
  const fs::path data_dir_;
  const fs::path demo_dir_;
  std::map<std::string, services::Product> products_;
  std::map<std::string, ledger::AccountId> gl_accounts_;
  std::map<std::string, int64_t> unit_ids_;  // By code.
  std::vector<CustomerState> states_;
  // The U-key token while it is in use. SoftHSM2 reads its configuration once per process
  // load of the module, so one token is open at a time.
  std::unique_ptr<OpenUkey> ukey_;
  int created_ = 0;
};

Status DemoBank::EnsureUnits() {
  services::OrganisationService organisation(db_, ledger_, SystemClock::Instance());
  auto head = organisation.HeadOffice();
  if (!head.ok()) return head.status();
  services::UnitScope all{head->id, head->path};
  unit_ids_[head->code] = head->id;
  for (const DemoUnit& spec : kUnits) {
    auto unit = organisation.GetByCode(spec.code, all);
    if (!unit.ok() && unit.status().code() == Code::kNotFound) {
      unit =
          organisation.Create({spec.code, spec.name_zh, spec.name_en, spec.kind, spec.parent}, all);
      if (unit.ok()) ++created_;
    }
    if (!unit.ok()) return unit.status();
    unit_ids_[spec.code] = unit->id;
  }
  return Status::Ok();
}

Status DemoBank::EnsureStaff() {
  for (const DemoStaff& member : kStaff) {
    auto added =
        staff_.Create(member.login, member.name, member.role, member.password, member.unit);
    if (added.ok()) {
      ++created_;
    } else if (added.status().reason() != "login_taken") {
      return added.status();
    } else {
      int64_t unit = unit_ids_.at(member.unit);
      EBANK_RETURN_IF_ERROR(db_.Transaction([&](store::SqlSession& sql) {
        return sql.Exec("UPDATE staff SET unit_id = ? WHERE login = ? AND unit_id <> ?",
                        {unit, std::string(member.login), unit});
      }));
    }
  }
  return Status::Ok();
}

Status DemoBank::PlaceCustomer(const CustomerState& state) {
  int64_t unit = unit_ids_.at(state.spec->unit);
  return db_.Transaction([&](store::SqlSession& sql) {
    EBANK_RETURN_IF_ERROR(sql.Exec("UPDATE customers SET unit_id = ? WHERE id = ? AND unit_id <> ?",
                                   {unit, state.customer.id, unit}));
    return sql.Exec("UPDATE bank_accounts SET unit_id = ? WHERE customer_id = ? AND unit_id <> ?",
                    {unit, state.customer.id, unit});
  });
}

Result<ledger::AccountId> DemoBank::EnsureGlAccount(const GlAccount& gl) {
  auto currency = Currency::Parse(gl.currency);
  if (!currency.ok()) return currency.status();
  std::optional<ledger::Account> found;
  Status read = ledger_.store().Read([&](ledger::LedgerReader& reader) {
    auto account = reader.GetAccountByCode(gl.code);
    if (!account.ok()) return account.status();
    found = *account;
    return Status::Ok();
  });
  if (!read.ok()) return read;
  if (found) {
    if (!(found->currency == *currency) || found->side != gl.side) {
      return Status::Conflict("gl_account_mismatch",
                              fmt::format("ledger account {} exists with another currency or "
                                          "side than the demo books against",
                                          gl.code));
    }
    return found->id;
  }
  ledger::Outcome opened = ledger_.Execute(
      ledger::Request{std::string("demo:open:") + gl.code,
                      ledger::OpenAccount{gl.code, *currency, gl.side, std::nullopt}});
  if (!opened.status.ok()) return opened.status;
  if (!opened.replayed) ++created_;
  return opened.id;
}

Result<services::Customer> DemoBank::FindOrCreateCustomer(const DemoCustomer& spec) {
  std::string id_number = ResidentId(spec.id_first17);
  auto created = customers_.Create({services::CustomerKind::kIndividual, spec.name, id_number,
                                    spec.mobile, spec.address, unit_ids_.at(spec.unit)});
  if (created.ok()) {
    ++created_;
    return created;
  }
  if (created.status().reason() != "customer_exists") return created.status();
  // CustomerService finds customers by number only; the demo knows them by ID document.
  std::string number;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows =
        sql.Query("SELECT number FROM customers WHERE id_type = 'resident_id' AND id_number = ?",
                  {id_number});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) number = rows->Text(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return customers_.GetByNumber(number);
}

Status DemoBank::EnsureCustomer(CustomerState& state) {
  const DemoCustomer& spec = *state.spec;
  auto customer = FindOrCreateCustomer(spec);
  if (!customer.ok()) return customer.status();
  state.customer = *customer;
  EBANK_RETURN_IF_ERROR(PlaceCustomer(state));
  state.customer.unit_id = unit_ids_.at(spec.unit);
  EBANK_RETURN_IF_ERROR(EnsureAccount(state, kClassOneProduct, spec.card_deposit_minor));
  if (spec.second_product != nullptr) {
    EBANK_RETURN_IF_ERROR(EnsureAccount(state, spec.second_product, spec.second_deposit_minor));
  }
  auto record = issuing_.Get(state.customer.id);
  if (!record.ok() && record.status().reason() == "not_signed") {
    services::SigningInput input{spec.login, kCustomerPassword, spec.reserved_info, {}, 0};
    for (const char* channel : kSignUpChannels)
      input.channels.emplace_back(channel);
    EBANK_RETURN_IF_ERROR(issuing_.SignUp(state.customer.id, input));
    ++created_;
    record = issuing_.Get(state.customer.id);
  }
  if (!record.ok()) return record.status();
  if (record->login_id != spec.login) {
    return Status::Conflict("demo_customer_mismatch",
                            fmt::format("customer {} signed up as '{}', not as the demo's '{}'",
                                        state.customer.number, record->login_id, spec.login));
  }
  state.tools = record->tools;
  return Status::Ok();
}

Status DemoBank::EnsureAccount(CustomerState& state, const std::string& product_code,
                               int64_t deposit_minor) {
  auto product = products_.find(product_code);
  if (product == products_.end()) {
    return Status::NotFound("unknown_product", "the database has no product " + product_code);
  }
  auto accounts = customers_.Accounts(state.customer.id);
  if (!accounts.ok()) return accounts.status();
  auto existing = std::find_if(accounts->begin(), accounts->end(), [&](const auto& account) {
    return account.product_code == product_code && account.status != "closed";
  });
  services::BankAccount account;
  if (existing != accounts->end()) {
    account = *existing;
  } else {
    std::optional<std::string> bound;
    if (product->second.account_class == 2 || product->second.account_class == 3) {
      auto class_one = state.accounts.find(kClassOneProduct);
      if (class_one == state.accounts.end()) {
        return Status::Internal("demo_data", "a class II account needs the class I one first");
      }
      bound = class_one->second.number;
    }
    auto opened = customers_.OpenAccount(state.customer.id, product_code, bound);
    if (!opened.ok()) return opened.status();
    ++created_;
    account = *opened;
  }
  state.accounts[product_code] = account;
  if (deposit_minor > 0) EBANK_RETURN_IF_ERROR(Deposit(state, account, deposit_minor));
  return Status::Ok();
}

// Cash paid in at the counter: vault cash up, the customer's deposit up. The idempotency
// key names the customer and product, so a second run finds the first deposit.
Status DemoBank::Deposit(const CustomerState& state, const services::BankAccount& account,
                         int64_t amount_minor) {
  const Currency currency = products_.at(account.product_code).currency;
  std::string code = fmt::format("gl:cash:{}", currency.code());
  auto cash = gl_accounts_.find(code);
  if (cash == gl_accounts_.end()) {
    return Status::Internal("demo_data", "no general-ledger account " + code);
  }
  ledger::Outcome outcome = ledger_.Execute(ledger::Request{
      fmt::format("demo:deposit:{}:{}", state.spec->login, account.product_code),
      ledger::Transfer{{{cash->second, -amount_minor, currency},
                        {account.ledger_account, amount_minor, currency}},
                       currency == Currency::Cny() ? "柜面现金存入" : "外币现钞存入"}});
  if (!outcome.status.ok()) return outcome.status;
  if (!outcome.replayed) ++created_;
  return Status::Ok();
}

Status DemoBank::EnsureTools(CustomerState& state) {
  switch (state.spec->factor) {
    case SecondFactor::kSmsOnly:
      break;
    case SecondFactor::kTotp:
      EBANK_RETURN_IF_ERROR(EnsureTotp(state));
      break;
    case SecondFactor::kPasswordCard:
      EBANK_RETURN_IF_ERROR(EnsurePasswordCard(state));
      break;
    case SecondFactor::kUkey:
      EBANK_RETURN_IF_ERROR(EnsureUkey(state));
      break;
  }
  auto record = issuing_.Get(state.customer.id);
  if (!record.ok()) return record.status();
  state.tools = record->tools;
  return Status::Ok();
}

// What the bank stores for the customer's active credential of `kind`: the sealed secret of a
// TOTP token or password card, the hex certificate of a U-key. SigningService never shows a
// secret twice; the demo's are public by design and opened with the master key, so that a
// second run prints the same guide.
Result<std::string> DemoBank::ActiveCredential(int64_t customer_id, std::string_view kind) {
  std::optional<std::string> stored;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        "SELECT secret FROM credentials WHERE customer_id = ? AND kind = ? AND state = 'active'",
        {customer_id, std::string(kind)});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) stored = rows->Text(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!stored) return Status::NotFound("no_credential", fmt::format("no active {}", kind));
  return *stored;
}

Status DemoBank::EnsureTotp(CustomerState& state) {
  if (!Holds(state.tools, Tool::kTotp)) {
    auto enrolment = issuing_.EnrolTotp(state.customer.id);
    if (!enrolment.ok()) return enrolment.status();
    ++created_;
    state.totp_secret_base32 = enrolment->secret_base32;
    state.otpauth_uri = enrolment->otpauth_uri;
    return Status::Ok();
  }
  auto sealed = ActiveCredential(state.customer.id, "totp");
  if (!sealed.ok()) return sealed.status();
  auto secret = secrets_.Open(*sealed);
  if (!secret.ok()) return secret.status();
  auto uri = security::OtpauthUri(kTotpIssuer, state.spec->login, *secret);
  if (!uri.ok()) return uri.status();
  state.totp_secret_base32 = security::Base32Encode(*secret);
  state.otpauth_uri = *uri;
  return Status::Ok();
}

Status DemoBank::EnsurePasswordCard(CustomerState& state) {
  if (!Holds(state.tools, Tool::kPasswordCard)) {
    auto issued = issuing_.IssuePasswordCard(state.customer.id);
    if (!issued.ok()) return issued.status();
    ++created_;
  }
  auto sealed = ActiveCredential(state.customer.id, "password_card");
  if (!sealed.ok()) return sealed.status();
  auto text = secrets_.Open(*sealed);
  if (!text.ok()) return text.status();
  auto card = security::PasswordCard::Parse(*text);
  if (!card.ok()) return card.status();
  state.card = *card;
  state.card_file = demo_dir_ / (std::string(state.spec->login) + "-password-card.txt");
  return WriteFile(state.card_file, security::Render(*card));
}

Status DemoBank::OpenToken(const CustomerState& state) {
  ukey_.reset();  // The module must re-read SOFTHSM2_CONF.
  ukey_ = std::make_unique<OpenUkey>(state.softhsm_conf, state.token_label);
  return ukey_->token->Login(kUkeyUserPin);
}

// A SoftHSM2 token in demo/ukey-<login>/ holding a key pair made on the token and the
// bank's certificate for it. A token whose certificate is not the one the bank holds (left
// from an earlier database, or deleted) is replaced by a new one with a new certificate.
Status DemoBank::EnsureUkey(CustomerState& state) {
  state.token_dir = demo_dir_ / ("ukey-" + std::string(state.spec->login));
  state.token_label = "ebank-" + std::string(state.spec->login);
  state.softhsm_conf = (state.token_dir / "softhsm2.conf").string();
  if (Holds(state.tools, Tool::kUkey) && fs::exists(state.softhsm_conf)) {
    auto in_bank = ActiveCredential(state.customer.id, "ukey");
    if (!in_bank.ok()) return in_bank.status();
    if (OpenToken(state).ok()) {
      auto on_token = ukey_->token->Certificate(kUkeyObjectLabel);
      if (on_token.ok() && HexEncode(*on_token) == *in_bank) return Status::Ok();
    }
    ukey_.reset();
  }
  if (Holds(state.tools, Tool::kUkey)) {
    spdlog::warn("demo: the U-key token in {} is missing or stale; issuing a new one",
                 state.token_dir.string());
  }
  std::string dir = ShellQuote(state.token_dir.string());
  EBANK_RETURN_IF_ERROR(RunTokenScript("remove " + dir + " >&2").status());
  auto init = RunTokenScript(fmt::format("init {} {} {} {}", dir, ShellQuote(state.token_label),
                                         kUkeySoPin, kUkeyUserPin));
  if (!init.ok()) return init.status();
  constexpr std::string_view kConfPrefix = "SOFTHSM2_CONF=";
  size_t at = init->find(kConfPrefix);
  if (at == std::string::npos) {
    return Status::Internal("ukey_script_failed", "softhsm-token.sh printed no SOFTHSM2_CONF");
  }
  std::string conf = init->substr(at + kConfPrefix.size());
  state.softhsm_conf = conf.substr(0, conf.find('\n'));
  EBANK_RETURN_IF_ERROR(OpenToken(state));
  ukey::Pkcs11Token& token = *ukey_->token;
  EBANK_RETURN_IF_ERROR(token.GenerateKeyPair(kUkeyObjectLabel, kUkeyObjectId));
  auto public_key = token.PublicKey(kUkeyObjectLabel);
  if (!public_key.ok()) return public_key.status();
  auto pem = PublicKeyPem(**public_key);
  if (!pem.ok()) return pem.status();
  auto certificate = issuing_.IssueUkeyCertificate(state.customer.id, *pem);
  if (!certificate.ok()) return certificate.status();
  EBANK_RETURN_IF_ERROR(token.StoreCertificate(kUkeyObjectLabel, *certificate));
  ++created_;
  return Status::Ok();
}

Result<CustomerState*> DemoBank::Find(std::string_view login) {
  for (CustomerState& state : states_) {
    if (state.spec->login == login) return &state;
  }
  return Status::Internal("demo_data", fmt::format("no demo customer {}", login));
}

Result<services::BankAccount> DemoBank::AccountOf(std::string_view login,
                                                  const std::string& product) {
  auto state = Find(login);
  if (!state.ok()) return state.status();
  auto account = (*state)->accounts.find(product);
  if (account == (*state)->accounts.end()) {
    return Status::Internal("demo_data", fmt::format("{} has no {} account", login, product));
  }
  return account->second;
}

Status DemoBank::BookCardPurchase(const CardPurchase& purchase) {
  auto card = AccountOf(purchase.login, "CREDIT_CARD");
  if (!card.ok()) return card.status();
  ledger::AccountId clearing = gl_accounts_.at("gl:clearing:CNY");
  ledger::Outcome outcome = ledger_.Execute(ledger::Request{
      purchase.key,
      ledger::Transfer{{{card->ledger_account, -purchase.amount_minor, Currency::Cny()},
                        {clearing, purchase.amount_minor, Currency::Cny()}},
                       purchase.memo}});
  if (!outcome.status.ok()) return outcome.status;
  if (!outcome.replayed) ++created_;
  return Status::Ok();
}

// The codes of a password-card challenge read off the card, or the U-key's signature over
// the challenge text: what the customer would type or their U-key would answer.
Result<std::string> DemoBank::AnswerChallenge(const CustomerState& payer,
                                              const services::ChallengeInfo& challenge) {
  if (challenge.tool == Tool::kPasswordCard && payer.card) {
    auto cells = security::ParseChallenge(challenge.prompt);
    if (!cells.ok()) return cells.status();
    std::string answer;
    for (const auto& cell : cells->cells)
      answer += fmt::format("{:03d}", payer.card->code(cell));
    return answer;
  }
  if (challenge.tool == Tool::kUkey) {
    if (ukey_ == nullptr) EBANK_RETURN_IF_ERROR(OpenToken(payer));
    auto signature = ukey_->token->Sign(kUkeyObjectLabel, challenge.prompt);
    if (!signature.ok()) return signature.status();
    return HexEncode(*signature);
  }
  return Status::Internal("demo_data", "the demo cannot answer this challenge");
}

Status DemoBank::RunTransfer(const DemoTransfer& transfer) {
  auto payer = Find(transfer.payer);
  if (!payer.ok()) return payer.status();
  auto from = AccountOf(transfer.payer, transfer.from_product);
  auto to = AccountOf(transfer.payee, transfer.to_product);
  if (!from.ok()) return from.status();
  if (!to.ok()) return to.status();
  const CustomerState& state = **payer;
  auto payment = payments_.Create({state.customer.id, transfer.key, from->number, to->number,
                                   transfer.amount_minor, Currency::Cny(), transfer.memo, "web"});
  if (!payment.ok()) return payment.status();
  if (!payment->replayed) ++created_;
  if (payment->status == "sca_required") {
    Tool tool = state.spec->factor == SecondFactor::kUkey ? Tool::kUkey : Tool::kPasswordCard;
    auto challenge = payments_.Challenge(state.customer.id, payment->id, tool);
    if (!challenge.ok()) return challenge.status();
    auto answer = AnswerChallenge(state, *challenge);
    if (!answer.ok()) return answer.status();
    payment = payments_.Confirm(state.customer.id, payment->id, challenge->id, *answer);
    if (!payment.ok()) return payment.status();
  }
  if (payment->status != "completed") {
    return Status::Internal("demo_transfer_failed",
                            fmt::format("demo transfer {} is {} ({})", transfer.key,
                                        payment->status, payment->failure));
  }
  return Status::Ok();
}

std::string FactorNames(SecondFactor factor) {
  switch (factor) {
    case SecondFactor::kSmsOnly:
      return "短信验证码 SMS";
    case SecondFactor::kTotp:
      return "短信验证码 SMS + 动态口令 TOTP";
    case SecondFactor::kPasswordCard:
      return "短信验证码 SMS + 口令卡 password card";
    case SecondFactor::kUkey:
      return "短信验证码 SMS + U盾 U-key";
  }
  return "";
}

std::string DemoBank::CustomerGuide(size_t index, const CustomerState& state,
                                    const std::map<ledger::AccountId, ledger::Account>& balances) {
  const DemoCustomer& spec = *state.spec;
  std::string out;
  auto line = [&out](std::string_view text) {
    out += text;
    out += '\n';
  };
  line(
      fmt::format("[{}] {} {} — {}", index + 1, spec.name, spec.name_en, FactorNames(spec.factor)));
  line(fmt::format("    客户号 Customer: {}   手机 Mobile: {}   身份证 Resident ID: {}",
                   state.customer.number, state.customer.mobile, state.customer.id_number));
  line(fmt::format("    登录名 Login ID: {}   密码 Password: {}   预留信息 Reserved info: {}",
                   spec.login, kCustomerPassword, spec.reserved_info));
  line("    账户 Accounts:");
  std::vector<std::string> products = {kClassOneProduct};
  if (spec.second_product != nullptr) products.emplace_back(spec.second_product);
  for (const std::string& code : products) {
    const services::BankAccount& account = state.accounts.at(code);
    const services::Product& product = products_.at(code);
    auto entry = balances.find(account.ledger_account);
    int64_t balance = entry == balances.end() ? 0 : entry->second.normal_balance();
    std::string note;
    if (product.kind == "credit_card") {
      note = fmt::format("  (额度 limit {})",
                         FormatAmount(product.credit_limit_minor, product.currency.exponent()));
    }
    line(fmt::format("      {}  {} / {}: {} {}{}", account.number, product.name_zh, product.name_en,
                     FormatAmount(balance, product.currency.exponent()), product.currency.code(),
                     note));
  }
  line("    第二因素 Second factors:");
  line(fmt::format("      - 短信 SMS: 验证码写入 / codes are written to {}",
                   (data_dir_ / "sms-outbox.jsonl").string()));
  if (Holds(state.tools, Tool::kTotp)) {
    line(fmt::format("      - 动态口令 TOTP: 密钥 secret {}", state.totp_secret_base32));
    line(fmt::format("        {}", state.otpauth_uri));
    line("        添加到手机验证器，或运行 / add it to an authenticator app, or run:");
    line(fmt::format("        oathtool --totp -b {}", state.totp_secret_base32));
  }
  if (Holds(state.tools, Tool::kPasswordCard) && state.card) {
    line(fmt::format("      - 口令卡 Password card: {}", state.card_file.string()));
    line("        按提示的三个格子（如 B7 C3 H10）依次输入各格的三位数字，共九位 /");
    line("        type the 3-digit codes of the cells asked for (e.g. B7 C3 H10) one after the");
    line("        other, 9 digits in all:");
    std::string card_text = security::Render(*state.card);
    size_t start = 0;
    while (start < card_text.size()) {
      size_t end = card_text.find('\n', start);
      if (end == std::string::npos) end = card_text.size();
      std::string row = card_text.substr(start, end - start);
      line(row.empty() ? row : "        " + row);
      start = end + 1;
    }
  }
  if (Holds(state.tools, Tool::kUkey)) {
    line(fmt::format("      - U盾 U-key (SoftHSM2 token): export SOFTHSM2_CONF={}",
                     state.softhsm_conf));
    line(fmt::format(
        "        令牌标签 token label: {}   用户PIN user PIN: {}   密钥标签 key label: {}",
        state.token_label, kUkeyUserPin, kUkeyObjectLabel));
    line(fmt::format("        PKCS#11 模块 module: {}", ukey::kSoftHsmModulePath));
    line(
        "        对挑战文本签名，答案是十六进制 DER 签名 / sign the challenge text; the answer is");
    line("        the hex DER signature:");
    line(fmt::format("        SOFTHSM2_CONF={} EBANK_UKEY_PIN={} \\", state.softhsm_conf,
                     kUkeyUserPin));
    line(fmt::format("          {} ukey sign --token {} --key {} --text \"$CHALLENGE_TEXT\"",
                     EbankCommand(), state.token_label, kUkeyObjectLabel));
    line(
        "        在浏览器中使用U盾，请运行U盾助手（网页的地址即 --origin）/ to use it in the "
        "browser, run");
    line("        the U-key helper (--origin is the bank page's address):");
    line(fmt::format("        SOFTHSM2_CONF={} EBANK_UKEY_PIN={} \\", state.softhsm_conf,
                     kUkeyUserPin));
    line(fmt::format("          {} ukey agent --origin http://127.0.0.1:8080 --token {} --key {}",
                     EbankCommand(), state.token_label, kUkeyObjectLabel));
  }
  return out;
}

Result<std::string> DemoBank::Guide() {
  std::vector<ledger::AccountId> ids;
  for (const CustomerState& state : states_) {
    for (const auto& [code, account] : state.accounts)
      ids.push_back(account.ledger_account);
  }
  std::map<ledger::AccountId, ledger::Account> balances;
  Status read = ledger_.store().Read([&](ledger::LedgerReader& reader) {
    auto accounts = reader.GetAccounts(ids);
    if (!accounts.ok()) return accounts.status();
    for (const auto& account : *accounts)
      balances.emplace(account.id, account);
    return Status::Ok();
  });
  if (!read.ok()) return read;

  std::string out;
  auto line = [&out](std::string_view text) {
    out += text;
    out += '\n';
  };
  std::string rule(78, '=');
  line(rule);
  line("ebank 演示银行 / demo bank");
  line("这些账号和密码仅供演示，切勿用于真实资金 / demo credentials only: never for real money");
  line(rule);
  line(fmt::format("网址 URL: {}   (ebank serve --data-dir {})", kBankUrl, data_dir_.string()));
  line("");
  line("银行员工 Staff (POST /api/v1/staff/sessions {\"login\":...,\"password\":...}):");
  for (const DemoStaff& member : kStaff) {
    line(fmt::format("  {:<10} {:<12} 密码 password: {:<12} {} ({})", member.login,
                     services::RoleName(member.role), member.password, member.name, member.unit));
  }
  line(
      "  员工只能看到本机构及下属机构的客户；柜面现金存取和冻结需主管复核 / staff see the "
      "customers");
  line(
      "  of their unit and the units below it; counter cash and freezes wait for a supervisor's "
      "approval");
  line("");
  line(
      "机构 Organisation (总行 HO → 分行 → 支行 → 网点 / head office → branch → sub-branch → "
      "outlet):");
  line("  HO         总行 Head office");
  std::map<std::string, size_t> depths{{"HO", 0}};
  for (const DemoUnit& unit : kUnits) {
    size_t depth = depths[unit.parent] + 1;
    depths[unit.code] = depth;
    line(fmt::format("  {}{:<10} {} {}", std::string(2 * depth, ' '), unit.code, unit.name_zh,
                     unit.name_en));
  }
  line("");
  line("总账账户 General-ledger accounts:");
  for (const GlAccount& gl : kGlAccounts)
    line(fmt::format("  {:<16} {}", gl.code, gl.name));
  line("");
  line("客户登录 Customer login: 登录名和密码 → 核对预留信息 → 选择第二因素并回答");
  line(
      "  login id and password → check the reserved information → pick a second factor and "
      "answer it");
  line("");
  for (size_t i = 0; i < states_.size(); ++i) {
    line(CustomerGuide(i, states_[i], balances));
  }

  const CustomerState& sms = states_.front();
  std::string sms_file = ShellQuote((data_dir_ / "sms-outbox.jsonl").string());
  line("用 curl 以短信验证码登录 / Logging in with an SMS code, with curl:");
  line(fmt::format("  URL={}", kBankUrl));
  line(
      "  # 1. 登录名和密码：返回登录票据、预留信息和可选的第二因素 / ticket, reserved info, tools");
  line(
      fmt::format("  STEP1=$(curl -s -X POST \"$URL/api/v1/sessions\" -H 'Content-Type: "
                  "application/json' \\\n    -d '{{\"login_id\":\"{}\",\"password\":\"{}\"}}'); "
                  "echo \"$STEP1\"",
                  sms.spec->login, kCustomerPassword));
  line("  TICKET=$(printf '%s' \"$STEP1\" | sed -n 's/.*\"ticket\":\"\\([^\"]*\\)\".*/\\1/p')");
  line("  # 2. 请求短信验证码 / ask for the SMS code");
  line(
      "  curl -s -X POST \"$URL/api/v1/sessions/challenge\" -H 'Content-Type: "
      "application/json' \\\n    -d \"{\\\"ticket\\\":\\\"$TICKET\\\",\\\"tool\\\":\\\"sms\\\"}\"; "
      "echo");
  line("  sleep 1  # 短信由发件箱在片刻内写入文件 / the outbox writes the SMS within a moment");
  line(
      fmt::format("  CODE=$(grep '\"to\":\"{}\"' {} | tail -n 1 | \\\n    sed -n "
                  "'s/.*验证码\\([0-9]\\{{6\\}}\\).*/\\1/p'); echo \"$CODE\"",
                  sms.customer.mobile, sms_file));
  line("  # 3. 回答验证码，得到会话令牌 / answer it and receive the session token");
  line(
      "  STEP3=$(curl -s -X POST \"$URL/api/v1/sessions/verify\" -H 'Content-Type: "
      "application/json' \\\n    -d "
      "\"{\\\"ticket\\\":\\\"$TICKET\\\",\\\"answer\\\":\\\"$CODE\\\"}\"); "
      "echo \"$STEP3\"");
  line("  TOKEN=$(printf '%s' \"$STEP3\" | sed -n 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/p')");
  line("  # 4. 查询账户 / the customer's accounts");
  line("  curl -s \"$URL/api/v1/me/accounts\" -H \"Authorization: Bearer $TOKEN\"; echo");
  line(rule);
  return out;
}

Status RunDemo(const DemoOptions& options) {
  const Clock& clock = SystemClock::Instance();
  std::error_code error;
  fs::path data_dir = fs::absolute(options.data_dir, error).lexically_normal();
  if (error) return Status::Invalid("invalid_data_dir", "cannot resolve " + options.data_dir);
  fs::create_directories(data_dir, error);
  if (error) return Status::Internal("io_error", "cannot create " + data_dir.string());
  if (!store::IsPostgresUrl(options.database)) {
    fs::path path(options.database);
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), error);
    if (error) return Status::Internal("io_error", "cannot create " + path.parent_path().string());
  }
  auto store = store::OpenLedgerStore(options.database);
  if (!store.ok()) return store.status();
  auto sql = store::OpenSqlDatabase(options.database);
  if (!sql.ok()) return sql.status();
  auto secrets = security::SecretBox::LoadOrCreate((data_dir / "master-key").string());
  if (!secrets.ok()) return secrets.status();
  auto ca = LoadOrCreateCa((data_dir / "ca").string(), clock);
  if (!ca.ok()) return ca.status();

  ledger::Ledger ledger(std::move(*store), clock);
  security::SeededRandom seeded(kDemoRandomSeed);
  services::CustomerService customers(**sql, ledger, clock);
  services::SessionService sessions(**sql, clock);
  services::StaffService staff(**sql, sessions, clock);
  // Tools are issued from the seeded source (reproducible demo secrets); payments use the
  // system source, whose challenge ids must never repeat from one run to the next.
  services::SigningService issuing(**sql, customers, sessions, *secrets, *ca, clock, seeded);
  services::SigningService signing(**sql, customers, sessions, *secrets, *ca, clock,
                                   security::SystemRandom::Instance());
  services::PaymentService payments(**sql, ledger, customers, signing, clock);

  DemoBank bank(**sql, ledger, *secrets, customers, staff, issuing, payments, data_dir);
  EBANK_RETURN_IF_ERROR(bank.Build());
  auto history =
      GrowHistory(**sql, ledger, customers, clock, options.history_customers, kDemoRandomSeed);
  if (!history.ok()) return history.status();
  // Balance alerts of the demo transfers land in the development SMS file, as `ebank serve`
  // would deliver them.
  services::FileSmsGateway sms((data_dir / "sms-outbox.jsonl").string());
  services::OutboxDispatcher outbox(**sql, sms, clock);
  auto delivered = outbox.DeliverPending();
  if (!delivered.ok()) return delivered.status();
  int cards_created = 0;
  auto cards = EnsureDemoCards(**sql, ledger, *secrets, clock, data_dir, &cards_created);
  if (!cards.ok()) return cards.status();
  auto guide = bank.Guide();
  if (!guide.ok()) return guide.status();
  *guide += *cards;
  EBANK_RETURN_IF_ERROR(WriteFile(data_dir / "demo" / "guide.txt", *guide));
  std::fputs(guide->c_str(), stdout);
  if (bank.created() + cards_created == 0) {
    std::printf(
        "演示银行已存在，未新建任何内容 / the demo bank exists already; nothing was created\n");
  } else {
    std::printf("演示银行已建好（新建 %d 项）/ demo bank built (%d new objects)\n",
                bank.created() + cards_created, bank.created() + cards_created);
  }
  if (history->customers > 0) {
    std::printf(
        "演示历史：%d 位客户一年的业务（%lld 笔资金变动）/ demo history: a year of %d customers "
        "(%lld movements)\n",
        history->customers, static_cast<long long>(history->movements), history->customers,
        static_cast<long long>(history->movements));
  }
  if (history->cases > 0) {
    std::printf("差错、投诉与检查台账 %lld 件 / %lld cases of the past year\n",
                static_cast<long long>(history->cases), static_cast<long long>(history->cases));
  }
  if (history->ukeys_stocked > 0) {
    std::printf("U盾入库 %lld 个 / %lld U-keys stocked at the outlets\n",
                static_cast<long long>(history->ukeys_stocked),
                static_cast<long long>(history->ukeys_stocked));
  }
  std::printf("本说明也保存在 / this guide is also in %s\n",
              (data_dir / "demo" / "guide.txt").c_str());
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace

int Demo(const DemoOptions& options) {
  Status status;
  try {
    status = RunDemo(options);
  } catch (const std::exception& exception) {
    status = Status::Internal("demo_failed", exception.what());
  }
  if (!status.ok()) {
    spdlog::error("demo: {}", status.ToString());
    return 1;
  }
  return 0;
}

}  // namespace ebank::app
