// OpenSSL objects and the conversions that both the token (which reads public keys and
// stores certificates) and the bank's CA (which makes them) need.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ebank::ukey {

// OpenSSL's name of the only curve U-keys use here, NIST P-256 (secp256r1).
inline constexpr char kP256GroupName[] = "prime256v1";

// The largest DER certificate accepted anywhere; ours are about 500 bytes.
inline constexpr size_t kCertificateBytesMax = 8 * 1024;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Exactly one DER certificate of at most kCertificateBytesMax bytes, with nothing after it;
// invalid/ukey_certificate_malformed otherwise.
Result<X509Ptr> ParseCertificateDer(std::string_view der);

// The DER encoding of `certificate`.
Result<std::string> CertificateToDer(X509& certificate);

// internal/ukey_openssl_error naming `what` and the first error on OpenSSL's thread-local
// queue, which it empties so that the error is not reported again by unrelated code.
Status OpensslError(std::string_view what);

}  // namespace ebank::ukey
