// The bank's own certificate authority for U-keys, on OpenSSL 3.
//
// When a customer receives a U-key, the token makes a key pair and the bank certifies its
// public key: an X.509 certificate with subject CN=<customer number>, O=ebank, signed by
// this CA. Later the bank trusts a signature from a U-key only when the certificate was
// issued by this CA, is within its validity and names the customer, and the signature
// verifies with the certificate's key (VerifySignedMessage does all of it).
//
// The CA key here is a P-256 key in a PEM file (mode 0600). A production CA keeps its key in
// an HSM; this class is the part of the CA that does not depend on where the key lives.
//
// Times are milliseconds since the Unix epoch, as from core/clock.h, and are passed in so
// that tests can issue certificates in the past and check them in the future.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "ukey/crypto.h"

namespace ebank::ukey {

// Limits.
inline constexpr int kCertificateValidityDaysMax = 20 * 366;
inline constexpr size_t kCustomerNumberBytesMax = 32;
inline constexpr size_t kCaNameBytesMax = 64;
inline constexpr size_t kPemFileBytesMax = 64 * 1024;
// A DER ECDSA P-256 signature: SEQUENCE of two INTEGERs of up to 33 bytes each.
inline constexpr size_t kSignatureBytesMax = 72;

// What a certificate says, for display and for matching the customer.
struct CertificateInfo {
  std::string serial_hex;   // Lower case, no leading zeros: "3f09...".
  std::string subject;      // "CN=1000001,O=ebank".
  std::string common_name;  // The customer number for a customer certificate.
  int64_t not_before_ms = 0;
  int64_t not_after_ms = 0;
};

// Reads a DER certificate; invalid/ukey_certificate_malformed when it is not exactly one.
Result<CertificateInfo> DescribeCertificate(std::string_view certificate_der);

// Checks a DER ECDSA-with-SHA-256 signature over `message` with the public key in
// `certificate_der`. rejected/ukey_signature_invalid when it does not verify. It does not
// check who issued the certificate: see BankCa::VerifySignedMessage.
Status VerifySignature(std::string_view certificate_der, std::string_view message,
                       std::string_view signature_der);

// A CA: its certificate and private key. Immutable once made, so its const methods may be
// called from several threads at once.
class BankCa final {
 public:
  // A new CA with a fresh P-256 key and a self-signed v3 certificate (CN=`name`, O=ebank,
  // CA:TRUE, keyCertSign) valid for `validity_days` from `now_ms`.
  static Result<BankCa> Create(std::string_view name, int64_t now_ms, int validity_days);

  // Reads a CA written by Save. Refuses a key file that others may read
  // (rejected/ukey_ca_key_exposed), a key that does not match the certificate and a
  // certificate that is not a CA's.
  static Result<BankCa> Load(const std::string& certificate_path, const std::string& key_path);

  // Writes the certificate (mode 0644) and the unencrypted private key (mode 0600) as PEM,
  // replacing existing files.
  Status Save(const std::string& certificate_path, const std::string& key_path) const;

  // Certifies a customer's U-key public key (P-256 only): subject CN=`customer_number`,
  // O=ebank, a random positive 128-bit serial, keyUsage digitalSignature, valid for
  // `validity_days` from `not_before_ms`. Returns the DER certificate. A customer number is
  // 1 to kCustomerNumberBytesMax ASCII letters, digits or '-'.
  Result<std::string> IssueCustomerCertificate(EVP_PKEY& public_key,
                                               std::string_view customer_number,
                                               int64_t not_before_ms, int validity_days) const;

  // OK when `certificate_der` is a customer certificate this CA issued and both it and the
  // CA certificate are valid at `at_ms`. Otherwise rejected with reason
  // ukey_certificate_expired, ukey_certificate_not_yet_valid, ukey_certificate_untrusted
  // (another issuer, a bad signature, or not a signing certificate) or invalid/
  // ukey_certificate_malformed.
  Status VerifyCertificate(std::string_view certificate_der, int64_t at_ms) const;

  // The whole check before the bank acts on a signed challenge: VerifyCertificate, then
  // the certificate's common name must be `customer_number`
  // (rejected/ukey_certificate_wrong_customer), then VerifySignature.
  Status VerifySignedMessage(std::string_view certificate_der, std::string_view customer_number,
                             std::string_view message, std::string_view signature_der,
                             int64_t at_ms) const;

  // The CA certificate, DER, for customers' devices that show who issued their U-key.
  Result<std::string> CertificateDer() const;

 private:
  BankCa(X509Ptr certificate, EvpPkeyPtr key)
      : certificate_(std::move(certificate)), key_(std::move(key)) {}

  X509Ptr certificate_;
  EvpPkeyPtr key_;
};

}  // namespace ebank::ukey
