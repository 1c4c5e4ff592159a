#include "app/ukey_cli.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "core/hash.h"
#include "ukey/pkcs11_token.h"

namespace ebank::app {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "ukey: %s\n", status.ToString().c_str());
  return 1;
}

void StripLineEnd(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
}

}  // namespace

Result<std::string> ReadUkeyPin(const std::string& pin_file) {
  std::string pin;
  if (!pin_file.empty()) {
    struct stat info {};
    if (stat(pin_file.c_str(), &info) != 0) {
      return Status::NotFound("ukey_pin_file_missing", "cannot read " + pin_file);
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      return Status::Rejected("ukey_pin_file_exposed",
                              pin_file + " may be read by others: chmod 600 it");
    }
    if (info.st_size > static_cast<off_t>(kPinFileBytesMax)) {
      return Status::Invalid("ukey_pin_file_too_large", pin_file + " is not a PIN file");
    }
    std::ifstream in(pin_file);
    if (!std::getline(in, pin)) {
      return Status::Invalid("ukey_pin_missing", pin_file + " holds no PIN");
    }
  } else if (const char* from_env = std::getenv("EBANK_UKEY_PIN")) {
    pin = from_env;
  } else if (!std::getline(std::cin, pin)) {
    return Status::Invalid("ukey_pin_missing",
                           "no PIN (--pin-file, EBANK_UKEY_PIN or one line on stdin)");
  }
  StripLineEnd(pin);
  if (pin.empty() || pin.size() > ukey::kPinBytesMax) {
    return Status::Invalid("ukey_pin_missing", "the PIN is empty or longer than " +
                                                   std::to_string(ukey::kPinBytesMax) + " bytes");
  }
  return pin;
}

int Ukey(const std::string& action, const UkeyOptions& options) {
  auto pin = ReadUkeyPin(options.pin_file);
  if (!pin.ok()) {
    std::fprintf(stderr, "ukey: %s\n", pin.status().ToString().c_str());
    return 2;
  }
  if (action == "agent") {
    UkeyAgentOptions agent;
    agent.module = options.module;
    agent.token_label = options.token_label;
    agent.key_label = options.key_label;
    agent.origin = options.origin;
    agent.port = options.port;
    agent.port_file = options.port_file;
    return RunUkeyAgent(agent, *pin);
  }
  ukey::Pkcs11Token token(options.module, options.token_label);
  Status login = token.Login(*pin);
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
