// The e-banking signing record (签约, SVC-1) and strong customer authentication (SEC-1 to
// SEC-5): which channels and tools a customer has, the login ladder (password, then the
// reserved information, then a second factor) and the one-time challenges that payments
// are bound to (dynamic linking). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "security/password.h"
#include "security/password_card.h"
#include "security/random.h"
#include "security/secret_box.h"
#include "services/customers.h"
#include "services/sessions.h"
#include "store/sql.h"
#include "ukey/bank_ca.h"

namespace ebank::services {

inline constexpr int64_t kLoginTicketTtlMs = 5 * 60 * 1000;
inline constexpr int64_t kChallengeTtlMs = 5 * 60 * 1000;
inline constexpr int kChallengeAttemptsMax = 3;
inline constexpr int kCustomerLoginFailuresMax = 5;
inline constexpr int64_t kCustomerLoginLockMs = 30 * 60 * 1000;
inline constexpr size_t kReservedInfoBytesMax = 60;

// Authentication tools, weakest first. A payment is allowed up to the limits of the tool
// that confirmed it (SEC-7).
enum class Tool { kPassword, kSms, kPasswordCard, kTotp, kUkey };
std::string_view ToolName(Tool tool);
std::optional<Tool> ParseTool(std::string_view name);

struct SigningInput {
  std::string login_id;
  std::string password;
  std::string reserved_info;
  std::vector<std::string> channels;  // "web", "mobile", "phone", "sms".
  int64_t alert_threshold_minor = 0;
  // The staff member who signed the customer up at the counter (campaigns credit them);
  // none for an online self sign-up.
  std::optional<int64_t> staff_id;
};

struct SigningRecord {
  int64_t customer_id = 0;
  std::string login_id;
  std::string reserved_info;
  std::vector<std::string> channels;
  std::vector<Tool> tools;  // Second factors the customer holds (SMS always).
  int64_t alert_threshold_minor = 0;
};

struct TotpEnrolment {
  std::string secret_base32;
  std::string otpauth_uri;
};

// A dynamic token or password card made at the counter for maker/checker (CH-CTR): shown to
// the maker once, it becomes the customer's when a checker approves. `sealed` (under the
// bank's secret box) is what the approval carries; `label` names it (a card's serial).
struct PreparedCredential {
  std::string kind;  // "totp", "password_card", "ukey" or "password" (a reset).
  std::string sealed;
  std::string label;
};

// Sets the customer's login password to the Argon2id hash `password_hash` in `sql`'s
// transaction, clears failed logins and the lock, and ends every session of theirs.
Status ResetLoginPassword(store::SqlSession& sql, const Clock& clock, int64_t customer_id,
                          const std::string& password_hash);

// Makes `sealed` the customer's active credential of `kind` ("totp", "password_card",
// "ukey") in `sql`'s transaction; the one it replaces stops working.
Status ReplaceCredential(store::SqlSession& sql, const Clock& clock, int64_t customer_id,
                         std::string_view kind, const std::string& sealed,
                         const std::string& label);

// What a challenge asks of the customer.
struct ChallengeInfo {
  std::string id;
  Tool tool = Tool::kSms;
  std::string prompt;  // SMS: the masked mobile; card: "B7 C3 H10"; U-key: the text to sign.
  int64_t expires_at_ms = 0;
};

struct LoginStart {
  std::string ticket;
  std::string reserved_info;  // Shown before the second factor: a phishing site lacks it.
  std::vector<Tool> tools;
};

// A security tool the customer holds, as the security centre shows it (never its secret).
struct ToolDetails {
  Tool tool = Tool::kSms;
  std::string state;  // "active" or "worn_out" (a password card).
  std::string label;  // The card's serial, the U-key certificate's serial, "TOTP".
  int64_t created_at_ms = 0;
  int uses = 0;      // Password card: answers given so far.
  int uses_max = 0;  // Password card: answers it allows in all.
  // U-key: the certificate.
  std::string certificate_subject;
  int64_t certificate_not_before_ms = 0;
  int64_t certificate_not_after_ms = 0;
};

// The most a balance-change alert threshold may be, in minor units (10^10 yuan).
inline constexpr int64_t kAlertThresholdMinorMax = int64_t{1'000'000'000'000};
// Changes to the security tools a customer may make online with a second factor.
inline constexpr std::string_view kSecurityActionTotp = "totp";

// What a payment challenge binds: the amount and the payee.
struct PaymentSubject {
  std::string payment_id;
  Money amount;
  std::string payee;  // The payee's account number.
};

class SigningService {
 public:
  SigningService(store::SqlDatabase& db, CustomerService& customers, SessionService& sessions,
                 const security::SecretBox& secrets, const ukey::BankCa& ca, const Clock& clock,
                 security::RandomSource& random,
                 security::PasswordHashCost cost = security::PasswordHashCost::Interactive());

