#include "app/serve.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "app/api_v1.h"
#include "app/ledger_api.h"
#include "app/static_files.h"
#include "cardhost/host.h"
#include "cardhost/server.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "security/password_transport.h"
#include "security/random.h"
#include "security/secret_box.h"
#include "services/cards.h"
#include "services/fees.h"
#include "services/outbox.h"
#include "services/scheduled.h"
#include "store/open.h"
#include "store/sql.h"
#include "ukey/bank_ca.h"

namespace ebank::app {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr int kShutdownGraceS = 10;
constexpr auto kHoldExpiryInterval = std::chrono::seconds(1);
constexpr auto kScheduledTransfersInterval = std::chrono::seconds(1);
constexpr int64_t kOutboxIntervalMs = 200;
constexpr int kCaValidityDays = 20 * 365;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("no randomness");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (char c : raw) {
    hex += kDigits[static_cast<unsigned char>(c) >> 4];
    hex += kDigits[static_cast<unsigned char>(c) & 0xf];
  }
  return hex;
}

void RenderMetrics(std::string& out, const ledger::Ledger& ledger, const http::Server& server) {
  std::string backend =
      "backend=\"" + std::string(const_cast<ledger::Ledger&>(ledger).store().backend()) + "\"";
  const auto& lm = ledger.metrics();
  RenderCounter(out, "ebank_ledger_batches_total", backend, lm.batches.value());
  RenderCounter(out, "ebank_ledger_commands_total", backend, lm.commands.value());
  RenderCounter(out, "ebank_ledger_commands_failed_total", backend, lm.commands_failed.value());
  RenderCounter(out, "ebank_ledger_commits_failed_total", backend, lm.commits_failed.value());
  lm.commit_latency.Render(out, "ebank_ledger_commit_seconds", backend);
  lm.queue_latency.Render(out, "ebank_ledger_command_seconds", backend);
  const auto& hm = server.metrics();
  out += "# TYPE ebank_http_requests_total counter\n";
  out +=
      "ebank_http_requests_total{class=\"2xx\"} " + std::to_string(hm.requests_2xx.value()) + "\n";
  out +=
      "ebank_http_requests_total{class=\"4xx\"} " + std::to_string(hm.requests_4xx.value()) + "\n";
  out +=
      "ebank_http_requests_total{class=\"5xx\"} " + std::to_string(hm.requests_5xx.value()) + "\n";
  RenderGauge(out, "ebank_http_connections_open", "",
              static_cast<double>(hm.connections_open.load()));
  RenderCounter(out, "ebank_http_connections_refused_total", "", hm.connections_refused.value());
  hm.latency.Render(out, "ebank_http_request_seconds", "");
}

void RenderCardMetrics(std::string& out, cardhost::Host& host) {
  auto& cm = host.metrics();
  RenderCounter(out, "ebank_card_requests_total", "", cm.requests.value());
  RenderCounter(out, "ebank_card_approved_total", "", cm.approved.value());
  RenderCounter(out, "ebank_card_declined_total", "", cm.declined.value());
  RenderCounter(out, "ebank_card_malformed_total", "", cm.malformed.value());
  cm.latency.Render(out, "ebank_card_request_seconds", "");
}

unsigned Cores() {
  return std::max(1u, std::thread::hardware_concurrency());
}

// Handler threads when --handler-threads is 0. SQLite reads take microseconds on a core, so
// a few threads more than cores keep them busy (more only add wake-ups and lock hand-offs);
// a PostgreSQL read waits for a round trip.
size_t DefaultHandlerThreads(const std::string& database) {
  constexpr size_t kPostgresHandlerThreads = 8;
  return store::IsPostgresUrl(database) ? kPostgresHandlerThreads : 2 * size_t{Cores()};
}

}  // namespace

bool SplitListen(const std::string& listen, std::string* address, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *address = listen.substr(0, colon);
  if (address->size() > 2 && address->front() == '[')
    *address = address->substr(1, address->size() - 2);
  try {
    int value = std::stoi(listen.substr(colon + 1));
    if (value < 0 || value > 65535) return false;
    *port = static_cast<uint16_t>(value);
  } catch (...) {
    return false;
  }
  return true;
}

Result<ukey::BankCa> LoadOrCreateCa(const std::string& dir, const Clock& clock) {
  std::string certificate = dir + "/ca.pem", key = dir + "/ca.key";
  if (std::filesystem::exists(certificate)) return ukey::BankCa::Load(certificate, key);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::Internal("io_error", "cannot create " + dir);
  auto ca = ukey::BankCa::Create("ebank customer CA", clock.NowMs(), kCaValidityDays);
  if (!ca.ok()) return ca.status();
  EBANK_RETURN_IF_ERROR(ca->Save(certificate, key));
  return ca;
}

