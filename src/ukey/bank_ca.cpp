#include "ukey/bank_ca.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <memory>

namespace ebank::ukey {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kSecondsPerDay = 24 * 3600;
// RFC 5280 allows serials of up to 20 bytes; 16 random bytes make collisions and guessing
// the next serial hopeless.
constexpr size_t kSerialBytes = 16;
constexpr char kOrganization[] = "ebank";

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct X509NameFree {
  void operator()(X509_NAME* name) const { X509_NAME_free(name); }
};
using X509NamePtr = std::unique_ptr<X509_NAME, X509NameFree>;

struct StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StoreContextFree {
  void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};
struct MdContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, size) : std::string();
}

bool IsP256Key(EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "EC") != 1) return false;
  std::array<char, 64> group{};
  size_t size = 0;
  return EVP_PKEY_get_utf8_string_param(&key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(),
                                        group.size(), &size) == 1 &&
         std::string_view(group.data(), size) == kP256GroupName;
}

// Letters, digits and '-' only: a customer number goes into a distinguished name and is
// shown on screens, where anything else invites confusion or injection.
bool IsCustomerNumber(std::string_view text) {
  if (text.empty() || text.size() > kCustomerNumberBytesMax) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// O=ebank, CN=`common_name`: X.500 names go from the most general part to the most specific,
// which RFC 2253 text reverses to "CN=...,O=ebank".
Result<X509NamePtr> MakeName(std::string_view common_name) {
  X509NamePtr name(X509_NAME_new());
  std::string common(common_name);
  if (name == nullptr ||
      X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(kOrganization), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(common.c_str()), -1, -1,
                                 0) != 1) {
    return OpensslError("cannot build a name");
  }
  return name;
}

Status SetRandomSerial(X509* certificate) {
  std::array<unsigned char, kSerialBytes> bytes{};
  // The bytes are read as an unsigned number, so all 128 bits are random and the serial is
  // positive, as RFC 5280 (4.1.2.2) requires; DER adds a zero byte when the top bit is set.
  // Zero, the one value a serial may not take, comes up once in 2^128 draws.
  BIGNUM* number = nullptr;
  do {
    BN_free(number);
    if (RAND_bytes(bytes.data(), bytes.size()) != 1) return OpensslError("RAND_bytes");
    number = BN_bin2bn(bytes.data(), bytes.size(), nullptr);
    if (number == nullptr) return OpensslError("BN_bin2bn");
  } while (BN_is_zero(number));
  bool ok = BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nullptr;
  BN_free(number);
  if (!ok) return OpensslError("cannot set the serial");
  return Status::Ok();
}

Status AddExtension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  bool ok = extension != nullptr && X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  if (!ok) return OpensslError(std::string("cannot add extension ") + value);
  return Status::Ok();
}

struct Extension {
  int nid;
  const char* value;
};

// The parts every certificate of this CA shares. `issuer` is null for the self-signed CA
// certificate. Extensions are added in order, so the subject key identifier must come
// before an authority key identifier that refers to it.
Result<X509Ptr> MakeCertificate(EVP_PKEY& subject_key, std::string_view common_name, X509* issuer,
                                EVP_PKEY& issuer_key, int64_t not_before_ms, int validity_days,
                                std::initializer_list<Extension> extensions) {
  X509Ptr certificate(X509_new());
  if (certificate == nullptr) return OpensslError("X509_new");
  auto name = MakeName(common_name);
  if (!name.ok()) return name.status();
  X509* issuer_certificate = issuer != nullptr ? issuer : certificate.get();
  time_t not_before_s = static_cast<time_t>(not_before_ms / kMsPerSecond);
  time_t not_after_s = not_before_s + static_cast<time_t>(validity_days) * kSecondsPerDay;
  if (X509_set_version(certificate.get(), X509_VERSION_3) != 1 ||
      X509_set_subject_name(certificate.get(), name->get()) != 1 ||
      X509_set_issuer_name(certificate.get(), X509_get_subject_name(issuer_certificate)) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(certificate.get()), not_before_s) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(certificate.get()), not_after_s) == nullptr ||
      X509_set_pubkey(certificate.get(), &subject_key) != 1) {
    return OpensslError("cannot fill the certificate");
  }
  EBANK_RETURN_IF_ERROR(SetRandomSerial(certificate.get()));
  for (const Extension& extension : extensions) {
    EBANK_RETURN_IF_ERROR(
        AddExtension(certificate.get(), issuer_certificate, extension.nid, extension.value));
  }
  if (X509_sign(certificate.get(), &issuer_key, EVP_sha256()) <= 0) {
    return OpensslError("X509_sign");
  }
  return certificate;
}

