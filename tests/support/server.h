// Runs `ebank serve` as a child process on a free loopback port, for integration tests.
#pragma once

#include <memory>
#include <string>

#include "support/http_client.h"
#include "support/process.h"

namespace ebank::testing {

class ServerProcess {
 public:
  // Starts the server on `database` with logs and state in `dir`; waits until it listens.
  ServerProcess(const std::string& database, const std::string& dir,
                const std::string& name = "server");
  ~ServerProcess();

  int port() const { return port_; }
  // The card host's (ISO 8583) port.
  int card_port() const { return card_port_; }
  const std::string& token() const { return token_; }
  HttpClient Client() const { return HttpClient("127.0.0.1", port_, token_); }
  // SIGKILL, as a power cut would; waits for the process to be gone.
  void Kill();
  // SIGTERM and wait for a clean exit; returns the exit code.
  int Stop();
  std::string Log() const;

 private:
  std::string log_path_;
  int port_ = 0;
  int card_port_ = 0;
  std::string token_;
  std::unique_ptr<Process> process_;
};

}  // namespace ebank::testing
