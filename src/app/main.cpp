// ebank: one executable, many subcommands.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "app/bench.h"
#include "app/bench_http.h"
#include "app/bench_kpi.h"
#include "app/card_tools.h"
#include "app/demo.h"
#include "app/demo_history.h"
#include "app/serve.h"
#include "app/ukey_cli.h"
#include "ledger/verify.h"
#include "services/staff.h"
#include "store/open.h"
#include "store/sql.h"

namespace {

int VerifyJournal(const std::string& database) {
  auto store = ebank::store::OpenLedgerStore(database);
  if (!store.ok()) {
    spdlog::error("cannot open the database: {}", store.status().ToString());
    return 1;
  }
  auto report = ebank::ledger::VerifyLedger(**store);
  if (!report.ok()) {
    std::printf("journal verification FAILED: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf("journal verified: %zu entries, %zu accounts, %zu holds; head %lld %s\n",
              report->entries, report->accounts, report->holds,
              static_cast<long long>(report->head.seq), ebank::ToHex(report->head.hash).c_str());
  for (const auto& [currency, total] : report->totals) {
    std::printf("  %s sums to %lld\n", currency.c_str(), static_cast<long long>(total));
  }
  return 0;
}

// Passwords never come from the command line, where `ps` would show them.
int AddStaff(const std::string& database, const std::string& login, const std::string& name,
             const std::string& role_name) {
  auto role = ebank::services::ParseRole(role_name);
  if (!role) {
    spdlog::error("unknown role '{}'", role_name);
    return 2;
  }
  std::string password;
  if (const char* from_env = std::getenv("EBANK_STAFF_PASSWORD")) {
    password = from_env;
  } else if (!std::getline(std::cin, password)) {
    spdlog::error("no password given (EBANK_STAFF_PASSWORD or one line on stdin)");
    return 2;
  }
  auto db = ebank::store::OpenSqlDatabase(database);
  if (!db.ok()) {
    spdlog::error("cannot open the database: {}", db.status().ToString());
    return 1;
  }
  ebank::services::SessionService sessions(**db, ebank::SystemClock::Instance());
  ebank::services::StaffService staff(**db, sessions, ebank::SystemClock::Instance());
  auto added = staff.Create(login, name, *role, password);
  if (!added.ok()) {
    spdlog::error("cannot add staff: {}", added.status().ToString());
    return 1;
  }
  std::printf("staff %s (%s) added with id %lld\n", login.c_str(), role_name.c_str(),
              static_cast<long long>(added->id));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ebank: an electronic-banking platform"};
  app.require_subcommand(1);

  ebank::app::ServeOptions serve;
  auto* serve_command = app.add_subcommand("serve", "Run the server (all channels)");
  serve_command->add_option("--db", serve.database, "SQLite file path, or a postgresql:// URL")
      ->capture_default_str();
  serve_command->add_option("--listen", serve.listen, "address:port for HTTP")
      ->capture_default_str();
  serve_command
      ->add_option("--token-file", serve.token_file,
                   "Where the operator token is kept (EBANK_OPERATOR_TOKEN overrides)")
      ->capture_default_str();
  serve_command->add_option("--port-file", serve.port_file, "Write the bound HTTP port here");
  serve_command
      ->add_option("--card-listen", serve.card_listen,
                   "address:port of the card host (ISO 8583 for ATM/CRS/POS); '' for none")
      ->capture_default_str();
  serve_command->add_option("--card-port-file", serve.card_port_file,
                            "Write the card host's bound port here");
  serve_command->add_option("--threads", serve.threads, "I/O threads (0: one per core)");
  serve_command->add_option(
      "--handler-threads", serve.handler_threads,
      "threads that run request handlers (they may wait for the database); 0: two per core "
      "on SQLite, 8 on PostgreSQL");
  serve_command
      ->add_option("--data-dir", serve.data_dir, "Keys, the bank's CA and the development SMS file")
      ->capture_default_str();
  bool quiet = false;
  serve_command->add_flag("--no-access-log", quiet, "Do not log each request");
  bool no_end_of_day = false;
  serve_command->add_flag(
      "--no-end-of-day", no_end_of_day,
      "Leave end of day (the monthly SMS and yearly card fees) to another node");
  auto* web_dir_option = serve_command->add_option(
      "--web-dir", serve.web_dir,
      "The built web app to serve (default: web/dist when it exists; '' for none)");

  std::string database = "data/ebank.db";
  auto* migrate_command = app.add_subcommand("migrate", "Create or migrate the database schema");
  migrate_command->alias("init");
  migrate_command->add_option("--db", database, "SQLite file path, or a postgresql:// URL")
      ->capture_default_str();
  auto* verify_command =
      app.add_subcommand("verify-journal", "Check the journal's hash chain and every balance");
  verify_command->add_option("--db", database, "SQLite file path, or a postgresql:// URL")
      ->capture_default_str();

  auto* staff_command = app.add_subcommand("staff", "Manage staff accounts");
  staff_command->require_subcommand(1);
  auto* staff_add = staff_command->add_subcommand(
      "add", "Add a staff member; the password is read from EBANK_STAFF_PASSWORD or stdin");
  std::string staff_login, staff_name, staff_role = "teller";
  staff_add->add_option("--db", database, "SQLite file path, or a postgresql:// URL")
      ->capture_default_str();
  staff_add->add_option("--login", staff_login, "Login name")->required();
  staff_add->add_option("--name", staff_name, "Full name")->required();
  staff_add
      ->add_option("--role", staff_role,
                   "teller, supervisor, customer_manager, branch_manager or admin")
      ->capture_default_str();

  ebank::app::UkeyOptions ukey;
  auto* ukey_command = app.add_subcommand(
      "ukey",
      "The U-key helper: keygen, sign, store-certificate on a PKCS#11 token, or agent (a "
      "loopback HTTP server the bank's page asks to sign); PIN from --pin-file, "
      "EBANK_UKEY_PIN or stdin");
  std::string ukey_action;
  ukey_command->add_option("action", ukey_action, "keygen, sign, store-certificate or agent")
      ->required()
      ->check(CLI::IsMember({"keygen", "sign", "store-certificate", "agent"}));
  ukey_command->add_option("--module", ukey.module, "PKCS#11 module")->capture_default_str();
  ukey_command->add_option("--token", ukey.token_label, "Token label")->required();
  ukey_command->add_option("--key", ukey.key_label, "Key label")->capture_default_str();
  ukey_command->add_option("--text", ukey.text, "sign: the challenge text to sign");
  ukey_command->add_option("--certificate-hex", ukey.certificate_hex,
                           "store-certificate: the certificate, DER in hex");
  ukey_command->add_option("--pin-file", ukey.pin_file,
                           "A file (mode 0600) whose first line is the PIN");
  ukey_command->add_option("--origin", ukey.origin,
                           "agent: the bank page's origin, e.g. http://127.0.0.1:8080");
  ukey_command->add_option("--port", ukey.port, "agent: the port on 127.0.0.1 (0: any free one)")
      ->capture_default_str();
  ukey_command->add_option("--port-file", ukey.port_file, "agent: write the bound port here");

  ebank::app::DemoOptions demo;
  auto* demo_command = app.add_subcommand(
      "demo", "Create a demo bank (staff, customers with each second factor) and print a guide");
  demo_command->add_option("--db", demo.database, "SQLite file path, or a postgresql:// URL")
      ->capture_default_str();
  demo_command
      ->add_option("--data-dir", demo.data_dir,
                   "The data folder `serve` uses (keys, the bank's CA, the SMS file)")
      ->capture_default_str();
  demo_command
      ->add_option("--history-customers", demo.history_customers,
                   "Also grow a seeded year of activity for this many more customers")
      ->check(CLI::Range(0, ebank::app::kHistoryCustomersMax));

  ebank::app::BenchOptions bench;
  auto* bench_command = app.add_subcommand("bench", "Benchmarks (run by hand, not tests)");
  bench_command->require_subcommand(1);
  auto* bench_ledger = bench_command->add_subcommand(
      "ledger", "Durable transfers per second on SQLite and PostgreSQL, next to pgbench");
  bench_ledger->add_flag("--json", bench.json, "Print one JSON document");
  bench_ledger->add_option("--seconds", bench.seconds_per_case, "Seconds per case")
      ->capture_default_str();
  bench_ledger->add_option("--backends", bench.backends, "sqlite,postgresql")->delimiter(',');
  bench_ledger->add_option("--accounts", bench.accounts, "Accounts to spread transfers over")
      ->capture_default_str();
  bench_ledger->add_option("--batches", bench.batches, "Batch sizes, e.g. 1,100,8000")
      ->delimiter(',');
  bench_ledger->add_option("--clients", bench.clients, "Concurrent clients, e.g. 1,16,64")
      ->delimiter(',');
  bool no_pgbench = false;
  bench_ledger->add_flag("--no-pgbench", no_pgbench, "Skip pgbench (no ratio)");

  ebank::app::BenchHttpOptions bench_http;
  auto* bench_http_command = bench_command->add_subcommand(
      "http", "Authenticated durable transfers per second through HTTP (wrk), next to the ledger");
  bench_http_command->add_flag("--json", bench_http.json, "Print one JSON document");
  bench_http_command->add_option("--seconds", bench_http.seconds, "Seconds of wrk per backend")
      ->capture_default_str();
  bench_http_command->add_option("--backends", bench_http.backends, "sqlite,postgresql")
      ->delimiter(',');
  bench_http_command->add_option("--connections", bench_http.connections, "wrk connections")
      ->capture_default_str();
  bench_http_command
      ->add_option("--handler-threads", bench_http.handler_threads, "ebank serve --handler-threads")
      ->capture_default_str();

  ebank::app::BenchKpiOptions bench_kpi;
  auto* bench_kpi_command = bench_command->add_subcommand(
      "kpi", "How long the KPI queries take on the demo bank with a year of history");
  bench_kpi_command->add_flag("--json", bench_kpi.json, "Print one JSON document");
  bench_kpi_command->add_option("--backends", bench_kpi.backends, "sqlite,postgresql")
      ->delimiter(',');
  bench_kpi_command
      ->add_option("--history-customers", bench_kpi.history_customers, "Demo history customers")
      ->check(CLI::Range(1, ebank::app::kHistoryCustomersMax))
      ->capture_default_str();
  bench_kpi_command->add_option("--rounds", bench_kpi.rounds, "Times each query runs")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  ebank::app::BenchCardOptions bench_card;
  auto* bench_card_command = bench_command->add_subcommand(
      "card", "Authorisations per second through the card host over loopback TCP (ISO 8583)");
  bench_card_command->add_flag("--json", bench_card.json, "Print one JSON document");
  bench_card_command->add_option("--seconds", bench_card.seconds, "Seconds per backend")
      ->capture_default_str();
  bench_card_command->add_option("--backends", bench_card.backends, "sqlite,postgresql")
      ->delimiter(',');
  bench_card_command->add_option("--connections", bench_card.connections, "ATMs (connections)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  bench_card_command
      ->add_option("--in-flight", bench_card.in_flight,
                   "Requests each connection keeps in flight (1: an ATM; more: a switch link)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  bench_card_command->add_option("--cards", bench_card.cards, "Funded cards")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  bench_card_command
      ->add_option("--handler-threads", bench_card.handler_threads,
                   "The card host's handler threads")
      ->capture_default_str();

  // The terminals: `ebank atm` and `ebank pos`.
  ebank::app::TerminalToolOptions terminal_tool;
  auto* atm_command = app.add_subcommand(
      "atm", "An interactive ATM speaking ISO 8583 to the card host (card, PIN, then a menu)");
  auto* pos_command =
      app.add_subcommand("pos", "An interactive POS terminal speaking ISO 8583 to the card host");
  for (auto* command : {atm_command, pos_command}) {
    command->add_option("--host", terminal_tool.host, "The card host's address:port")
        ->capture_default_str();
    command->add_option("--terminal", terminal_tool.terminal, "Terminal code (field 41)")
        ->required();
    command
        ->add_option("--key-file", terminal_tool.key_file,
                     "The terminal's PIN key file (written by `ebank demo`)")
        ->required();
    command
        ->add_option("--acquirer", terminal_tool.acquirer, "Acquiring institution code (field 32)")
        ->capture_default_str();
  }
  pos_command->add_option("--merchant", terminal_tool.merchant, "Merchant code (field 42)")
      ->required();

  CLI11_PARSE(app, argc, argv);
  // Logs go to stderr, so that a command's output (bench --json) stays clean on stdout.
  spdlog::set_default_logger(spdlog::stderr_color_mt("ebank"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  try {
    if (*serve_command) {
      serve.access_log = !quiet;
      serve.end_of_day = !no_end_of_day;
      serve.web_dir_required = web_dir_option->count() > 0;
      return ebank::app::Serve(serve);
    }
    if (*migrate_command) {
      auto version = ebank::store::Migrate(database);
      if (!version.ok()) {
        spdlog::error("migration failed: {}", version.status().ToString());
        return 1;
      }
      std::printf("schema at version %d\n", *version);
      return 0;
    }
    if (*verify_command) return VerifyJournal(database);
    if (*demo_command) return ebank::app::Demo(demo);
    if (*ukey_command) return ebank::app::Ukey(ukey_action, ukey);
    if (*staff_add) return AddStaff(database, staff_login, staff_name, staff_role);
    if (*bench_ledger) {
      bench.pgbench = !no_pgbench;
      return ebank::app::BenchLedger(bench);
    }
    if (*bench_http_command) return ebank::app::BenchHttp(bench_http);
    if (*bench_kpi_command) return ebank::app::BenchKpi(bench_kpi);
    if (*bench_card_command) return ebank::app::BenchCard(bench_card);
    if (*atm_command) return ebank::app::Atm(terminal_tool);
    if (*pos_command) return ebank::app::Pos(terminal_tool);
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    return 1;
  }
  return 0;
}