Status CheckValidity(int64_t not_before_ms, int validity_days) {
  if (not_before_ms < 0) {
    return Status::Invalid("ukey_validity_invalid", "validity starts before 1970");
  }
  if (validity_days < 1 || validity_days > kCertificateValidityDaysMax) {
    return Status::Invalid("ukey_validity_invalid",
                           "validity is 1 to " + std::to_string(kCertificateValidityDaysMax) +
                               " days, not " + std::to_string(validity_days));
  }
  return Status::Ok();
}

int64_t AsnTimeToMs(const ASN1_TIME* time) {
  struct tm parts {};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return 0;
  return static_cast<int64_t>(timegm(&parts)) * kMsPerSecond;
}

Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
  auto failed = [&](const char* step) {
    return Status::Internal("ukey_file_write_failed",
                            std::string(step) + " " + path + ": " + std::strerror(errno));
  };
  std::string temporary = path + ".tmp";
  // O_NOFOLLOW: a planted symbolic link must not redirect the key to somewhere readable.
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return failed("open");
  // The umask may have removed bits, and an old file keeps its mode; set it explicitly.
  if (::fchmod(fd, mode) != 0) {
    Status status = failed("fchmod");
    ::close(fd);
    return status;
  }
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status status = failed("write");
      ::close(fd);
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status status = failed("fsync");
    ::close(fd);
    return status;
  }
  if (::close(fd) != 0) return failed("close");
  if (::rename(temporary.c_str(), path.c_str()) != 0) return failed("rename");
  return Status::Ok();
}

// Reads a file of at most kPemFileBytesMax bytes; its mode goes to `mode`.
Result<std::string> ReadSmallFile(const std::string& path, mode_t* mode) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotFound("ukey_file_unreadable", path + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size < 0 ||
      static_cast<size_t>(info.st_size) > kPemFileBytesMax) {
    ::close(fd);
    return Status::Invalid("ukey_file_unreadable", path + " is missing or too large");
  }
  *mode = info.st_mode;
  std::string data(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

// PEM reading must never ask for a passphrase on the terminal; an encrypted key is refused.
int NoPassphrase(char*, int, int, void*) {
  return 0;
}

}  // namespace

Result<CertificateInfo> DescribeCertificate(std::string_view certificate_der) {
  auto certificate = ParseCertificateDer(certificate_der);
  if (!certificate.ok()) return certificate.status();
  X509* x509 = certificate->get();
  CertificateInfo info;

  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), nullptr);
  char* hex = serial != nullptr ? BN_bn2hex(serial) : nullptr;
  BN_free(serial);
  if (hex == nullptr) return OpensslError("cannot read the serial");
  info.serial_hex = hex;
  OPENSSL_free(hex);
  for (char& c : info.serial_hex)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  const X509_NAME* subject = X509_get_subject_name(x509);
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || X509_NAME_print_ex(bio.get(), subject, 0, XN_FLAG_RFC2253) < 0) {
    return OpensslError("cannot print the subject");
  }
  info.subject = BioContents(bio.get());

  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    unsigned char* utf8 = nullptr;
    int size =
        ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
    if (size < 0) return OpensslError("cannot read the common name");
    info.common_name.assign(reinterpret_cast<char*>(utf8), size);
    OPENSSL_free(utf8);
  }
  info.not_before_ms = AsnTimeToMs(X509_get0_notBefore(x509));
  info.not_after_ms = AsnTimeToMs(X509_get0_notAfter(x509));
  return info;
}

