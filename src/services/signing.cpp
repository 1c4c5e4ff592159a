#include "services/signing.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>

#include "core/hash.h"
#include "security/constant_time.h"
#include "security/password_card.h"
#include "security/totp.h"
#include "services/outbox.h"
#include "services/staff.h"
#include "ukey/challenge.h"

namespace ebank::services {
namespace {

constexpr std::array<std::pair<Tool, std::string_view>, 5> kTools = {{
    {Tool::kPassword, "password"},
    {Tool::kSms, "sms"},
    {Tool::kPasswordCard, "password_card"},
    {Tool::kTotp, "totp"},
    {Tool::kUkey, "ukey"},
}};
constexpr std::array<std::string_view, 4> kChannels = {"web", "mobile", "phone", "sms"};
constexpr int kUkeyCertificateDays = 3 * 365;
constexpr size_t kPublicKeyPemBytesMax = 4096;
constexpr size_t kAnswerBytesMax = 1024;

std::string HashText(std::string_view text) {
  return ToHex(Sha256(text));
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

Status LoginFailed(int left) {
  std::string message = "the login or the password is wrong";
  if (left > 0 && left <= 2) {
    message += fmt::format("; {} more failure{} will lock the login for 30 minutes", left,
                           left == 1 ? "" : "s");
  }
  return Status::Rejected("login_failed", message);
}

// The subject of a challenge for a change to the customer's security tools.
std::string SecuritySubject(std::string_view action) {
  return "security|" + std::string(action);
}

Status ChallengeGone() {
  return Status::Rejected("challenge_invalid", "this challenge expired or was used; start again");
}

Status CheckLoginId(std::string_view login) {
  bool ok = login.size() >= 4 && login.size() <= 32 &&
            std::all_of(login.begin(), login.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '.' || c == '-';
            });
  return ok ? Status::Ok()
            : Status::Invalid("invalid_login_id",
                              "a login id is 4 to 32 letters, digits, '.', '_' or '-'");
}

}  // namespace

std::string_view ToolName(Tool tool) {
  for (const auto& [value, name] : kTools) {
    if (value == tool) return name;
  }
  return "password";
}

std::optional<Tool> ParseTool(std::string_view name) {
  for (const auto& [value, text] : kTools) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string MaskMobile(std::string_view mobile) {
  if (mobile.size() < 7) return std::string(mobile.size(), '*');
  return std::string(mobile.substr(0, 3)) + "****" + std::string(mobile.substr(mobile.size() - 4));
}

std::string SubjectText(const PaymentSubject& subject) {
  return subject.payment_id + "|" + subject.amount.ToString() + "|" + subject.payee;
}

// A challenge row as read for answering.
struct SigningService::Pending {
  std::string id;
  int64_t customer_id = 0;
  std::string purpose;
  std::string tool;
  std::string subject;
  std::string secret;
  int64_t attempts = 0;
};

SigningService::SigningService(store::SqlDatabase& db, CustomerService& customers,
                               SessionService& sessions, const security::SecretBox& secrets,
                               const ukey::BankCa& ca, const Clock& clock,
                               security::RandomSource& random, security::PasswordHashCost cost)
    : db_(db),
      customers_(customers),
      sessions_(sessions),
      secrets_(secrets),
      ca_(ca),
      clock_(clock),
      random_(random),
      cost_(cost) {
  auto dummy = security::HashPassword("ebank-dummy-1", cost_);
  if (dummy.ok()) dummy_hash_ = *dummy;
}

Status SigningService::SignUp(int64_t customer_id, const SigningInput& input) {
  EBANK_RETURN_IF_ERROR(CheckLoginId(input.login_id));
  EBANK_RETURN_IF_ERROR(security::CheckPasswordPolicy(input.password));
  if (input.reserved_info.empty() || input.reserved_info.size() > kReservedInfoBytesMax) {
    return Status::Invalid("invalid_reserved_info", "reserved information is 1 to 60 bytes");
  }
  for (const auto& channel : input.channels) {
    if (std::find(kChannels.begin(), kChannels.end(), channel) == kChannels.end()) {
      return Status::Invalid("invalid_channel", "channels are web, mobile, phone and sms");
    }
  }
  if (input.alert_threshold_minor < 0) {
    return Status::Invalid("invalid_threshold", "the alert threshold must not be negative");
  }
  auto customer = customers_.GetById(customer_id);
  if (!customer.ok()) return customer.status();
  auto hash = security::HashPassword(input.password, cost_);
  if (!hash.ok()) return hash.status();
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto existing =
        sql.Query("SELECT customer_id FROM signings WHERE customer_id = ? OR login_id = ?",
                  {customer_id, input.login_id});
    if (!existing.ok()) return existing.status();
    for (size_t r = 0; r < existing->size(); ++r) {
      if (existing->Int(r, 0) == customer_id) {
        return Status::Conflict("already_signed", "this customer has signed up already");
      }
      return Status::Conflict("login_id_taken", "this login id is in use");
    }
    store::SqlParams params{customer_id,         input.login_id,       *hash,
                            input.reserved_info, Join(input.channels), input.alert_threshold_minor,
                            clock_.NowMs(),      std::monostate{}};
    if (input.staff_id) params[7] = *input.staff_id;
    return sql.Exec(
        "INSERT INTO signings (customer_id, login_id, password_hash, reserved_info, channels, "
        "failed_logins, locked_until_ms, alert_threshold_minor, alert_channels, created_at_ms, "
        "staff_id) VALUES (?, ?, ?, ?, ?, 0, 0, ?, 'sms', ?, ?)",
        params);
  });
  if (status.code() == Code::kConflict && status.reason() == "constraint") {
    return Status::Conflict("login_id_taken", "this login id is in use");
  }
  return status;
}