std::string LoadOrCreateOperatorToken(const std::string& token_file) {
  if (const char* token = std::getenv("EBANK_OPERATOR_TOKEN"); token && *token) return token;
  std::ifstream in(token_file);
  std::string token;
  if (in && std::getline(in, token) && token.size() >= 32) return token;
  token = RandomHex(32);
  std::filesystem::path path(token_file);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  mode_t old_mask = umask(077);
  std::ofstream out(token_file, std::ios::trunc);
  umask(old_mask);
  out << token << "\n";
  if (!out) throw std::runtime_error("cannot write " + token_file);
  return token;
}

int Serve(const ServeOptions& options) {
  http::ServerOptions server_options;
  if (!SplitListen(options.listen, &server_options.address, &server_options.port)) {
    spdlog::error("--listen must be address:port, not '{}'", options.listen);
    return 2;
  }
  server_options.access_log = options.access_log;
  server_options.handler_threads = options.handler_threads > 0
                                       ? options.handler_threads
                                       : DefaultHandlerThreads(options.database);
  if (!store::IsPostgresUrl(options.database)) {
    std::filesystem::path path(options.database);
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  }
  auto store = store::OpenLedgerStore(options.database);
  if (!store.ok()) {
    spdlog::error("cannot open the database: {}", store.status().ToString());
    return 1;
  }
  std::string backend(store.value()->backend());
  auto sql = store::OpenSqlDatabase(options.database);
  if (!sql.ok()) {
    spdlog::error("cannot open the database: {}", sql.status().ToString());
    return 1;
  }
  const Clock& clock = SystemClock::Instance();
  auto ledger = std::make_unique<ledger::Ledger>(std::move(*store), clock);
  LedgerApi api{*ledger, clock, LoadOrCreateOperatorToken(options.token_file)};
  auto secrets = security::SecretBox::LoadOrCreate(options.data_dir + "/master-key");
  if (!secrets.ok()) {
    spdlog::error("{}", secrets.status().ToString());
    return 1;
  }
  auto password_transport = security::PasswordTransport::LoadOrCreate(
      options.data_dir + "/login-key.pem", clock, security::SystemRandom::Instance());
  if (!password_transport.ok()) {
    spdlog::error("{}", password_transport.status().ToString());
    return 1;
  }
  auto ca = LoadOrCreateCa(options.data_dir + "/ca", clock);
  if (!ca.ok()) {
    spdlog::error("cannot set up the bank's CA: {}", ca.status().ToString());
    return 1;
  }
  services::CustomerService customers(**sql, *ledger, clock);
  services::SessionService sessions(**sql, clock);
  services::StaffService staff(**sql, sessions, clock);
  services::SigningService signing(**sql, customers, sessions, *secrets, *ca, clock,
                                   security::SystemRandom::Instance());
  services::PaymentService payments(**sql, *ledger, customers, signing, clock);
  services::ScheduledTransferService scheduled(**sql, payments, signing, clock);
  services::FeeService fees(**sql, *ledger, clock);
  // Feeds the pages listening for balance-change alerts (from this process's payments and
  // from other processes sharing the database).
  services::NotificationService notifications(**sql, clock);
  notifications.Start();
  auto card_keys = services::CardKeys::LoadOrCreate(options.data_dir + "/card-keys");
  if (!card_keys.ok()) {
    spdlog::error("{}", card_keys.status().ToString());
    return 1;
  }
  services::CardService cards(**sql, *ledger, *secrets, *card_keys, clock);
  cardhost::Host card_host(cards);
  ApiServices v1{*ledger,       customers, sessions, staff,
                 signing,       payments,  clock,    **password_transport,
                 notifications, cards};
  // Development gateway: messages land in a file (see README); a bank plugs its SMS
  // centre in here.
  services::FileSmsGateway sms(options.data_dir + "/sms-outbox.jsonl");
  services::OutboxDispatcher outbox(**sql, sms, clock);
  outbox.Start(kOutboxIntervalMs);

  asio::io_context io;
  http::Router router;
  http::Server server(io, router, server_options);
  router.Add(
      http::Verb::get, "/healthz",
      [&](const http::Request& request, const http::Params&) -> http::awaitable<http::Response> {
        Status status = ledger->store().Read(
            [](ledger::LedgerReader& reader) { return reader.GetHead().status(); });
        if (!status.ok()) co_return http::Problem(request, 503, "unhealthy", status.message());
        co_return http::Json(request, 200, json::object{{"status", "ok"}, {"backend", backend}});
      });
  router.Add(
      http::Verb::get, "/metrics",
      [&](const http::Request& request, const http::Params&) -> http::awaitable<http::Response> {
        std::string out;
        RenderMetrics(out, *ledger, server);
        RenderCardMetrics(out, card_host);
        co_return http::Text(request, 200, std::move(out), "text/plain; version=0.0.4");
      });
  AddLedgerRoutes(router, api);
  AddApiV1Routes(router, v1);
  // The customer web app, behind every route above (see static_files.h).
  std::optional<StaticFiles> web;
  if (!options.web_dir.empty()) {
    auto loaded = StaticFiles::Load(options.web_dir);
    if (loaded.ok()) {
      web.emplace(std::move(*loaded));
      AddStaticRoutes(router, *web);
      spdlog::info("web app: {} files, {} bytes from {}", web->file_count(), web->total_bytes(),
                   options.web_dir);
    } else if (options.web_dir_required) {
      spdlog::error("--web-dir: {}", loaded.status().ToString());
      return 1;
    } else {
      spdlog::info("no web app served: {}", loaded.status().message());
    }
  }

  auto port = server.Listen();
  if (!port.ok()) {
    spdlog::error("{}", port.status().ToString());
    return 1;
  }
  std::optional<cardhost::Server> card_server;
  if (!options.card_listen.empty()) {
    cardhost::ServerOptions card_options;
    if (!SplitListen(options.card_listen, &card_options.address, &card_options.port)) {
      spdlog::error("--card-listen must be address:port, not '{}'", options.card_listen);
      return 2;
    }
    card_server.emplace(io, card_host, card_options);
    auto card_port = card_server->Listen();
    if (!card_port.ok()) {
      spdlog::error("{}", card_port.status().ToString());
      return 1;
    }
    if (!options.card_port_file.empty()) {
      std::ofstream(options.card_port_file) << *card_port << "\n";
    }
    spdlog::info("card host (ISO 8583) on {}:{}", card_options.address, *card_port);
  }
  // Last, so that whoever waits for this file finds every listener up.
  if (!options.port_file.empty()) {
    std::ofstream(options.port_file) << *port << "\n";
  }
  spdlog::info("ebank serving on http://{}:{} (database: {}, operator token in {})",
               server_options.address, *port, backend,
               std::getenv("EBANK_OPERATOR_TOKEN") ? "$EBANK_OPERATOR_TOKEN" : options.token_file);

  // The scheduler: expire due holds once a second.
  asio::steady_timer expiry(io);
  std::function<void()> schedule_expiry = [&] {
    expiry.expires_after(kHoldExpiryInterval);
    expiry.async_wait([&](boost::system::error_code error) {
      if (error) return;
      ledger->Submit({ledger::Request{"", ledger::ExpireHolds{}}},
                     [](std::vector<ledger::Outcome>) {});
      schedule_expiry();
    });
  };
  schedule_expiry();

  // Scheduled transfers due today (China Standard Time) run at the first tick after
  // 00:00; every run is idempotent, so other processes ticking too pay nothing twice. They
  // run on a thread of their own: a run waits for the database, never on an I/O thread.
  asio::thread_pool background(1);
  asio::steady_timer scheduler(background);
  std::function<void()> schedule_transfers = [&] {
    scheduler.expires_after(kScheduledTransfersInterval);
    scheduler.async_wait([&](boost::system::error_code error) {
      if (error) return;
      auto report = scheduled.RunDue(clock.NowMs());
      if (!report.ok()) {
        spdlog::warn("scheduled transfers: {}", report.status().ToString());
      } else if (report->completed + report->failed > 0) {
        spdlog::info("scheduled transfers: {} completed, {} failed, {} deferred", report->completed,
                     report->failed, report->deferred);
      }
      // End of day (日终): the periodic fees, once a day; idempotent like the transfers.
      if (options.end_of_day) {
        auto runs = fees.RunDue(clock.NowMs());
        if (!runs.ok()) {
          spdlog::warn("end of day fees: {}", runs.status().ToString());
        } else {
          for (const auto& run : *runs) {
            if (run.charged + run.refused == 0) continue;
            spdlog::info("end of day fees {}: {} charged ({} minor units), {} refused", run.period,
                         run.charged, run.total_minor, run.refused);
          }
        }
      }
      schedule_transfers();
    });
  };
  schedule_transfers();

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain(io);
  std::function<void(int)> wait_drained = [&](int tries_left) {
    if (server.in_flight() == 0 || tries_left == 0) {
      io.stop();
      return;
    }
    drain.expires_after(std::chrono::milliseconds(100));
    drain.async_wait([&, tries_left](boost::system::error_code) { wait_drained(tries_left - 1); });
  };
  signals.async_wait([&](boost::system::error_code error, int signal) {
    if (error) return;
    spdlog::info("ebank: signal {} received, finishing requests in flight", signal);
    server.StopAccepting();
    if (card_server) card_server->StopAccepting();
    expiry.cancel();
    asio::post(background, [&] { scheduler.cancel(); });
    wait_drained(kShutdownGraceS * 10);
  });

  int threads = options.threads > 0 ? options.threads : static_cast<int>(Cores());
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : pool)
    thread.join();
  background.stop();  // A run under way finishes first.
  background.join();
  outbox.Stop();
  ledger.reset();  // Applies whatever was queued, then stops the writer.
  spdlog::info("ebank: stopped");
  return 0;
}

}  // namespace ebank::app