Status VerifySignature(std::string_view certificate_der, std::string_view message,
                       std::string_view signature_der) {
  auto certificate = ParseCertificateDer(certificate_der);
  if (!certificate.ok()) return certificate.status();
  if (signature_der.empty() || signature_der.size() > kSignatureBytesMax) {
    return Status::Rejected("ukey_signature_invalid",
                            "a signature has 1 to " + std::to_string(kSignatureBytesMax) +
                                " bytes, not " + std::to_string(signature_der.size()));
  }
  EVP_PKEY* key = X509_get0_pubkey(certificate->get());
  std::unique_ptr<EVP_MD_CTX, MdContextFree> context(EVP_MD_CTX_new());
  if (key == nullptr || context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return OpensslError("cannot start verifying");
  }
  // 1 is a good signature; 0 a bad one; below 0 a malformed one, which is just as bad.
  int verified = EVP_DigestVerify(
      context.get(), reinterpret_cast<const unsigned char*>(signature_der.data()),
      signature_der.size(), reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (verified != 1) {
    ERR_clear_error();
    return Status::Rejected("ukey_signature_invalid",
                            "the signature does not match the message and certificate");
  }
  return Status::Ok();
}

Result<BankCa> BankCa::Create(std::string_view name, int64_t now_ms, int validity_days) {
  if (name.empty() || name.size() > kCaNameBytesMax || !IsPrintableAscii(name)) {
    return Status::Invalid(
        "ukey_ca_name_invalid",
        "a CA name is 1 to " + std::to_string(kCaNameBytesMax) + " printable ASCII characters");
  }
  EBANK_RETURN_IF_ERROR(CheckValidity(now_ms, validity_days));
  EvpPkeyPtr key(EVP_EC_gen(kP256GroupName));
  if (key == nullptr) return OpensslError("cannot generate the CA key");
  auto certificate = MakeCertificate(*key, name, nullptr, *key, now_ms, validity_days,
                                     {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                      {NID_subject_key_identifier, "hash"},
                                      {NID_authority_key_identifier, "keyid:always"}});
  if (!certificate.ok()) return certificate.status();
  return BankCa(std::move(*certificate), std::move(key));
}

Result<BankCa> BankCa::Load(const std::string& certificate_path, const std::string& key_path) {
  mode_t certificate_mode = 0;
  mode_t key_mode = 0;
  auto certificate_pem = ReadSmallFile(certificate_path, &certificate_mode);
  if (!certificate_pem.ok()) return certificate_pem.status();
  auto key_pem = ReadSmallFile(key_path, &key_mode);
  if (!key_pem.ok()) return key_pem.status();
  // Whoever can read the key can issue certificates for any customer, as ssh refuses a
  // private key that others may read.
  if ((key_mode & (S_IRWXG | S_IRWXO)) != 0) {
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    return Status::Rejected("ukey_ca_key_exposed", key_path + " is readable by others");
  }
  BioPtr certificate_bio(
      BIO_new_mem_buf(certificate_pem->data(), static_cast<int>(certificate_pem->size())));
  X509Ptr certificate(certificate_bio
                          ? PEM_read_bio_X509(certificate_bio.get(), nullptr, NoPassphrase, nullptr)
                          : nullptr);
  BioPtr key_bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  EvpPkeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr)
                         : nullptr);
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  ERR_clear_error();
  if (certificate == nullptr || key == nullptr) {
    return Status::Invalid("ukey_ca_malformed", "cannot read the CA's PEM files");
  }
  uint32_t key_usage = X509_get_key_usage(certificate.get());
  if (X509_check_ca(certificate.get()) == 0 || (key_usage & KU_KEY_CERT_SIGN) == 0) {
    return Status::Invalid("ukey_ca_malformed", certificate_path + " is not a CA certificate");
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    return Status::Invalid("ukey_ca_malformed", "the CA key does not match its certificate");
  }
  return BankCa(std::move(certificate), std::move(key));
}