static Status AnswerChallenge(
    store::SqlDatabase& db, const Clock& clock, const std::string& id,
    const std::function<Status(store::SqlSession&, const store::SqlRows&)>& check,
    const std::function<Status(store::SqlSession&, const store::SqlRows&)>& answer,
    int64_t* customer_id);

Result<std::string> SigningService::StartSelfSignUp(std::string_view account_number,
                                                    std::string_view id_number,
                                                    std::string_view mobile) {
  Status failed = Status::Rejected("verification_failed",
                                   "the account, ID number and mobile do not match our records");
  auto account = customers_.GetAccount(std::string(account_number));
  if (!account.ok()) return failed;
  auto customer = customers_.GetById(account->customer_id);
  if (!customer.ok() || !security::ConstantTimeEquals(customer->id_number, id_number) ||
      !security::ConstantTimeEquals(customer->mobile, mobile) || account->status != "active") {
    return failed;
  }
  if (Get(customer->id).ok()) return Status::Conflict("already_signed", "already signed up");
  std::string ticket = security::RandomToken(random_, security::kSessionTokenBytes);
  std::string code = security::RandomDigits(random_, security::kSmsCodeDigits);
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "INSERT INTO challenges (id, customer_id, purpose, tool, subject, secret, expires_at_ms, "
        "attempts, used_at_ms) VALUES (?, ?, 'signup', 'sms', 'signup', ?, ?, 0, NULL)",
        {HashText(ticket), customer->id, HashText(code), clock_.NowMs() + kChallengeTtlMs}));
    return EnqueueSms(
        sql, clock_, customer->mobile,
        fmt::format("【ebank】您正在开通网上银行，验证码{}，5分钟内有效，请勿告诉他人。", code));
  });
  if (!status.ok()) return status;
  return ticket;
}

Status SigningService::FinishSelfSignUp(std::string_view ticket, std::string_view code,
                                        const SigningInput& input) {
  // Check the credentials before spending the code on them.
  EBANK_RETURN_IF_ERROR(CheckLoginId(input.login_id));
  EBANK_RETURN_IF_ERROR(security::CheckPasswordPolicy(input.password));
  int64_t customer_id = 0;
  Status verdict = AnswerChallenge(
      db_, clock_, HashText(ticket),
      [](store::SqlSession&, const store::SqlRows& rows) {
        return rows.Text(0, 2) == "signup" ? Status::Ok() : ChallengeGone();
      },
      [&](store::SqlSession&, const store::SqlRows& rows) {
        return security::ConstantTimeEquals(HashText(code), rows.Text(0, 5))
                   ? Status::Ok()
                   : Status::Rejected("wrong_answer", "the code is wrong");
      },
      &customer_id);
  if (!verdict.ok()) return verdict;
  return SignUp(customer_id, input);
}

Result<SigningRecord> SigningService::Get(int64_t customer_id) {
  std::optional<SigningRecord> record;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        "SELECT login_id, reserved_info, channels, alert_threshold_minor FROM signings WHERE "
        "customer_id = ?",
        {customer_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Ok();
    record =
        SigningRecord{customer_id,  rows->Text(0, 0), rows->Text(0, 1), Split(rows->Text(0, 2)),
                      {Tool::kSms}, rows->Int(0, 3)};
    auto tools = sql.Query(
        "SELECT DISTINCT kind FROM credentials WHERE customer_id = ? AND state = 'active'",
        {customer_id});
    if (!tools.ok()) return tools.status();
    for (size_t r = 0; r < tools->size(); ++r) {
      if (auto tool = ParseTool(tools->Text(r, 0))) record->tools.push_back(*tool);
    }
    std::sort(record->tools.begin(), record->tools.end());
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!record) return Status::NotFound("not_signed", "this customer has not signed up");
  return *record;
}