  // Counter sign-up: one record per customer, refused twice ("already_signed").
  Status SignUp(int64_t customer_id, const SigningInput& input);
  // Online self sign-up, step 1: the customer proves an account is theirs by its number,
  // their ID number and the mobile the bank has; an SMS code goes to that mobile. Any
  // mismatch answers rejected/verification_failed alike. Returns a ticket.
  Result<std::string> StartSelfSignUp(std::string_view account_number, std::string_view id_number,
                                      std::string_view mobile);
  // Step 2: the code, and the e-banking credentials chosen.
  Status FinishSelfSignUp(std::string_view ticket, std::string_view code,
                          const SigningInput& input);
  Result<SigningRecord> Get(int64_t customer_id);

  Result<TotpEnrolment> EnrolTotp(int64_t customer_id);
  // A new card (the old one stops working); returns it in the clear, for printing once.
  Result<security::PasswordCard> IssuePasswordCard(int64_t customer_id);
  // The same two, prepared and not yet the customer's (see PreparedCredential).
  Result<std::pair<TotpEnrolment, PreparedCredential>> PrepareTotp(int64_t customer_id);
  Result<std::pair<security::PasswordCard, PreparedCredential>> PreparePasswordCard(
      int64_t customer_id);
  // A counter reset of the login password to `new_password` (the password policy holds),
  // prepared: `sealed` is its Argon2id hash, for ResetLoginPassword once approved. NotFound
  // "not_signed" for a customer who has not signed up.
  Result<PreparedCredential> PreparePasswordReset(int64_t customer_id,
                                                  std::string_view new_password);
  // Certifies a U-key's public key (PEM); returns the DER certificate.
  Result<std::string> IssueUkeyCertificate(int64_t customer_id, std::string_view public_key_pem);
  // The same, prepared: the certificate is issued but not yet the customer's tool (its
  // `sealed` is the DER in hex, `label` its serial), for ReplaceCredential once approved.
  Result<std::pair<std::string, PreparedCredential>> PrepareUkeyCertificate(
      int64_t customer_id, std::string_view public_key_pem);

  // Login step 1: the password. Every failure answers rejected/login_failed alike; the
  // last two tries before the lock say how many are left; then rejected/login_locked.
  Result<LoginStart> StartLogin(std::string_view login_id, std::string_view password);
  // Login step 2: the chosen second factor's challenge (sends the SMS code).
  Result<ChallengeInfo> LoginChallenge(std::string_view ticket, Tool tool);
  // Login step 3: the answer; returns a session token.
  Result<std::string> FinishLogin(std::string_view ticket, std::string_view answer,
                                  std::string_view client);

  // --- The security centre: the logged-in customer's own settings. ---
  // Changes the login password (SEC-1). The new one must pass CheckPasswordPolicy
  // (Invalid "weak_password", checked first, counting nothing). The old one is checked like
  // a login's: a wrong one answers Rejected "wrong_password" and counts toward the lock;
  // the last failure locks the login (Rejected "login_locked") and ends every session.
  // A new password equal to the old is Invalid "password_unchanged". On success every
  // session of the customer but `keep_session_id` ends. Audited either way.
  Status ChangePassword(int64_t customer_id, std::string_view old_password,
                        std::string_view new_password, std::string_view keep_session_id);
  // Balance-change alerts (SEC-8) for movements of at least `threshold_minor` (0: all).
  Status SetAlertThreshold(int64_t customer_id, int64_t threshold_minor);
  // The security tools the customer holds, with their state; newest first.
  Result<std::vector<ToolDetails>> Tools(int64_t customer_id);
  // A challenge for a change to the customer's tools (`action`: kSecurityActionTotp).
  // Replacing a dynamic token needs the token itself; enrolling the first one any second
  // factor held but the U-key (its helper signs only logins and payments).
  Result<ChallengeInfo> SecurityChallenge(int64_t customer_id, Tool tool, std::string_view action);
  // Enrols a new dynamic token in place of the current one, once `answer` answers the
  // customer's security challenge `challenge_id`. Audited.
  Result<TotpEnrolment> ReplaceTotp(int64_t customer_id, std::string_view challenge_id,
                                    std::string_view answer);

  // A challenge bound to a payment's amount and payee, usable once for kChallengeTtlMs.
  Result<ChallengeInfo> PaymentChallenge(int64_t customer_id, Tool tool,
                                         const PaymentSubject& subject);
  // OK when `answer` answers challenge `id`, issued to this customer for exactly this
  // subject, unused and unexpired; it is then spent. Three wrong answers spend it too.
  Status VerifyPaymentChallenge(int64_t customer_id, std::string_view id,
                                const PaymentSubject& subject, std::string_view answer);

 private:
  struct Pending;
  Result<ChallengeInfo> IssueChallenge(store::SqlSession& sql, int64_t customer_id,
                                       std::string_view purpose, Tool tool,
                                       const std::string& subject, const std::string& id);
  Status Answer(store::SqlSession& sql, const Pending& pending, std::string_view answer);

  store::SqlDatabase& db_;
  CustomerService& customers_;
  SessionService& sessions_;
  const security::SecretBox& secrets_;
  const ukey::BankCa& ca_;
  const Clock& clock_;
  security::RandomSource& random_;
  security::PasswordHashCost cost_;
  std::string dummy_hash_;
};

// "138****8000".
std::string MaskMobile(std::string_view mobile);
// The text a payment challenge binds, compared when it is answered.
std::string SubjectText(const PaymentSubject& subject);

}  // namespace ebank::services
