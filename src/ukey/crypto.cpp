#include "ukey/crypto.h"

#include <openssl/err.h>

namespace ebank::ukey {

Result<X509Ptr> ParseCertificateDer(std::string_view der) {
  if (der.empty() || der.size() > kCertificateBytesMax) {
    return Status::Invalid("ukey_certificate_malformed",
                           "a certificate has 1 to " + std::to_string(kCertificateBytesMax) +
                               " bytes, not " + std::to_string(der.size()));
  }
  const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* cursor = begin;
  X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  // Trailing bytes would be covered by nobody's signature; refuse them rather than ignore.
  if (certificate == nullptr || cursor != begin + der.size()) {
    ERR_clear_error();
    return Status::Invalid("ukey_certificate_malformed", "not exactly one DER certificate");
  }
  return certificate;
}

Result<std::string> CertificateToDer(X509& certificate) {
  unsigned char* der = nullptr;
  int size = i2d_X509(&certificate, &der);
  if (size <= 0) return OpensslError("i2d_X509");
  std::string result(reinterpret_cast<char*>(der), size);
  OPENSSL_free(der);
  return result;
}

Status OpensslError(std::string_view what) {
  unsigned long error = ERR_get_error();
  std::string message(what);
  if (error != 0) {
    char text[256];
    ERR_error_string_n(error, text, sizeof(text));
    message += ": ";
    message += text;
  }
  ERR_clear_error();
  return Status::Internal("ukey_openssl_error", std::move(message));
}

}  // namespace ebank::ukey