Status ReplaceCredential(store::SqlSession& sql, const Clock& clock, int64_t customer_id,
                         std::string_view kind, const std::string& sealed,
                         const std::string& label) {
  EBANK_RETURN_IF_ERROR(sql.Exec(
      "UPDATE credentials SET state = 'revoked' WHERE customer_id = ? AND kind = ? AND state = "
      "'active'",
      {customer_id, std::string(kind)}));
  return sql.Exec(
      "INSERT INTO credentials (customer_id, kind, state, secret, uses, last_step, label, "
      "created_at_ms) VALUES (?, ?, 'active', ?, 0, ?, ?, ?)",
      {customer_id, std::string(kind), sealed, int64_t{security::kTotpNeverUsed}, label,
       clock.NowMs()});
}

Result<std::pair<TotpEnrolment, PreparedCredential>> SigningService::PrepareTotp(
    int64_t customer_id) {
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  std::string secret = security::NewTotpSecret(random_);
  auto uri = security::OtpauthUri("ebank", record->login_id, secret, {});
  if (!uri.ok()) return uri.status();
  return std::pair{TotpEnrolment{security::Base32Encode(secret), *uri},
                   PreparedCredential{"totp", secrets_.Seal(secret), "TOTP"}};
}

Result<TotpEnrolment> SigningService::EnrolTotp(int64_t customer_id) {
  auto prepared = PrepareTotp(customer_id);
  if (!prepared.ok()) return prepared.status();
  const PreparedCredential& credential = prepared->second;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    return ReplaceCredential(sql, clock_, customer_id, credential.kind, credential.sealed,
                             credential.label);
  });
  if (!status.ok()) return status;
  return prepared->first;
}

Result<std::pair<security::PasswordCard, PreparedCredential>> SigningService::PreparePasswordCard(
    int64_t customer_id) {
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  security::PasswordCard card = security::PasswordCard::Generate(random_);
  PreparedCredential credential{"password_card", secrets_.Seal(card.Serialize()), card.serial()};
  return std::pair{std::move(card), std::move(credential)};
}

Result<PreparedCredential> SigningService::PreparePasswordReset(int64_t customer_id,
                                                                std::string_view new_password) {
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  EBANK_RETURN_IF_ERROR(security::CheckPasswordPolicy(new_password));
  auto hash = security::HashPassword(new_password, cost_);
  if (!hash.ok()) return hash.status();
  return PreparedCredential{"password", *hash, ""};
}

Status ResetLoginPassword(store::SqlSession& sql, const Clock& clock, int64_t customer_id,
                          const std::string& password_hash) {
  auto rows = sql.Query(
      "UPDATE signings SET password_hash = ?, failed_logins = 0, locked_until_ms = 0 WHERE "
      "customer_id = ? RETURNING customer_id",
      {password_hash, customer_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::Rejected("not_signed", "this customer has not signed up");
  return sql.Exec(
      "UPDATE sessions SET revoked_at_ms = ? WHERE subject_kind = 'customer' AND subject_id = ? "
      "AND revoked_at_ms IS NULL",
      {clock.NowMs(), customer_id});
}

Result<security::PasswordCard> SigningService::IssuePasswordCard(int64_t customer_id) {
  auto prepared = PreparePasswordCard(customer_id);
  if (!prepared.ok()) return prepared.status();
  const PreparedCredential& credential = prepared->second;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    return ReplaceCredential(sql, clock_, customer_id, credential.kind, credential.sealed,
                             credential.label);
  });
  if (!status.ok()) return status;
  return prepared->first;
}

Result<std::pair<std::string, PreparedCredential>> SigningService::PrepareUkeyCertificate(
    int64_t customer_id, std::string_view public_key_pem) {
  if (public_key_pem.empty() || public_key_pem.size() > kPublicKeyPemBytesMax) {
    return Status::Invalid("invalid_public_key", "a PEM public key is required");
  }
  auto customer = customers_.GetById(customer_id);
  if (!customer.ok()) return customer.status();
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  BIO* bio = BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) return Status::Invalid("invalid_public_key", "not a PEM public key");
  auto certificate =
      ca_.IssueCustomerCertificate(*key, customer->number, clock_.NowMs(), kUkeyCertificateDays);
  EVP_PKEY_free(key);
  if (!certificate.ok()) return certificate.status();
  auto info = ukey::DescribeCertificate(*certificate);
  if (!info.ok()) return info.status();
  return std::pair{*certificate,
                   PreparedCredential{"ukey", HexEncode(*certificate), info->serial_hex}};
}

