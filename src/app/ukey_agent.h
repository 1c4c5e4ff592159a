// `ebank ukey agent`: the U-key helper program Chinese banks hand their customers, as a
// small HTTP server on the customer's own machine. The bank's page (and only the bank's
// page: one origin, given on the command line) asks it over loopback to sign a challenge
// with the PKCS#11 token:
//
//   GET  /status                 is the token there, and whose certificate does it hold
//   POST /sign {"challenge": T}  the hex DER signature over T, with the certificate
//
// The signature is exactly what `ebank ukey sign --text T` prints and what the bank takes
// as the answer to a U-key challenge (POST /api/v1/sessions/verify, …/transfers/{id}/confirm).
// Only the two texts the bank asks a U-key to sign are signed: a login challenge
// ("ebank-login-v1|challenge=…|nonce=…") and a payment's dynamic-linking text
// (ukey/challenge.h), whose amount and payee the agent writes to its log, as a hardware
// U-key shows them on its screen. Anything else is refused, so a page that gets past the
// origin check still cannot make the token sign arbitrary data.
//
// Requests are answered only when their Origin is the bank's and their Host is a loopback
// name of the agent's port (a DNS-rebinding page names another host); CORS headers name
// that origin only, and a Private Network Access preflight is allowed. The PIN is given at
// start (never on the command line, where `ps` shows it) and never logged. A wrong PIN is
// not tried again: a hardware token locks after a few.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/router.h"
#include "ukey/pkcs11_token.h"

namespace ebank::app {

inline constexpr uint16_t kUkeyAgentPortDefault = 18443;
// Limits. A challenge text is at most ukey::kChallengeTextBytesMax; its JSON body a little
// more. The agent serves one person's browser, so it needs few connections and threads.
inline constexpr size_t kUkeyAgentBodyBytesMax = 2048;
inline constexpr size_t kUkeyAgentHeaderBytesMax = 8 * 1024;
inline constexpr size_t kUkeyAgentConnectionsMax = 32;
inline constexpr size_t kUkeyAgentHandlerThreads = 2;
inline constexpr int kUkeyAgentRequestTimeoutS = 10;
inline constexpr int kUkeyAgentKeepAliveTimeoutS = 10;
inline constexpr int kUkeyAgentPreflightMaxAgeS = 600;
inline constexpr size_t kOriginBytesMax = 256;
inline constexpr size_t kPinFileBytesMax = 1024;

struct UkeyAgentOptions {
  std::string module = ukey::kSoftHsmModulePath;
  std::string token_label;
  std::string key_label = "ebank";
  // The bank page's origin, exactly as browsers send it: "https://ebank.example",
  // "http://127.0.0.1:8080" (scheme and host in lower case, no path, no trailing slash).
  std::string origin;
  uint16_t port = kUkeyAgentPortDefault;  // On 127.0.0.1; 0 picks a free port.
  std::string port_file;                  // When set, the bound port is written there.
  bool access_log = true;
};

// OK when `origin` is a serialised http(s) origin as described above;
// invalid/invalid_origin otherwise.
Status ValidateOrigin(std::string_view origin);

// What a login or payment challenge text says, once the agent has checked it is one.
struct SignedChallenge {
  std::string purpose;  // "login" or "payment".
  std::string amount;   // Payment: "100.00".
  std::string currency;
  std::string payee;
};

// The challenge `text` describes, or invalid/ukey_challenge_malformed when it is not a text
// the bank asks a U-key to sign.
Result<SignedChallenge> DescribeChallengeText(std::string_view text);

// The agent's state: the options, the PIN and the token while logged in. Thread-safe: the
// token is used under a mutex.
class UkeyAgent final {
 public:
  UkeyAgent(UkeyAgentOptions options, std::string pin);
  ~UkeyAgent();
  UkeyAgent(const UkeyAgent&) = delete;
  UkeyAgent& operator=(const UkeyAgent&) = delete;

  // Adds GET /status, POST /sign and their CORS preflights to `router`.
  void AddRoutes(http::Router& router);
  // The port the agent answers on, for the Host check (set once the server has bound it).
  void set_port(uint16_t port) { port_ = port; }
  // Logs in to the token now, as the first request would (to report problems at start).
  Status LogIn();

 private:
  // OK for the bank's origin on a loopback Host naming this port; rejected otherwise.
  Status CheckCaller(const http::Request& request) const;
  void AddCors(http::Response& response) const;
  http::Response Preflight(const http::Request& request) const;
  http::Response TokenStatus(const http::Request& request);
  http::Response SignChallenge(const http::Request& request);
  // Logs in to the token unless already logged in; a wrong PIN is not tried again.
  // REQUIRES: mutex_ held.
  Status EnsureLoggedIn();
  // Forgets the token after it failed (pulled out, session lost), so that the next request
  // finds it again. REQUIRES: mutex_ held.
  void DropToken(const Status& failure);

  const UkeyAgentOptions options_;
  const std::string pin_;
  std::atomic<uint16_t> port_{0};
  std::mutex mutex_;
  std::unique_ptr<ukey::Pkcs11Token> token_;  // GUARDED_BY(mutex_)
  Status pin_refused_;  // GUARDED_BY(mutex_); OK until the token refuses the PIN.
};

// Runs the agent until SIGINT or SIGTERM; returns the process exit code.
int RunUkeyAgent(const UkeyAgentOptions& options, const std::string& pin);

}  // namespace ebank::app
