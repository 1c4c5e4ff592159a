// `ebank ukey`: what a U-key's helper program does on the customer's machine, against a
// PKCS#11 token (SoftHSM2 in the demo and tests): make the key pair inside the token,
// store the bank's certificate, sign a challenge, and serve the bank's page as a loopback
// agent (app/ukey_agent.h). The PIN comes from --pin-file, EBANK_UKEY_PIN or standard
// input, never from the command line, where `ps` would show it.
#pragma once

#include <cstdint>
#include <string>

#include "app/ukey_agent.h"
#include "core/status.h"

namespace ebank::app {

struct UkeyOptions {
  std::string module = "/usr/lib/softhsm/libsofthsm2.so";
  std::string token_label;
  std::string key_label = "ebank";
  std::string text;             // sign: the challenge text.
  std::string certificate_hex;  // store-certificate: DER in hex.
  std::string pin_file;         // The PIN's file (mode 0600), else EBANK_UKEY_PIN or stdin.
  std::string origin;           // agent: the bank page's origin.
  uint16_t port = kUkeyAgentPortDefault;  // agent: the loopback port (0: any free one).
  std::string port_file;                  // agent: where to write the bound port.
};

// The PIN from the first line of `pin_file` (a file that group or others may read is
// refused: rejected/ukey_pin_file_exposed), else from EBANK_UKEY_PIN, else from one line of
// standard input.
Result<std::string> ReadUkeyPin(const std::string& pin_file);

// action: "keygen" (prints the public key PEM), "sign" (prints the hex DER signature),
// "store-certificate", "agent" (serves until SIGINT or SIGTERM). Returns the exit code.
int Ukey(const std::string& action, const UkeyOptions& options);

}  // namespace ebank::app