Result<std::string> SigningService::IssueUkeyCertificate(int64_t customer_id,
                                                         std::string_view public_key_pem) {
  auto prepared = PrepareUkeyCertificate(customer_id, public_key_pem);
  if (!prepared.ok()) return prepared.status();
  const PreparedCredential& credential = prepared->second;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    return ReplaceCredential(sql, clock_, customer_id, credential.kind, credential.sealed,
                             credential.label);
  });
  if (!status.ok()) return status;
  return prepared->first;
}

Result<LoginStart> SigningService::StartLogin(std::string_view login_id,
                                              std::string_view password) {
  if (!CheckLoginId(login_id).ok() || password.size() > security::kPasswordBytesMax) {
    return LoginFailed(0);
  }
  int64_t now = clock_.NowMs();
  Status outcome = LoginFailed(0);
  std::optional<LoginStart> start;
  int64_t customer_id = 0;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT customer_id, password_hash, reserved_info, failed_logins, locked_until_ms FROM "
        "signings WHERE login_id = ?",
        {std::string(login_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      (void)security::VerifyPassword(dummy_hash_, password);
      return RecordAudit(
          sql, clock_,
          {"customer", 0, "web", "login.password", std::string(login_id), "login_failed", ""});
    }
    customer_id = rows->Int(0, 0);
    if (rows->Int(0, 4) > now) {
      outcome = Status::Rejected("login_locked", "too many failed logins; try again in 30 minutes");
      return RecordAudit(
          sql, clock_, {"customer", customer_id, "web", "login.password", "", "login_locked", ""});
    }
    if (!security::VerifyPassword(rows->Text(0, 1), password).ok()) {
      int64_t failures = rows->Int(0, 3) + 1;
      bool lock = failures >= kCustomerLoginFailuresMax;
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "UPDATE signings SET failed_logins = ?, locked_until_ms = ? WHERE customer_id = ?",
          {lock ? int64_t{0} : failures, lock ? now + kCustomerLoginLockMs : int64_t{0},
           customer_id}));
      outcome =
          lock ? Status::Rejected("login_locked", "too many failed logins; try again in 30 minutes")
               : LoginFailed(kCustomerLoginFailuresMax - static_cast<int>(failures));
      return RecordAudit(
          sql, clock_,
          {"customer", customer_id, "web", "login.password", "", outcome.reason(), ""});
    }
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE signings SET failed_logins = 0, locked_until_ms = 0 WHERE customer_id = ?",
                 {customer_id}));
    std::string ticket = security::RandomToken(random_, security::kSessionTokenBytes);
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "INSERT INTO challenges (id, customer_id, purpose, tool, subject, secret, expires_at_ms, "
        "attempts, used_at_ms) VALUES (?, ?, 'login', '', 'login', '', ?, 0, NULL)",
        {HashText(ticket), customer_id, now + kLoginTicketTtlMs}));
    start = LoginStart{ticket, rows->Text(0, 2), {}};
    outcome = Status::Ok();
    return RecordAudit(sql, clock_,
                       {"customer", customer_id, "web", "login.password", "", "ok", ""});
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  start->tools = record->tools;
  return *start;
}

