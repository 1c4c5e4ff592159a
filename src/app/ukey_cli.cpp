#include "app/ukey_cli.h"

#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "core/hash.h"
#include "ukey/pkcs11_token.h"

namespace ebank::app {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "ukey: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int Ukey(const std::string& action, const UkeyOptions& options) {
  std::string pin;
  if (const char* from_env = std::getenv("EBANK_UKEY_PIN")) {
    pin = from_env;
  } else if (!std::getline(std::cin, pin)) {
    std::fprintf(stderr, "ukey: no PIN (EBANK_UKEY_PIN or one line on stdin)\n");
    return 2;
  }
  ukey::Pkcs11Token token(options.module, options.token_label);
  Status login = token.Login(pin);
  if (!login.ok()) return Fail(login);
  if (action == "keygen") {
    Status generated = token.GenerateKeyPair(options.key_label, options.key_label);
    if (!generated.ok()) return Fail(generated);
    auto key = token.PublicKey(options.key_label);
    if (!key.ok()) return Fail(key.status());
    PEM_write_PUBKEY(stdout, key->get());
    return 0;
  }
  if (action == "sign") {
    auto signature = token.Sign(options.key_label, options.text);
    if (!signature.ok()) return Fail(signature.status());
    std::printf("%s\n", HexEncode(*signature).c_str());
    return 0;
  }
  if (action == "store-certificate") {
    std::string der;
    if (!HexDecode(options.certificate_hex, &der)) {
      return Fail(
          Status::Invalid("invalid_certificate", "--certificate-hex is not lower-case hex"));
    }
    Status stored = token.StoreCertificate(options.key_label, der);
    if (!stored.ok()) return Fail(stored);
    return 0;
  }
  return Fail(Status::Invalid("unknown_action", action));
}

}  // namespace ebank::app
