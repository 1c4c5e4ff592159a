// U-key tests against a real PKCS#11 token: SoftHSM2, made fresh for each test by
// scripts/softhsm-token.sh in a temporary folder and pointed to with SOFTHSM2_CONF.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/money.h"
#include "ukey/bank_ca.h"
#include "ukey/challenge.h"
#include "ukey/pkcs11_token.h"

namespace ebank::ukey {
namespace {

constexpr char kTokenLabel[] = "ebank test ukey";
constexpr char kSoPin[] = "87654321";
constexpr char kUserPin[] = "246810";
constexpr char kKeyLabel[] = "customer-1000001";
constexpr char kKeyId[] = "\x10\x00\x00\x01";
constexpr char kCustomer[] = "1000001";
constexpr char kCaName[] = "ebank U-key CA";
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
// 2026-01-01T00:00:00Z: a fixed "now", so that validity checks do not depend on the clock.
constexpr int64_t kNowMs = 1767225600000;

std::string KeyId() {
  return std::string(kKeyId, sizeof(kKeyId) - 1);
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ebank-ukey.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

// Runs scripts/softhsm-token.sh with `arguments` (already quoted); its stdout, or nullopt
// when it fails.
std::optional<std::string> RunTokenScript(const std::string& arguments) {
  std::string command = std::string("'") + EBANK_SOFTHSM_TOKEN_SCRIPT + "' " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[256];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe))
    output.append(buffer, n);
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return output;
}

Challenge PaymentChallenge() {
  return Challenge{"ch-20260101-0001", Money(Currency::Cny(), 10000), "6222020200001234567",
                   "00112233445566778899aabbccddeeff"};
}

std::string TextOf(const Challenge& challenge) {
  auto text = ChallengeText(challenge);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

// Verifies with OpenSSL directly, so the round trip does not rest on VerifySignature alone.
bool OpensslVerifies(EVP_PKEY* key, const std::string& message, const std::string& signature) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(
                context, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(context);
  return ok;
}

class UkeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    token_dir_ = dir_ + "/softhsm";
    std::string conf = token_dir_ + "/softhsm2.conf";
    std::string arguments =
        "init '" + token_dir_ + "' '" + kTokenLabel + "' " + kSoPin + " " + kUserPin;
    auto output = RunTokenScript(arguments);
    ASSERT_TRUE(output.has_value());
    ASSERT_EQ(*output, "SOFTHSM2_CONF=" + conf + "\n");
    // A second init finds the token and leaves it alone.
    ASSERT_EQ(RunTokenScript(arguments), output);
    // SoftHSM2 reads its configuration in C_Initialize, which runs on the first Login.
    ASSERT_EQ(setenv("SOFTHSM2_CONF", conf.c_str(), 1), 0);

    auto ca = BankCa::Create(kCaName, kNowMs - 365 * kDayMs, 10 * 365);
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_.emplace(std::move(*ca));
  }