Result<ChallengeInfo> SigningService::IssueChallenge(store::SqlSession& sql, int64_t customer_id,
                                                     std::string_view purpose, Tool tool,
                                                     const std::string& subject,
                                                     const std::string& id) {
  auto customer = customers_.GetById(customer_id);
  if (!customer.ok()) return customer.status();
  ChallengeInfo info{id, tool, "", clock_.NowMs() + kChallengeTtlMs};
  std::string secret;
  switch (tool) {
    case Tool::kSms: {
      std::string code = security::RandomDigits(random_, security::kSmsCodeDigits);
      secret = HashText(code);
      info.prompt = MaskMobile(customer->mobile);
      std::string text =
          purpose == "login"
              ? fmt::format("【ebank】登录验证码{}，5分钟内有效，请勿告诉他人。", code)
          : purpose == "security"
              ? fmt::format("【ebank】您正在更换安全工具，验证码{}，5分钟内有效，请勿告诉他人。",
                            code)
              : fmt::format("【ebank】您正在转账 {}，验证码{}，5分钟内有效，请勿告诉他人。",
                            subject.substr(subject.find('|') + 1), code);
      EBANK_RETURN_IF_ERROR(EnqueueSms(sql, clock_, customer->mobile, text));
      break;
    }
    case Tool::kPasswordCard:
      secret = security::ChallengeText(security::NewChallenge(random_));
      info.prompt = secret;
      break;
    case Tool::kTotp:
      info.prompt = "";
      break;
    case Tool::kUkey: {
      std::string nonce = security::RandomToken(random_, 16);
      std::string nonce_hex = HexEncode(nonce).substr(0, 32);
      if (purpose == "login") {
        secret = "ebank-login-v1|challenge=" + id + "|nonce=" + nonce_hex;
      } else {
        // subject = payment_id|amount currency|payee
        size_t first = subject.find('|');
        size_t second = subject.find('|', first + 1);
        std::string money = subject.substr(first + 1, second - first - 1);
        size_t space = money.find(' ');
        auto currency = Currency::Parse(money.substr(space + 1));
        if (!currency.ok()) return currency.status();
        auto amount = Money::Parse(*currency, money.substr(0, space));
        if (!amount.ok()) return amount.status();
        auto text = ukey::ChallengeText({id, *amount, subject.substr(second + 1), nonce_hex});
        if (!text.ok()) return text.status();
        secret = *text;
      }
      info.prompt = secret;
      break;
    }
    case Tool::kPassword:
      return Status::Invalid("invalid_tool", "a password is not a second factor");
  }
  EBANK_RETURN_IF_ERROR(
      sql.Exec("UPDATE challenges SET tool = ?, secret = ?, expires_at_ms = ? WHERE id = ?",
               {std::string(ToolName(tool)), secret, info.expires_at_ms,
                purpose == "login" ? HashText(id) : id}));
  return info;
}

Result<ChallengeInfo> SigningService::LoginChallenge(std::string_view ticket, Tool tool) {
  std::string id = HashText(ticket);
  std::optional<ChallengeInfo> info;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT customer_id FROM challenges WHERE id = ? AND purpose = 'login' AND used_at_ms IS "
        "NULL AND expires_at_ms > ?",
        {id, clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return ChallengeGone();
    int64_t customer_id = rows->Int(0, 0);
    auto record = Get(customer_id);
    if (!record.ok()) return record.status();
    if (std::find(record->tools.begin(), record->tools.end(), tool) == record->tools.end()) {
      return Status::Rejected("tool_not_held", "the customer has no such security tool");
    }
    auto issued = IssueChallenge(sql, customer_id, "login", tool, "login", std::string(ticket));
    if (!issued.ok()) return issued.status();
    info = *issued;
    info->id = "";  // The login ticket is the handle; it is not repeated back.
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return *info;
}

Status SigningService::Answer(store::SqlSession& sql, const Pending& pending,
                              std::string_view answer) {
  if (answer.empty() || answer.size() > kAnswerBytesMax) {
    return Status::Rejected("wrong_answer", "the code or signature is wrong");
  }
  auto tool = ParseTool(pending.tool);
  if (!tool) return Status::Rejected("challenge_invalid", "choose a security tool first");
  if (*tool == Tool::kSms) {
    return security::ConstantTimeEquals(HashText(answer), pending.secret)
               ? Status::Ok()
               : Status::Rejected("wrong_answer", "the code or signature is wrong");
  }
  auto credential = sql.Query(
      "SELECT id, secret, uses, last_step FROM credentials WHERE customer_id = ? AND kind = ? AND "
      "state = 'active'",
      {pending.customer_id, pending.tool});
  if (!credential.ok()) return credential.status();
  if (credential->empty())
    return Status::Rejected("tool_not_held", "the security tool was revoked");
  int64_t credential_id = credential->Int(0, 0);
  if (*tool == Tool::kUkey) {
    std::string der, signature;
    auto customer = customers_.GetById(pending.customer_id);
    if (!customer.ok()) return customer.status();
    if (!HexDecode(credential->Text(0, 1), &der) || !HexDecode(answer, &signature)) {
      return Status::Rejected("wrong_answer", "the signature is not hex DER");
    }
    Status verified =
        ca_.VerifySignedMessage(der, customer->number, pending.secret, signature, clock_.NowMs());
    return verified.ok() ? verified : Status::Rejected("wrong_answer", verified.message());
  }
  auto secret = secrets_.Open(credential->Text(0, 1));
  if (!secret.ok()) return secret.status();
  if (*tool == Tool::kTotp) {
    auto step = security::VerifyTotp(*secret, answer, clock_.NowMs(), credential->Int(0, 3), {});
    if (!step.ok()) {
      return Status::Rejected(
          step.status().reason() == "otp_replayed" ? "otp_replayed" : "wrong_answer",
          step.status().message());
    }
    return sql.Exec("UPDATE credentials SET last_step = ? WHERE id = ?", {*step, credential_id});
  }
  auto card = security::PasswordCard::Parse(*secret);
  auto cells = security::ParseChallenge(pending.secret);
  if (!card.ok() || !cells.ok())
    return Status::Internal("card_unreadable", "password card unreadable");
  security::CardAnswerResult result =
      security::VerifyCardAnswer(*card, *cells, answer, static_cast<int>(credential->Int(0, 2)));
  EBANK_RETURN_IF_ERROR(sql.Exec(
      "UPDATE credentials SET uses = ?, state = ? WHERE id = ?",
      {int64_t{result.uses},
       std::string(security::CardWornOut(result.uses) ? "worn_out" : "active"), credential_id}));
  if (!result.status.ok())
    return Status::Rejected(result.status.reason() == "password_card_worn_out"
                                ? "password_card_worn_out"
                                : "wrong_answer",
                            result.status.message());
  return Status::Ok();
}

// Reads a live challenge, answers it and spends it (or counts the failure) in one
// transaction that commits either way; returns the answer's verdict.
static Status AnswerChallenge(
    store::SqlDatabase& db, const Clock& clock, const std::string& id,
    const std::function<Status(store::SqlSession&, const store::SqlRows&)>& check,
    const std::function<Status(store::SqlSession&, const store::SqlRows&)>& answer,
    int64_t* customer_id) {
  Status verdict = ChallengeGone();
  Status status = db.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT id, customer_id, purpose, tool, subject, secret, attempts FROM challenges WHERE id "
        "= ? AND used_at_ms IS NULL AND expires_at_ms > ?",
        {id, clock.NowMs()});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Ok();
    *customer_id = rows->Int(0, 1);
    verdict = check(sql, *rows);
    if (!verdict.ok()) return Status::Ok();
    verdict = answer(sql, *rows);
    // A password card challenge is spent by one wrong answer, so that its cells cannot be
    // guessed at; the others allow kChallengeAttemptsMax tries.
    bool spent = verdict.ok() || rows->Int(0, 6) + 1 >= kChallengeAttemptsMax ||
                 rows->Text(0, 3) == "password_card" || verdict.reason() == "otp_replayed";
    return sql.Exec("UPDATE challenges SET attempts = attempts + 1, used_at_ms = ? WHERE id = ?",
                    {spent ? store::SqlValue(clock.NowMs()) : store::SqlValue(), id});
  });
  if (!status.ok()) return status;
  return verdict;
}

