#include "security/password_transport.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace ebank::security {
namespace {

constexpr std::string_view kPassword = "Demo#2026";

class PasswordTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = PasswordTransport::Generate(clock_, random_);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    transport_ = std::move(*made);
  }

  // A ciphertext made as WebCrypto makes it: RSA-OAEP, SHA-256 for OAEP and MGF1, no label.
  // Written out here rather than through EncryptPasswordForTransport, so that a mistake in
  // the library's own encryption cannot hide one in its decryption.
  std::string Encrypt(std::string_view plaintext) {
    const auto* der = reinterpret_cast<const unsigned char*>(transport_->spki_der().data());
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &der, static_cast<long>(transport_->spki_der().size()));
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new(key, nullptr);
    EXPECT_GT(EVP_PKEY_encrypt_init(context), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()), 0);
    EXPECT_GT(EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()), 0);
    std::string out(256, '\0');
    size_t length = out.size();
    EXPECT_GT(EVP_PKEY_encrypt(context, reinterpret_cast<unsigned char*>(out.data()), &length,
                               reinterpret_cast<const unsigned char*>(plaintext.data()),
                               plaintext.size()),
              0);
    EVP_PKEY_CTX_free(context);
    EVP_PKEY_free(key);
    out.resize(length);
    std::string text(4 * ((out.size() + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                    reinterpret_cast<const unsigned char*>(out.data()),
                    static_cast<int>(out.size()));
    return text;
  }

  std::string EncryptWithNonce(const std::string& nonce) {
    return Encrypt(R"({"password":"Demo#2026","nonce":")" + nonce + R"("})");
  }

  std::string Reason(const Result<std::string>& result) { return result.status().reason(); }

  ManualClock clock_{1'767'225'600'000};
  SeededRandom random_{9};
  std::unique_ptr<PasswordTransport> transport_;
};

TEST_F(PasswordTransportTest, OffersTheKeyAndOpensWhatWebCryptoWouldSend) {
  PasswordKeyOffer offer = transport_->Offer();
  EXPECT_EQ(offer.key_id, transport_->key_id());
  EXPECT_EQ(offer.key_id.size(), 16u);
  EXPECT_EQ(offer.algorithm, "RSA-OAEP-256");
  EXPECT_EQ(offer.nonce_expires_at_ms, clock_.NowMs() + PasswordTransport::kNonceLifetimeMs);
  EXPECT_NE(transport_->Offer().nonce, offer.nonce);
  auto opened = transport_->Open(offer.key_id, EncryptWithNonce(offer.nonce));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, kPassword);
  // The library's own helper (for API clients and the HTTP test) agrees.
  PasswordKeyOffer second = transport_->Offer();
  auto sealed = EncryptPasswordForTransport(transport_->spki_der(), "a\"b\\c密码", second.nonce);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*transport_->Open(second.key_id, *sealed), "a\"b\\c密码");
}

TEST_F(PasswordTransportTest, ANonceWorksOnceAndOnlyUntilItExpires) {
  PasswordKeyOffer offer = transport_->Offer();
  std::string ciphertext = EncryptWithNonce(offer.nonce);
  ASSERT_TRUE(transport_->Open(offer.key_id, ciphertext).ok());
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, ciphertext)), "password_nonce_reused");
  // Another encryption of the same nonce is the same replay.
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, EncryptWithNonce(offer.nonce))),
            "password_nonce_reused");

  PasswordKeyOffer late = transport_->Offer();
  clock_.Advance(PasswordTransport::kNonceLifetimeMs - 1);
  PasswordKeyOffer fresh = transport_->Offer();
  clock_.Advance(1);
  EXPECT_EQ(Reason(transport_->Open(late.key_id, EncryptWithNonce(late.nonce))),
            "password_nonce_expired");
  // The used one has expired too and is refused by its expiry once forgotten.
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, ciphertext)), "password_nonce_expired");
  EXPECT_TRUE(transport_->Open(fresh.key_id, EncryptWithNonce(fresh.nonce)).ok());
}

TEST_F(PasswordTransportTest, RefusesOtherKeysTamperingAndMadeUpNonces) {
  PasswordKeyOffer offer = transport_->Offer();
  std::string ciphertext = EncryptWithNonce(offer.nonce);
  EXPECT_EQ(Reason(transport_->Open("0000000000000000", ciphertext)), "password_key_unknown");

  std::string tampered = ciphertext;
  tampered[100] = tampered[100] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, tampered)), "password_undecryptable");
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, "")), "password_undecryptable");
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, "not base64!")), "password_undecryptable");
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, ciphertext.substr(0, 340))),
            "password_undecryptable");
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, std::string(4000, 'A'))),
            "password_undecryptable");
  // Decrypts, but not to the expected JSON.
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, Encrypt(kPassword))), "password_undecryptable");
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, Encrypt(R"({"password":"x"})"))),
            "password_undecryptable");

  // A nonce this key did not issue, one with its expiry moved, and another key's.
  std::string forged = offer.nonce;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, EncryptWithNonce(forged))),
            "password_nonce_invalid");
  std::string moved = offer.nonce;
  moved[25] = moved[25] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, EncryptWithNonce(moved))),
            "password_nonce_invalid");
  auto other = PasswordTransport::Generate(clock_, random_);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Reason(transport_->Open(offer.key_id, EncryptWithNonce((*other)->Offer().nonce))),
            "password_nonce_invalid");
  // None of the refusals used the nonce up.
  EXPECT_TRUE(transport_->Open(offer.key_id, ciphertext).ok());
}

TEST(PasswordTransportFile, CreatesThePrivateKeyOnceReadableOnlyByTheOwner) {
  std::string dir = ::testing::TempDir() + "password-transport-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::string file = dir + "/login-key.pem";
  ManualClock clock(1'767'225'600'000);
  SeededRandom random(1);
  auto created = PasswordTransport::LoadOrCreate(file, clock, random);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  auto loaded = PasswordTransport::LoadOrCreate(file, clock, random);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->key_id(), (*created)->key_id());
  // A nonce issued by one process is accepted by another sharing the key file.
  PasswordKeyOffer offer = (*created)->Offer();
  auto sealed = EncryptPasswordForTransport((*created)->spki_der(), kPassword, offer.nonce);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*(*loaded)->Open(offer.key_id, *sealed), kPassword);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ebank::security