  void TearDown() override {
    // The module must be finalized before its token folder goes.
    token_.reset();
    unsetenv("SOFTHSM2_CONF");
    EXPECT_TRUE(RunTokenScript("remove '" + token_dir_ + "'").has_value());
    EXPECT_FALSE(std::filesystem::exists(token_dir_));
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  Pkcs11Token& Token() {
    if (token_ == nullptr) token_ = std::make_unique<Pkcs11Token>(kSoftHsmModulePath, kTokenLabel);
    return *token_;
  }

  // Logs in, makes the key pair and stores a certificate from `ca` valid for a year from
  // `not_before_ms`. Returns the certificate.
  std::string EnrolCustomer(const BankCa& ca, int64_t not_before_ms, int validity_days = 365) {
    Pkcs11Token& token = Token();
    Status login = token.Login(kUserPin);
    EXPECT_TRUE(login.ok()) << login.ToString();
    Status generated = token.GenerateKeyPair(kKeyLabel, KeyId());
    EXPECT_TRUE(generated.ok()) << generated.ToString();
    auto public_key = token.PublicKey(kKeyLabel);
    EXPECT_TRUE(public_key.ok()) << public_key.status().ToString();
    if (!public_key.ok()) return "";
    auto certificate =
        ca.IssueCustomerCertificate(**public_key, kCustomer, not_before_ms, validity_days);
    EXPECT_TRUE(certificate.ok()) << certificate.status().ToString();
    if (!certificate.ok()) return "";
    Status stored = token.StoreCertificate(kKeyLabel, *certificate);
    EXPECT_TRUE(stored.ok()) << stored.ToString();
    return *certificate;
  }

  std::string dir_;
  std::string token_dir_;
  std::optional<BankCa> ca_;
  std::unique_ptr<Pkcs11Token> token_;
};

TEST_F(UkeyTest, ChallengeSignedOnTheTokenVerifiesWithTheIssuedCertificate) {
  std::string certificate = EnrolCustomer(*ca_, kNowMs - kDayMs);
  ASSERT_FALSE(certificate.empty());
  std::string text = TextOf(PaymentChallenge());
  auto signature = Token().Sign(kKeyLabel, text);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();

  // The certificate on the token is the one issued, with the key pair's CKA_ID.
  auto stored = Token().Certificate(kKeyLabel);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(*stored, certificate);
  EXPECT_EQ(*Token().Attribute(ObjectClass::kCertificate, kKeyLabel, CKA_ID), KeyId());

  Status verified = ca_->VerifySignedMessage(*stored, kCustomer, text, *signature, kNowMs);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  auto public_key = Token().PublicKey(kKeyLabel);
  ASSERT_TRUE(public_key.ok());
  EXPECT_TRUE(OpensslVerifies(public_key->get(), text, *signature));

  auto info = DescribeCertificate(certificate);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->subject, "CN=1000001,O=ebank");
  EXPECT_EQ(info->common_name, kCustomer);
  EXPECT_EQ(info->not_before_ms, kNowMs - kDayMs);
  EXPECT_EQ(info->not_after_ms, kNowMs + 364 * kDayMs);
  // 128 random bits print as 32 hex digits, or a few fewer when they start with zeros.
  EXPECT_GE(info->serial_hex.size(), 24u);
  EXPECT_LE(info->serial_hex.size(), 32u);
  EXPECT_EQ(info->serial_hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto again = ca_->IssueCustomerCertificate(**public_key, kCustomer, kNowMs, 365);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(DescribeCertificate(*again)->serial_hex, info->serial_hex);

  // The objects live on the token: a new session of a freshly loaded module finds them by
  // label, and its signature verifies too.
  token_.reset();
  Pkcs11Token reopened(kSoftHsmModulePath, kTokenLabel);
  ASSERT_TRUE(reopened.Login(kUserPin).ok());
  EXPECT_EQ(*reopened.Certificate(kKeyLabel), certificate);
  auto second = reopened.Sign(kKeyLabel, text);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(ca_->VerifySignedMessage(certificate, kCustomer, text, *second, kNowMs).ok());
}

TEST_F(UkeyTest, SignatureDoesNotCoverAChangedAmountOrPayee) {
  std::string certificate = EnrolCustomer(*ca_, kNowMs - kDayMs);
  Challenge challenge = PaymentChallenge();
  std::string text = TextOf(challenge);
  auto signature = Token().Sign(kKeyLabel, text);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  ASSERT_TRUE(ca_->VerifySignedMessage(certificate, kCustomer, text, *signature, kNowMs).ok());

  Challenge more = challenge;
  more.amount = Money(Currency::Cny(), 10001);
  Status status =
      ca_->VerifySignedMessage(certificate, kCustomer, TextOf(more), *signature, kNowMs);
  EXPECT_EQ(status.reason(), "ukey_signature_invalid") << status.ToString();

  Challenge elsewhere = challenge;
  elsewhere.payee = "6222020200007654321";
  status = ca_->VerifySignedMessage(certificate, kCustomer, TextOf(elsewhere), *signature, kNowMs);
  EXPECT_EQ(status.reason(), "ukey_signature_invalid") << status.ToString();

  Challenge dollars = challenge;
  dollars.amount = Money(Currency::Usd(), 10000);
  status = ca_->VerifySignedMessage(certificate, kCustomer, TextOf(dollars), *signature, kNowMs);
  EXPECT_EQ(status.reason(), "ukey_signature_invalid") << status.ToString();

  // A flipped bit in the signature, and a signature by another key of the same token.
  std::string flipped = *signature;
  flipped[flipped.size() - 1] ^= 0x01;
  EXPECT_EQ(VerifySignature(certificate, text, flipped).reason(), "ukey_signature_invalid");
  ASSERT_TRUE(Token().GenerateKeyPair("other-key", "\x02").ok());
  auto other = Token().Sign("other-key", text);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(VerifySignature(certificate, text, *other).reason(), "ukey_signature_invalid");

  // A good signature with a certificate of another customer does not authorise this one.
  EXPECT_EQ(ca_->VerifySignedMessage(certificate, "1000002", text, *signature, kNowMs).reason(),
            "ukey_certificate_wrong_customer");
}

TEST_F(UkeyTest, WrongPinIsRejectedAndTheRightOneStillWorks) {
  Pkcs11Token& token = Token();
  Status status = token.Login("135790");
  EXPECT_EQ(status.code(), Code::kRejected);
  EXPECT_EQ(status.reason(), "ukey_pin_incorrect");
  EXPECT_NE(status.message().find("C_Login"), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find("CKR_PIN_INCORRECT"), std::string::npos) << status.ToString();
  EXPECT_FALSE(token.logged_in());
  EXPECT_EQ(token.Sign(kKeyLabel, "x").status().reason(), "ukey_not_logged_in");

  Status login = token.Login(kUserPin);
  EXPECT_TRUE(login.ok()) << login.ToString();
  EXPECT_TRUE(token.logged_in());
  EXPECT_EQ(token.Sign(kKeyLabel, "x").status().reason(), "ukey_object_not_found");

  Pkcs11Token missing(kSoftHsmModulePath, "no such token");
  EXPECT_EQ(missing.Login(kUserPin).reason(), "ukey_token_not_found");
  Pkcs11Token no_module("/nonexistent/libpkcs11.so", kTokenLabel);
  EXPECT_EQ(no_module.Login(kUserPin).reason(), "ukey_module_load_failed");
}

TEST_F(UkeyTest, CertificateFromAnotherCaIsRefused) {
  // Same name, different key: only the signature on the certificate tells them apart.
  auto impostor = BankCa::Create(kCaName, kNowMs - 365 * kDayMs, 10 * 365);
  ASSERT_TRUE(impostor.ok());
  std::string certificate = EnrolCustomer(*impostor, kNowMs - kDayMs);
  ASSERT_FALSE(certificate.empty());
  std::string text = TextOf(PaymentChallenge());
  auto signature = Token().Sign(kKeyLabel, text);
  ASSERT_TRUE(signature.ok());

  EXPECT_TRUE(impostor->VerifyCertificate(certificate, kNowMs).ok());
  EXPECT_TRUE(VerifySignature(certificate, text, *signature).ok());
  Status status = ca_->VerifyCertificate(certificate, kNowMs);
  EXPECT_EQ(status.reason(), "ukey_certificate_untrusted") << status.ToString();
  status = ca_->VerifySignedMessage(certificate, kCustomer, text, *signature, kNowMs);
  EXPECT_EQ(status.reason(), "ukey_certificate_untrusted") << status.ToString();

  // Neither is the CA's own certificate a customer's, though it chains to itself.
  auto ca_certificate = ca_->CertificateDer();
  ASSERT_TRUE(ca_certificate.ok());
  EXPECT_EQ(ca_->VerifyCertificate(*ca_certificate, kNowMs).reason(), "ukey_certificate_untrusted");
  EXPECT_EQ(ca_->VerifyCertificate("not a certificate", kNowMs).reason(),
            "ukey_certificate_malformed");
}

TEST_F(UkeyTest, CertificateOutsideItsValidityIsRefused) {
  // Issued for ten days a month ago.
  std::string expired = EnrolCustomer(*ca_, kNowMs - 30 * kDayMs, 10);
  ASSERT_FALSE(expired.empty());
  std::string text = TextOf(PaymentChallenge());
  auto signature = Token().Sign(kKeyLabel, text);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(ca_->VerifyCertificate(expired, kNowMs - 25 * kDayMs).ok());
  EXPECT_EQ(ca_->VerifyCertificate(expired, kNowMs).reason(), "ukey_certificate_expired");
  EXPECT_EQ(ca_->VerifySignedMessage(expired, kCustomer, text, *signature, kNowMs).reason(),
            "ukey_certificate_expired");

  auto public_key = Token().PublicKey(kKeyLabel);
  ASSERT_TRUE(public_key.ok());
  auto current = ca_->IssueCustomerCertificate(**public_key, kCustomer, kNowMs - kDayMs, 365);
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(ca_->VerifyCertificate(*current, kNowMs).ok());
  EXPECT_EQ(ca_->VerifyCertificate(*current, kNowMs + 400 * kDayMs).reason(),
            "ukey_certificate_expired");
  EXPECT_EQ(ca_->VerifyCertificate(*current, kNowMs - 2 * kDayMs).reason(),
            "ukey_certificate_not_yet_valid");

  // A customer certificate outlives its CA's: refused once the CA has expired.
  auto short_ca = BankCa::Create(kCaName, kNowMs - 3 * kDayMs, 2);
  ASSERT_TRUE(short_ca.ok());
  auto orphan = short_ca->IssueCustomerCertificate(**public_key, kCustomer, kNowMs - kDayMs, 365);
  ASSERT_TRUE(orphan.ok());
  Status status = short_ca->VerifyCertificate(*orphan, kNowMs);
  EXPECT_EQ(status.reason(), "ukey_certificate_expired");
  EXPECT_NE(status.message().find("CA certificate"), std::string::npos) << status.ToString();
}

TEST_F(UkeyTest, PrivateKeyNeverLeavesTheToken) {
  ASSERT_FALSE(EnrolCustomer(*ca_, kNowMs - kDayMs).empty());
  Pkcs11Token& token = Token();
  auto value = token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_VALUE);
  ASSERT_FALSE(value.ok()) << "the token revealed " << value->size() << " bytes of private key";
  EXPECT_EQ(value.status().reason(), "ukey_attribute_sensitive") << value.status().ToString();

