// `ebank ukey`: what a U-key's helper program does on the customer's machine, against a
// PKCS#11 token (SoftHSM2 in the demo and tests): make the key pair inside the token,
// store the bank's certificate, and sign a challenge. The PIN comes from EBANK_UKEY_PIN or
// standard input, never from the command line.
#pragma once

#include <string>

namespace ebank::app {

struct UkeyOptions {
  std::string module = "/usr/lib/softhsm/libsofthsm2.so";
  std::string token_label;
  std::string key_label = "ebank";
  std::string text;             // sign: the challenge text.
  std::string certificate_hex;  // store-certificate: DER in hex.
};

// action: "keygen" (prints the public key PEM), "sign" (prints the hex DER signature),
// "store-certificate". Returns the exit code.
int Ukey(const std::string& action, const UkeyOptions& options);

}  // namespace ebank::app
