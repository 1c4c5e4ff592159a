#pragma once

#include <string>

#include "core/clock.h"
#include "http/server.h"
#include "ukey/bank_ca.h"

namespace ebank::app {

struct ServeOptions {
  std::string database = "data/ebank.db";
  std::string listen = "127.0.0.1:8080";
  std::string token_file = "data/operator-token";
  // Keys, the bank's CA and the development SMS gateway's file live here.
  std::string data_dir = "data";
  std::string port_file;  // When set, the bound port is written there (for tests).
  // The card host (ISO 8583 over TCP) for ATMs, CRSs and POS terminals; "" for none.
  std::string card_listen = "127.0.0.1:8583";
  std::string card_port_file;  // When set, the card host's bound port is written there.
  int threads = 0;             // 0: one per core.
  size_t handler_threads = 0;  // 0: two per core on SQLite, 8 on PostgreSQL.
  bool access_log = true;
  // Runs end of day (the periodic fees, FeeService::RunDue) once a day. In a deployment of
  // several nodes the runs are idempotent, so any may, but one is enough.
  bool end_of_day = true;
  // The built web app (see static_files.h); "" serves none. When not required, a folder
  // without index.html is skipped with a notice (the default, before web/ is built).
  std::string web_dir = "web/dist";
  bool web_dir_required = false;
};

// "127.0.0.1:8080" or "[::1]:8080" into address and port; false when it is not one.
bool SplitListen(const std::string& listen, std::string* address, uint16_t* port);

// Runs the server until SIGINT or SIGTERM; returns the process exit code.
int Serve(const ServeOptions& options);

// Reads the operator token from EBANK_OPERATOR_TOKEN or `token_file`, creating the file
// with a new random token (mode 0600) when neither exists.
std::string LoadOrCreateOperatorToken(const std::string& token_file);

// The bank's CA in `dir` (ca.pem, ca.key), created on first use by serve or demo.
Result<ukey::BankCa> LoadOrCreateCa(const std::string& dir, const Clock& clock);

}  // namespace ebank::app