  EXPECT_EQ(*token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_SENSITIVE),
            std::string(1, CK_TRUE));
  EXPECT_EQ(*token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_EXTRACTABLE),
            std::string(1, CK_FALSE));
  EXPECT_EQ(*token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_ALWAYS_SENSITIVE),
            std::string(1, CK_TRUE));
  EXPECT_EQ(*token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_NEVER_EXTRACTABLE),
            std::string(1, CK_TRUE));
  EXPECT_EQ(*token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_DECRYPT),
            std::string(1, CK_FALSE));
  // The same call reads what is not secret: the id, and the public point (a DER OCTET
  // STRING of 65 bytes).
  EXPECT_EQ(*token.Attribute(ObjectClass::kPrivateKey, kKeyLabel, CKA_ID), KeyId());
  auto point = token.Attribute(ObjectClass::kPublicKey, kKeyLabel, CKA_EC_POINT);
  ASSERT_TRUE(point.ok()) << point.status().ToString();
  EXPECT_EQ(point->size(), 67u);
}

TEST_F(UkeyTest, LabelsNameOneKeyPairAndItsOwnCertificate) {
  std::string certificate = EnrolCustomer(*ca_, kNowMs - kDayMs);
  ASSERT_FALSE(certificate.empty());
  Pkcs11Token& token = Token();
  EXPECT_EQ(token.GenerateKeyPair(kKeyLabel, "\x03").reason(), "ukey_label_taken");
  EXPECT_EQ(token.StoreCertificate(kKeyLabel, certificate).reason(), "ukey_label_taken");
  // A certificate for this key may not sit next to another key.
  ASSERT_TRUE(token.GenerateKeyPair("second", "\x04").ok());
  EXPECT_EQ(token.StoreCertificate("second", certificate).reason(),
            "ukey_certificate_key_mismatch");
  EXPECT_EQ(token.Certificate("second").status().reason(), "ukey_object_not_found");
  EXPECT_EQ(token.GenerateKeyPair("", "\x05").reason(), "ukey_label_malformed");
  EXPECT_EQ(token.GenerateKeyPair("third", "").reason(), "ukey_id_malformed");
}