Result<std::string> SigningService::FinishLogin(std::string_view ticket, std::string_view answer,
                                                std::string_view client) {
  int64_t customer_id = 0;
  Status verdict = AnswerChallenge(
      db_, clock_, HashText(ticket),
      [](store::SqlSession&, const store::SqlRows& rows) {
        return rows.Text(0, 2) == "login" ? Status::Ok() : ChallengeGone();
      },
      [&](store::SqlSession& sql, const store::SqlRows& rows) {
        Pending pending{rows.Text(0, 0), rows.Int(0, 1),  rows.Text(0, 2), rows.Text(0, 3),
                        rows.Text(0, 4), rows.Text(0, 5), rows.Int(0, 6)};
        Status answered = Answer(sql, pending, answer);
        (void)RecordAudit(sql, clock_,
                          {"customer", pending.customer_id, "web", "login.second_factor",
                           pending.tool, answered.ok() ? "ok" : answered.reason(), ""});
        return answered;
      },
      &customer_id);
  if (!verdict.ok()) return verdict;
  return sessions_.Start(SubjectKind::kCustomer, customer_id, 2, client);
}

Result<ChallengeInfo> SigningService::PaymentChallenge(int64_t customer_id, Tool tool,
                                                       const PaymentSubject& subject) {
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  if (std::find(record->tools.begin(), record->tools.end(), tool) == record->tools.end()) {
    return Status::Rejected("tool_not_held", "the customer has no such security tool");
  }
  std::string id = security::RandomToken(random_, security::kSessionTokenBytes);
  std::optional<ChallengeInfo> info;
  std::string text = SubjectText(subject);
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "INSERT INTO challenges (id, customer_id, purpose, tool, subject, secret, expires_at_ms, "
        "attempts, used_at_ms) VALUES (?, ?, 'payment', '', ?, '', ?, 0, NULL)",
        {id, customer_id, text, clock_.NowMs() + kChallengeTtlMs}));
    auto issued = IssueChallenge(sql, customer_id, "payment", tool, text, id);
    if (!issued.ok()) return issued.status();
    info = *issued;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return *info;
}