Status BankCa::Save(const std::string& certificate_path, const std::string& key_path) const {
  BioPtr certificate_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (certificate_bio == nullptr || key_bio == nullptr ||
      PEM_write_bio_X509(certificate_bio.get(), certificate_.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return OpensslError("cannot encode the CA as PEM");
  }
  std::string key_pem = BioContents(key_bio.get());
  Status status = WriteFileAtomically(key_path, key_pem, 0600);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  EBANK_RETURN_IF_ERROR(status);
  return WriteFileAtomically(certificate_path, BioContents(certificate_bio.get()), 0644);
}

Result<std::string> BankCa::IssueCustomerCertificate(EVP_PKEY& public_key,
                                                     std::string_view customer_number,
                                                     int64_t not_before_ms,
                                                     int validity_days) const {
  if (!IsCustomerNumber(customer_number)) {
    return Status::Invalid("ukey_customer_number_invalid",
                           "a customer number is 1 to " + std::to_string(kCustomerNumberBytesMax) +
                               " letters, digits or '-'");
  }
  EBANK_RETURN_IF_ERROR(CheckValidity(not_before_ms, validity_days));
  if (!IsP256Key(public_key)) {
    return Status::Invalid("ukey_key_unsupported", "U-key certificates are for P-256 keys only");
  }
  auto certificate = MakeCertificate(public_key, customer_number, certificate_.get(), *key_,
                                     not_before_ms, validity_days,
                                     {{NID_basic_constraints, "critical,CA:FALSE"},
                                      {NID_key_usage, "critical,digitalSignature"},
                                      {NID_subject_key_identifier, "hash"},
                                      {NID_authority_key_identifier, "keyid:always"}});
  if (!certificate.ok()) return certificate.status();
  return CertificateToDer(**certificate);
}

Status BankCa::VerifyCertificate(std::string_view certificate_der, int64_t at_ms) const {
  auto certificate = ParseCertificateDer(certificate_der);
  if (!certificate.ok()) return certificate.status();
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreContextFree> context(X509_STORE_CTX_new());
  if (store == nullptr || context == nullptr ||
      X509_STORE_add_cert(store.get(), certificate_.get()) != 1 ||
      X509_STORE_CTX_init(context.get(), store.get(), certificate->get(), nullptr) != 1) {
    return OpensslError("cannot set up verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at_ms / kMsPerSecond));
  // Our CA signs customers directly: no intermediate CA may appear in a chain.
  X509_VERIFY_PARAM_set_depth(param, 0);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  int verified = X509_verify_cert(context.get());
  int error = X509_STORE_CTX_get_error(context.get());
  ERR_clear_error();
  if (verified != 1) {
    std::string message = X509_verify_cert_error_string(error);
    if (X509_STORE_CTX_get_error_depth(context.get()) > 0) message = "CA certificate: " + message;
    switch (error) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return Status::Rejected("ukey_certificate_expired", std::move(message));
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return Status::Rejected("ukey_certificate_not_yet_valid", std::move(message));
      default:
        return Status::Rejected("ukey_certificate_untrusted", std::move(message));
    }
  }
  // The chain is good; now it must be a customer's signing certificate, not the CA's own.
  X509* leaf = certificate->get();
  bool has_key_usage = (X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0;
  if (X509_check_ca(leaf) != 0 || !has_key_usage ||
      (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE) == 0) {
    return Status::Rejected("ukey_certificate_untrusted", "not a customer signing certificate");
  }
  return Status::Ok();
}

Status BankCa::VerifySignedMessage(std::string_view certificate_der,
                                   std::string_view customer_number, std::string_view message,
                                   std::string_view signature_der, int64_t at_ms) const {
  EBANK_RETURN_IF_ERROR(VerifyCertificate(certificate_der, at_ms));
  auto info = DescribeCertificate(certificate_der);
  if (!info.ok()) return info.status();
  // A valid certificate of another customer must not authorise this customer's payment.
  if (info->common_name != customer_number) {
    return Status::Rejected("ukey_certificate_wrong_customer",
                            "the certificate belongs to customer " + info->common_name);
  }
  return VerifySignature(certificate_der, message, signature_der);
}

Result<std::string> BankCa::CertificateDer() const {
  return CertificateToDer(*certificate_);
}

}  // namespace ebank::ukey