TEST(Pkcs11Status, NamesTheFunctionAndTheCode) {
  // SoftHSM2 never locks a PIN, so the locked case is checked here rather than on the token.
  Status locked = Pkcs11Status("C_Login", CKR_PIN_LOCKED);
  EXPECT_EQ(locked.code(), Code::kRejected);
  EXPECT_EQ(locked.reason(), "ukey_pin_locked");
  EXPECT_EQ(locked.message(), "C_Login: CKR_PIN_LOCKED (0xa4)");
  EXPECT_EQ(Pkcs11Status("C_Login", CKR_PIN_INCORRECT).reason(), "ukey_pin_incorrect");
  EXPECT_EQ(Pkcs11Status("C_Sign", CKR_DEVICE_REMOVED).code(), Code::kUnavailable);
  Status unknown = Pkcs11Status("C_Sign", 0x12345);
  EXPECT_EQ(unknown.code(), Code::kInternal);
  EXPECT_EQ(unknown.reason(), "ukey_pkcs11_error");
  EXPECT_EQ(unknown.message(), "C_Sign: CKR_0x12345 (0x12345)");
}

TEST(BankCa, SavesAndLoadsWithAPrivateKeyFile) {
  std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  std::string certificate_path = dir + "/ca.pem";
  std::string key_path = dir + "/ca.key";
  auto ca = BankCa::Create(kCaName, kNowMs, 3650);
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  ASSERT_TRUE(ca->Save(certificate_path, key_path).ok());
  struct stat info {};
  ASSERT_EQ(stat(key_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  auto loaded = BankCa::Load(certificate_path, key_path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded->CertificateDer(), *ca->CertificateDer());
  EvpPkeyPtr customer_key(EVP_EC_gen("P-256"));
  auto certificate = loaded->IssueCustomerCertificate(*customer_key, kCustomer, kNowMs, 30);
  ASSERT_TRUE(certificate.ok()) << certificate.status().ToString();
  EXPECT_TRUE(ca->VerifyCertificate(*certificate, kNowMs + kDayMs).ok());

  ASSERT_EQ(chmod(key_path.c_str(), 0640), 0);
  EXPECT_EQ(BankCa::Load(certificate_path, key_path).status().reason(), "ukey_ca_key_exposed");
  ASSERT_EQ(chmod(key_path.c_str(), 0600), 0);
  auto other = BankCa::Create(kCaName, kNowMs, 3650);
  ASSERT_TRUE(other->Save(dir + "/other.pem", dir + "/other.key").ok());
  EXPECT_EQ(BankCa::Load(certificate_path, dir + "/other.key").status().reason(),
            "ukey_ca_malformed");
  EXPECT_EQ(BankCa::Load(dir + "/missing.pem", key_path).status().reason(), "ukey_file_unreadable");
  std::filesystem::remove_all(dir);
}

TEST(BankCa, RefusesWhatItMustNotCertify) {
  auto ca = BankCa::Create(kCaName, kNowMs, 3650);
  ASSERT_TRUE(ca.ok());
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  EXPECT_EQ(ca->IssueCustomerCertificate(*key, "10 01", kNowMs, 30).status().reason(),
            "ukey_customer_number_invalid");
  EXPECT_EQ(ca->IssueCustomerCertificate(*key, "", kNowMs, 30).status().reason(),
            "ukey_customer_number_invalid");
  EXPECT_EQ(ca->IssueCustomerCertificate(*key, kCustomer, kNowMs, 0).status().reason(),
            "ukey_validity_invalid");
  EvpPkeyPtr p384(EVP_EC_gen("secp384r1"));
  EXPECT_EQ(ca->IssueCustomerCertificate(*p384, kCustomer, kNowMs, 30).status().reason(),
            "ukey_key_unsupported");
  EXPECT_EQ(BankCa::Create("", kNowMs, 30).status().reason(), "ukey_ca_name_invalid");
}

TEST(Challenge, BuildsAndParsesTheCanonicalText) {
  Challenge challenge = PaymentChallenge();
  auto text = ChallengeText(challenge);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text,
            "ebank-sca-v1|challenge=ch-20260101-0001|amount=100.00|currency=CNY|"
            "payee=6222020200001234567|nonce=00112233445566778899aabbccddeeff");
  auto parsed = ParseChallengeText(*text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, challenge);

  Challenge gold{"g_1", Money(Currency::Xau(), 31103), "gl:vault:XAU", std::string(64, 'a')};
  EXPECT_EQ(ParseChallengeText(*ChallengeText(gold)).value(), gold);
  EXPECT_NE(ChallengeText(gold)->find("|amount=31.103|currency=XAU|"), std::string::npos);
}

TEST(Challenge, AnyChangeOfAmountOrPayeeChangesTheText) {
  Challenge challenge = PaymentChallenge();
  std::string text = *ChallengeText(challenge);
  Challenge changed = challenge;
  changed.amount = Money(Currency::Cny(), 10001);
  EXPECT_NE(*ChallengeText(changed), text);
  changed = challenge;
  changed.amount = Money(*Currency::Parse("HKD"), 10000);
  EXPECT_NE(*ChallengeText(changed), text);
  changed = challenge;
  changed.payee += "8";
  EXPECT_NE(*ChallengeText(changed), text);
}

TEST(Challenge, RefusesEveryOtherSpelling) {
  const std::string head = "ebank-sca-v1|challenge=c1|amount=";
  const std::string nonce = "|nonce=00112233445566778899aabbccddeeff";
  std::string good = head + "100.00|currency=CNY|payee=62220" + nonce;
  ASSERT_TRUE(ParseChallengeText(good).ok()) << ParseChallengeText(good).status().ToString();
  for (const std::string& text : {
           head + "100|currency=CNY|payee=62220" + nonce,
           head + "100.0|currency=CNY|payee=62220" + nonce,
           head + "0100.00|currency=CNY|payee=62220" + nonce,
           head + "0.00|currency=CNY|payee=62220" + nonce,
           head + "-1.00|currency=CNY|payee=62220" + nonce,
           head + "100.00|currency=cny|payee=62220" + nonce,
           head + "100.00|currency=CNY|payee=622 20" + nonce,
           head + "100.00|currency=CNY|payee=" + nonce,
           head + "100.00|currency=CNY|payee=62220|nonce=00112233445566778899AABBCCDDEEFF",
           head + "100.00|currency=CNY|payee=62220|nonce=0011223344556677",
           head + "100.00|currency=CNY|payee=62220" + nonce + "|memo=x",
           head + "100.00|payee=62220|currency=CNY" + nonce,
           good + "\n",
           "ebank-sca-v2" + good.substr(12),
           "ebank-sca-v1|challenge=|amount=100.00|currency=CNY|payee=62220" + nonce,
           std::string(),
       }) {
    auto parsed = ParseChallengeText(text);
    EXPECT_FALSE(parsed.ok()) << "'" << text << "' was accepted";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().reason(), "ukey_challenge_malformed");
    }
  }
  Challenge zero = PaymentChallenge();
  zero.amount = Money(Currency::Cny(), 0);
  EXPECT_EQ(ChallengeText(zero).status().reason(), "ukey_challenge_malformed");
}

}  // namespace
}  // namespace ebank::ukey