Status SigningService::VerifyPaymentChallenge(int64_t customer_id, std::string_view id,
                                              const PaymentSubject& subject,
                                              std::string_view answer) {
  int64_t owner = 0;
  std::string expected = SubjectText(subject);
  return AnswerChallenge(
      db_, clock_, std::string(id),
      [&](store::SqlSession&, const store::SqlRows& rows) {
        // Another customer's challenge looks like no challenge at all.
        if (rows.Int(0, 1) != customer_id || rows.Text(0, 2) != "payment") return ChallengeGone();
        if (rows.Text(0, 4) != expected) {
          return Status::Rejected("challenge_mismatch",
                                  "this challenge was issued for another amount or payee");
        }
        return Status::Ok();
      },
      [&](store::SqlSession& sql, const store::SqlRows& rows) {
        Pending pending{rows.Text(0, 0), rows.Int(0, 1),  rows.Text(0, 2), rows.Text(0, 3),
                        rows.Text(0, 4), rows.Text(0, 5), rows.Int(0, 6)};
        return Answer(sql, pending, answer);
      },
      &owner);
}

Status SigningService::ChangePassword(int64_t customer_id, std::string_view old_password,
                                      std::string_view new_password,
                                      std::string_view keep_session_id) {
  EBANK_RETURN_IF_ERROR(security::CheckPasswordPolicy(new_password));
  auto hash = security::HashPassword(new_password, cost_);
  if (!hash.ok()) return hash.status();
  int64_t now = clock_.NowMs();
  Status outcome = Status::Ok();
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT password_hash, failed_logins, locked_until_ms FROM signings WHERE customer_id = ?",
        {customer_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      outcome = Status::NotFound("not_signed", "this customer has not signed up");
      return Status::Ok();
    }
    auto audit = [&](const Status& result) {
      return RecordAudit(sql, clock_,
                         {"customer", customer_id, "web", "security.password", "",
                          result.ok() ? "ok" : result.reason(), ""});
    };
    if (rows->Int(0, 2) > now) {
      outcome = Status::Rejected("login_locked", "too many failed logins; try again in 30 minutes");
      return audit(outcome);
    }
    if (!security::VerifyPassword(rows->Text(0, 0), old_password).ok()) {
      // Counted with the login's failures: a stolen session must not become a way to guess
      // the password without the lock.
      int64_t failures = rows->Int(0, 1) + 1;
      bool lock = failures >= kCustomerLoginFailuresMax;
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "UPDATE signings SET failed_logins = ?, locked_until_ms = ? WHERE customer_id = ?",
          {lock ? int64_t{0} : failures, lock ? now + kCustomerLoginLockMs : int64_t{0},
           customer_id}));
      if (lock) {
        outcome = Status::Rejected("login_locked",
                                   "too many failed tries; the login is locked "
                                   "for 30 minutes and every session ended");
        EBANK_RETURN_IF_ERROR(
            sql.Exec("UPDATE sessions SET revoked_at_ms = ? WHERE subject_kind = 'customer' AND "
                     "subject_id = ? AND revoked_at_ms IS NULL",
                     {now, customer_id}));
      } else {
        int left = kCustomerLoginFailuresMax - static_cast<int>(failures);
        std::string message = "the current password is wrong";
        if (left <= 2) {
          message += fmt::format("; {} more failure{} will lock the login for 30 minutes", left,
                                 left == 1 ? "" : "s");
        }
        outcome = Status::Rejected("wrong_password", message);
      }
      return audit(outcome);
    }
    if (security::VerifyPassword(rows->Text(0, 0), new_password).ok()) {
      outcome = Status::Invalid("password_unchanged", "the new password is the current one");
      return audit(outcome);
    }
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "UPDATE signings SET password_hash = ?, failed_logins = 0, locked_until_ms = 0 WHERE "
        "customer_id = ?",
        {*hash, customer_id}));
    // Whoever else holds a session may hold it with the old password.
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "UPDATE sessions SET revoked_at_ms = ? WHERE subject_kind = 'customer' AND subject_id = ? "
        "AND token_hash <> ? AND revoked_at_ms IS NULL",
        {now, customer_id, std::string(keep_session_id)}));
    return audit(outcome);
  });
  if (!status.ok()) return status;
  return outcome;
}

Status SigningService::SetAlertThreshold(int64_t customer_id, int64_t threshold_minor) {
  if (threshold_minor < 0 || threshold_minor > kAlertThresholdMinorMax) {
    return Status::Invalid("invalid_threshold",
                           "the alert threshold is from 0 to 10,000,000,000.00");
  }
  bool found = false;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "UPDATE signings SET alert_threshold_minor = ? WHERE customer_id = ? RETURNING "
        "customer_id",
        {threshold_minor, customer_id});
    if (!rows.ok()) return rows.status();
    found = !rows->empty();
    if (!found) return Status::Ok();
    return RecordAudit(sql, clock_,
                       {"customer", customer_id, "web", "security.alert_threshold", "", "ok",
                        std::to_string(threshold_minor)});
  });
  if (!status.ok()) return status;
  if (!found) return Status::NotFound("not_signed", "this customer has not signed up");
  return Status::Ok();
}

Result<std::vector<ToolDetails>> SigningService::Tools(int64_t customer_id) {
  std::vector<ToolDetails> tools;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT kind, state, label, created_at_ms, uses, secret FROM credentials WHERE "
        "customer_id = ? AND state IN ('active', 'worn_out') ORDER BY id DESC",
        {customer_id});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      auto tool = ParseTool(rows->Text(r, 0));
      if (!tool) continue;
      ToolDetails details{*tool, rows->Text(r, 1), rows->Text(r, 2), rows->Int(r, 3)};
      if (*tool == Tool::kPasswordCard) {
        details.uses = static_cast<int>(rows->Int(r, 4));
        details.uses_max = security::kCardUsesMax;
      } else if (*tool == Tool::kUkey) {
        // A U-key's "secret" is its certificate, which is public.
        std::string der;
        if (HexDecode(rows->Text(r, 5), &der)) {
          if (auto info = ukey::DescribeCertificate(der); info.ok()) {
            details.certificate_subject = info->subject;
            details.certificate_not_before_ms = info->not_before_ms;
            details.certificate_not_after_ms = info->not_after_ms;
          }
        }
      }
      tools.push_back(std::move(details));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return tools;
}

Result<ChallengeInfo> SigningService::SecurityChallenge(int64_t customer_id, Tool tool,
                                                        std::string_view action) {
  if (action != kSecurityActionTotp) {
    return Status::Invalid("invalid_action", "the only change made this way is totp");
  }
  auto record = Get(customer_id);
  if (!record.ok()) return record.status();
  bool holds_totp =
      std::find(record->tools.begin(), record->tools.end(), Tool::kTotp) != record->tools.end();
  if (tool == Tool::kUkey || (holds_totp && tool != Tool::kTotp)) {
    return Status::Rejected("tool_not_allowed",
                            holds_totp ? "confirm with the current dynamic token"
                                       : "confirm with an SMS code, password card or token");
  }
  if (std::find(record->tools.begin(), record->tools.end(), tool) == record->tools.end()) {
    return Status::Rejected("tool_not_held", "the customer has no such security tool");
  }
  std::string id = security::RandomToken(random_, security::kSessionTokenBytes);
  std::optional<ChallengeInfo> info;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    // Stored as a payment challenge (the schema knows no other purpose) whose subject no
    // payment can have: a payment's is "id|amount|payee", with two bars.
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "INSERT INTO challenges (id, customer_id, purpose, tool, subject, secret, expires_at_ms, "
        "attempts, used_at_ms) VALUES (?, ?, 'payment', '', ?, '', ?, 0, NULL)",
        {id, customer_id, SecuritySubject(action), clock_.NowMs() + kChallengeTtlMs}));
    auto issued = IssueChallenge(sql, customer_id, "security", tool, SecuritySubject(action), id);
    if (!issued.ok()) return issued.status();
    info = *issued;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return *info;
}

Result<TotpEnrolment> SigningService::ReplaceTotp(int64_t customer_id,
                                                  std::string_view challenge_id,
                                                  std::string_view answer) {
  int64_t owner = 0;
  Status verdict = AnswerChallenge(
      db_, clock_, std::string(challenge_id),
      [&](store::SqlSession&, const store::SqlRows& rows) {
        if (rows.Int(0, 1) != customer_id || rows.Text(0, 2) != "payment" ||
            rows.Text(0, 4) != SecuritySubject(kSecurityActionTotp)) {
          return ChallengeGone();
        }
        return Status::Ok();
      },
      [&](store::SqlSession& sql, const store::SqlRows& rows) {
        Pending pending{rows.Text(0, 0), rows.Int(0, 1),  rows.Text(0, 2), rows.Text(0, 3),
                        rows.Text(0, 4), rows.Text(0, 5), rows.Int(0, 6)};
        Status answered = Answer(sql, pending, answer);
        (void)RecordAudit(sql, clock_,
                          {"customer", customer_id, "web", "security.totp", pending.tool,
                           answered.ok() ? "verified" : answered.reason(), ""});
        return answered;
      },
      &owner);
  if (!verdict.ok()) return verdict;
  auto enrolment = EnrolTotp(customer_id);
  (void)RecordAudit(db_, clock_,
                    {"customer", customer_id, "web", "security.totp", "totp",
                     enrolment.ok() ? "ok" : enrolment.status().reason(), ""});
  return enrolment;
}

}  // namespace ebank::services
