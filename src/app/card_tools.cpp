#include "app/card_tools.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <unordered_set>

#include "app/bench_support.h"
#include "app/serve.h"
#include "cardhost/client.h"
#include "cardhost/host.h"
#include "cardhost/server.h"
#include "security/id_document.h"
#include "security/secret_box.h"
#include "services/cards.h"
#include "services/customers.h"
#include "services/sessions.h"
#include "services/staff.h"
#include "store/open.h"
#include "store/sql.h"

namespace ebank::app {

namespace json = boost::json;
using cardhost::CardInput;
using iso8583::Message;

namespace {

constexpr int64_t kBenchFundsMinor = 100'000'000;  // 1,000,000.00 per card.
constexpr int64_t kBenchAmountMinor = 100;         // 1.00 per withdrawal.
constexpr const char* kBenchPin = "123456";
constexpr int kLedgerAccounts = 10000;
constexpr int kLedgerClients = 64;
constexpr int kLoadThreads = 2;

std::optional<std::string> Prompt(const std::string& text, bool secret = false) {
  std::cout << text << std::flush;
  termios saved{};
  bool masked = secret && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (masked) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool read = static_cast<bool>(std::getline(std::cin, line));
  if (masked) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cout << "\n";
  }
  if (!read) return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  return line;
}

// "1234.56" → 123456; nullopt for anything else.
std::optional<int64_t> ParseYuan(const std::string& text) {
  auto money = Money::Parse(Currency::Cny(), text);
  if (!money.ok() || money->minor() <= 0) return std::nullopt;
  return money->minor();
}

std::string Yuan(int64_t minor) {
  return fmt::format("{}{}.{:02d}", minor < 0 ? "-" : "", std::abs(minor) / 100,
                     std::abs(minor) % 100);
}

// What a response means to the person at the terminal.
std::string Explain(std::string_view code) {
  static const std::map<std::string_view, std::string_view> kText = {
      {"00", "交易成功 Approved"},
      {"03", "无效终端 Unknown terminal"},
      {"12", "无效交易 Invalid transaction"},
      {"14", "无效卡号 Invalid card"},
      {"25", "找不到原交易 Original not found"},
      {"30", "报文格式错误 Format error"},
      {"41", "挂失卡 Lost card: please contact the bank"},
      {"51", "余额不足 Insufficient funds"},
      {"54", "过期卡 Expired card"},
      {"55", "密码错误 Wrong PIN"},
      {"57", "持卡人不允许此交易 Not permitted for this card"},
      {"58", "终端不允许此交易 Not permitted at this terminal"},
      {"61", "超出金额限制 Over the amount limit"},
      {"62", "受限制的卡 Restricted card"},
      {"75", "密码错误次数超限 PIN tries exceeded: try tomorrow"},
      {"91", "发卡行不能操作 Issuer unavailable"},
      {"94", "重复交易 Duplicate transmission"},
      {"95", "对账不平 Settlement totals differ"},
      {"96", "系统故障 System malfunction"},
  };
  auto found = kText.find(code);
  return fmt::format("[{}] {}", code, found == kText.end() ? "交易失败 Declined" : found->second);
}

void PrintResponse(const Result<Message>& response) {
  if (!response.ok()) {
    std::cout << "  通讯失败 " << response.status().message() << "\n";
    return;
  }
  std::cout << "  " << Explain(response->Get(39)) << "\n";
  if (response->Has(37)) std::cout << "  参考号 Reference: " << response->Get(37) << "\n";
  std::string_view balances = response->Get(54);
  for (size_t at = 0; at + 20 <= balances.size(); at += 20) {
    std::string_view one = balances.substr(at, 20);
    int64_t minor = std::stoll(std::string(one.substr(8, 12)));
    if (one[7] == 'D') minor = -minor;
    std::cout << "  " << (one.substr(2, 2) == "02" ? "可用余额 Available: " : "账户余额 Balance: ")
              << Yuan(minor) << "\n";
  }
}

// Connects and signs on; nullptr (after saying why) when it cannot.
struct Session {
  std::unique_ptr<cardhost::Client> client;
  std::unique_ptr<cardhost::Terminal> terminal;
};

std::optional<Session> Open(const TerminalToolOptions& options) {
  std::string address;
  uint16_t port = 0;
  if (!SplitListen(options.host, &address, &port) || port == 0) {
    spdlog::error("--host must be address:port, not '{}'", options.host);
    return std::nullopt;
  }
  std::ifstream key_in(options.key_file);
  std::string key;
  if (!key_in || !std::getline(key_in, key)) {
    spdlog::error("cannot read the terminal's PIN key from '{}'", options.key_file);
    return std::nullopt;
  }
  auto client = cardhost::Client::Connect(address, port, options.timeout_ms);
  if (!client.ok()) {
    spdlog::error("{}", client.status().message());
    return std::nullopt;
  }
  Session session;
  session.client = std::move(*client);
  session.terminal = std::make_unique<cardhost::Terminal>(*session.client, options.terminal,
                                                          options.merchant, key, options.acquirer);
  session.terminal->KeepStanIn(options.key_file + ".stan");
  auto signed_on = session.terminal->SignOn();
  if (!signed_on.ok() || signed_on->Get(39) != "00") {
    std::cout << "签到失败 Sign-on refused: "
              << (signed_on.ok() ? Explain(signed_on->Get(39)) : signed_on.status().message())
              << "\n";
    return std::nullopt;
  }
  std::cout << "终端 " << options.terminal << " 已签到 signed on to " << options.host << "\n";
  return session;
}

std::optional<CardInput> ReadCard() {
  auto pan = Prompt("请插卡 Card number: ");
  if (!pan || pan->empty()) return std::nullopt;
  auto expiry = Prompt("有效期 Expiry (YYMM): ");
  if (!expiry) return std::nullopt;
  auto pin = Prompt("请输入密码 PIN: ", true);
  if (!pin) return std::nullopt;
  return CardInput{*pan, *expiry, *pin};
}

// Sends `request`; after a timeout, reverses it (the terminal paid nothing out).
Result<Message> SendWithReversal(cardhost::Terminal& terminal, Result<Message> request) {
  if (!request.ok()) return request;
  auto response = terminal.Send(*request);
  if (!response.ok() && response.status().reason() == "timeout") {
    std::cout << "  超时，发送冲正 Timed out: reversing\n";
    PrintResponse(terminal.Reverse(*request));
  }
  return response;
}

}  // namespace

int Atm(const TerminalToolOptions& options) {
  auto session = Open(options);
  if (!session) return 1;
  cardhost::Terminal& atm = *session->terminal;
  for (;;) {
    auto card = ReadCard();
    if (!card) return 0;
    for (bool inserted = true; inserted;) {
      auto choice = Prompt(
          "1 余额查询 Balance  2 取款 Withdraw  3 转账 Transfer  4 存款 Deposit  "
          "0 退卡 Return card: ");
      if (!choice || *choice == "0") break;
      if (*choice == "1") {
        PrintResponse(atm.Inquiry(*card));
      } else if (*choice == "2" || *choice == "4") {
        auto amount_text = Prompt("金额 Amount (元 yuan): ");
        auto amount = amount_text ? ParseYuan(*amount_text) : std::nullopt;
        if (!amount) {
          std::cout << "  金额无效 Invalid amount\n";
          continue;
        }
        PrintResponse(SendWithReversal(
            atm, atm.Request("0200", *choice == "2" ? "010000" : "210000", *card, *amount)));
      } else if (*choice == "3") {
        auto to = Prompt("收款账号 Payee account: ");
        auto amount_text = Prompt("金额 Amount (元 yuan): ");
        auto amount = amount_text ? ParseYuan(*amount_text) : std::nullopt;
        if (!to || !amount) {
          std::cout << "  金额无效 Invalid amount\n";
          continue;
        }
        auto request = atm.Request("0200", "400000", *card, *amount);
        if (request.ok()) request->Set(103, *to);
        PrintResponse(SendWithReversal(atm, std::move(request)));
      } else {
        std::cout << "  请选择 0-4\n";
      }
    }
    std::cout << "请取回您的卡 Please take your card\n";
  }
}

int Pos(const TerminalToolOptions& options) {
  auto session = Open(options);
  if (!session) return 1;
  cardhost::Terminal& pos = *session->terminal;
  int64_t batch = 0;
  for (;;) {
    auto choice = Prompt(
        "1 消费 Sale  2 预授权 Pre-auth  3 预授权完成 Completion  4 退货 Refund  "
        "5 余额查询 Balance  6 结算 Settle  0 退出 Quit: ");
    if (!choice || *choice == "0") return 0;
    if (*choice == "6") {
      auto settled = pos.Settle(batch, pos.totals());
      PrintResponse(settled);
      if (settled.ok()) {
        std::cout << "  主机 host: 借 " << settled->Get(76) << " 笔 " << settled->Get(88) << ", 贷 "
                  << settled->Get(74) << " 笔 " << settled->Get(86) << "\n";
      }
      continue;
    }
    auto card = ReadCard();
    if (!card) return 0;
    if (*choice == "5") {
      PrintResponse(pos.Inquiry(*card));
      continue;
    }
    std::optional<std::string> reference;
    if (*choice == "3" || *choice == "4") {
      reference = Prompt("原参考号 Original reference: ");
      if (!reference) return 0;
    }
    auto amount_text = Prompt("金额 Amount (元 yuan): ");
    auto amount = amount_text ? ParseYuan(*amount_text) : std::nullopt;
    if (!amount) {
      std::cout << "  金额无效 Invalid amount\n";
      continue;
    }
    if (*choice == "1") {
      PrintResponse(SendWithReversal(pos, pos.Request("0200", "000000", *card, *amount)));
    } else if (*choice == "2") {
      PrintResponse(SendWithReversal(pos, pos.Request("0100", "030000", *card, *amount)));
    } else if (*choice == "3") {
      PrintResponse(pos.Complete(*card, *reference, *amount));
    } else if (*choice == "4") {
      PrintResponse(pos.Refund(*card, *reference, *amount));
    } else {
      std::cout << "  请选择 0-6\n";
    }
  }
}

namespace {

struct CardCase {
  double authorisations_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t approved = 0;
  int64_t declined = 0;
  int64_t failed = 0;
  int64_t batches = 0;   // The ledger's group commits,
  double per_batch = 0;  // and the requests each carried on average.
  double cpu_us = 0;     // The process's CPU time (host and load generator) per request,
  double stolen = 0;     // and the share of the machine's CPU the hypervisor took.
};

// A 17-digit prefix for test resident IDs: Beijing Dongcheng, born 1980-01-01, a serial.
std::string BenchResidentId(int serial) {
  std::string first17 = fmt::format("11010119800101{:03d}", serial % 1000);
  return first17 + security::ResidentIdCheckCharacter(first17);
}

CardCase RunCardCase(const std::string& database, const BenchCardOptions& options) {
  auto migrated = store::Migrate(database);
  if (!migrated.ok()) throw std::runtime_error(migrated.status().ToString());
  auto ledger_store = store::OpenLedgerStore(database);
  if (!ledger_store.ok()) throw std::runtime_error(ledger_store.status().ToString());
  auto sql = store::OpenSqlDatabase(database);
  if (!sql.ok()) throw std::runtime_error(sql.status().ToString());
  const Clock& clock = SystemClock::Instance();
  ledger::Ledger ledger(std::move(*ledger_store), clock);
  security::SecretBox secrets = security::SecretBox::Random();
  services::CardKeys keys = services::CardKeys::Random();
  services::CardService cards(**sql, ledger, secrets, keys, clock);
  services::CustomerService customers(**sql, ledger, clock);
  services::SessionService sessions(**sql, clock);
  services::StaffService staff(**sql, sessions, clock);
  auto keeper = staff.Create("bench01", "压测", services::Role::kSupervisor, "Counter#2026");
  if (!keeper.ok()) throw std::runtime_error(keeper.status().ToString());
  auto funding = ledger.Execute(
      ledger::Request{"", ledger::OpenAccount{"gl:bench:funding:CNY", Currency::Cny(),
                                              ledger::Side::kDebit, std::nullopt}});
  if (!funding.status.ok()) throw std::runtime_error(funding.status.ToString());

  // Cards: one customer may hold many accounts' cards; a class I account each needs a
  // customer, so the cards are spread over customers of class I accounts.
  std::vector<CardInput> inputs;
  for (int i = 0; i < options.cards; ++i) {
    auto customer = customers.Create({services::CustomerKind::kIndividual, "压测客户",
                                      BenchResidentId(i), fmt::format("139{:08d}", i), ""});
    if (!customer.ok()) throw std::runtime_error(customer.status().ToString());
    auto account = customers.OpenAccount(customer->id, "DEMAND_CARD_I", std::nullopt);
    if (!account.ok()) throw std::runtime_error(account.status().ToString());
    auto paid = ledger.Execute(ledger::Request{
        "", ledger::Transfer{{{funding.id, -kBenchFundsMinor, Currency::Cny()},
                              {account->ledger_account, kBenchFundsMinor, Currency::Cny()}},
                             "bench"}});
    if (!paid.status.ok()) throw std::runtime_error(paid.status.ToString());
    auto card = cards.Issue(account->number, kBenchPin);
    if (!card.ok()) throw std::runtime_error(card.status().ToString());
    inputs.push_back({card->pan, card->card.expiry, kBenchPin});
  }
  std::vector<std::pair<std::string, std::string>> terminals;
  for (int i = 0; i < options.connections; ++i) {
    std::string code = fmt::format("ATM{:05d}", i + 1);
    auto terminal = cards.RegisterTerminal({code, "atm", "HO", "", "压测", keeper->id});
    if (!terminal.ok()) throw std::runtime_error(terminal.status().ToString());
    terminals.emplace_back(code, terminal->second);
  }

  cardhost::Host host(cards);
  boost::asio::io_context io;
  cardhost::ServerOptions server_options;
  server_options.port = 0;
  server_options.handler_threads = options.handler_threads;
  cardhost::Server server(io, host, server_options);
  auto port = server.Listen();
  if (!port.ok()) throw std::runtime_error(port.status().ToString());
  // As `ebank serve` runs it: one I/O thread per core.
  std::vector<std::thread> io_threads;
  for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i)
    io_threads.emplace_back([&io] { io.run(); });

  // The load: one coroutine per connection on kLoadThreads threads, each sending `in_flight`
  // withdrawals and waiting for their answers, again and again (a thread per terminal would
  // spend the machine's two cores switching between threads).
  std::atomic<bool> stop{false};
  std::atomic<int64_t> approved{0}, declined{0}, failed{0};
  std::vector<std::vector<double>> latencies(terminals.size());
  boost::asio::io_context load;
  for (size_t t = 0; t < terminals.size(); ++t) {
    boost::asio::co_spawn(
        load,
        [&, t]() -> boost::asio::awaitable<void> {
          namespace asio = boost::asio;
          constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
          asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
          auto [connect_error] =
              co_await socket.async_connect({asio::ip::make_address("127.0.0.1"), *port}, kTuple);
          if (connect_error) {
            failed++;
            co_return;
          }
          socket.set_option(asio::ip::tcp::no_delay(true));
          cardhost::Terminal atm(terminals[t].first, "", terminals[t].second);
          std::mt19937 random(static_cast<unsigned>(t) + 1);
          std::uniform_int_distribution<size_t> pick(0, inputs.size() - 1);
          const size_t window = static_cast<size_t>(options.in_flight);
          std::string framed, received;
          std::vector<char> chunk(1 << 16);
          while (!stop.load(std::memory_order_relaxed)) {
            // `window` withdrawals in one write, then every answer, matched by STAN.
            framed.clear();
            std::unordered_set<std::string> waiting;
            for (size_t i = 0; i < window; ++i) {
              auto request = atm.Request("0200", "010000", inputs[pick(random)], kBenchAmountMinor);
              auto packed = request.ok() ? iso8583::Pack(iso8583::Spec::Ascii87(), *request)
                                         : Result<std::string>(request.status());
              if (!packed.ok()) {
                failed++;
                co_return;
              }
              waiting.emplace(request->Get(11));
              framed += iso8583::Frame(*packed);
            }
            auto sent = std::chrono::steady_clock::now();
            auto [write_error, written] =
                co_await asio::async_write(socket, asio::buffer(framed), kTuple);
            if (write_error) {
              failed++;
              co_return;
            }
            while (!waiting.empty()) {
              auto [read_error, read] =
                  co_await socket.async_read_some(asio::buffer(chunk), kTuple);
              if (read_error) {
                failed++;
                co_return;
              }
              received.append(chunk.data(), read);
              size_t taken = 0;
              while (received.size() - taken >= iso8583::kFrameHeaderBytes) {
                auto length = iso8583::FrameLength(
                    std::string_view(received).substr(taken, iso8583::kFrameHeaderBytes));
                if (!length.ok()) {
                  failed++;
                  co_return;
                }
                size_t end = taken + iso8583::kFrameHeaderBytes + *length;
                if (received.size() < end) break;
                auto response = iso8583::Unpack(
                    iso8583::Spec::Ascii87(),
                    std::string_view(received).substr(taken + iso8583::kFrameHeaderBytes, *length));
                taken = end;
                if (!response.ok() || waiting.erase(std::string(response->Get(11))) != 1) {
                  failed++;
                  co_return;
                }
                latencies[t].push_back(std::chrono::duration<double, std::milli>(
                                           std::chrono::steady_clock::now() - sent)
                                           .count());
                (response->Get(39) == "00" ? approved : declined)++;
              }
              received.erase(0, taken);
            }
          }
        },
        boost::asio::detached);
  }
  spdlog::info("bench card: {} cards and {} terminals ready; load for {} s", inputs.size(),
               terminals.size(), options.seconds);
  auto started = std::chrono::steady_clock::now();
  CpuMeter cpu;
  std::vector<std::thread> threads;
  for (int i = 0; i < kLoadThreads; ++i)
    threads.emplace_back([&load] { load.run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
  stop = true;
  for (auto& thread : threads)
    thread.join();
  cpu.Stop();
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  server.StopAccepting();
  io.stop();
  for (auto& thread : io_threads)
    thread.join();
  const auto& lm = ledger.metrics();
  int64_t batches = static_cast<int64_t>(lm.batches.value());
  std::vector<double> all;
  for (auto& one : latencies)
    all.insert(all.end(), one.begin(), one.end());
  CardCase result;
  result.approved = approved;
  result.declined = declined;
  result.failed = failed;
  result.authorisations_per_s = static_cast<double>(approved) / elapsed;
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  result.batches = batches;
  result.per_batch =
      batches > 0 ? static_cast<double>(lm.commands.value()) / static_cast<double>(batches) : 0;
  int64_t answered = result.approved + result.declined;
  result.cpu_us = answered > 0 ? cpu.process_cpu_s() * 1e6 / static_cast<double>(answered) : 0;
  result.stolen = cpu.stolen_fraction();
  return result;
}

}  // namespace

int BenchCard(const BenchCardOptions& options) {
  json::object report;
  for (const std::string& backend : options.backends) {
    if (backend != "sqlite" && backend != "postgresql") {
      spdlog::error("unknown backend '{}'", backend);
      return 2;
    }
    TempDir dir;
    std::optional<Cluster> cluster;
    if (backend == "postgresql") cluster.emplace();
    auto database = [&](const std::string& name) {
      return cluster ? cluster->Database(name) : (dir.path() / (name + ".db")).string();
    };
    spdlog::info("bench card: {} with {} cards and {} ATMs, {} in flight on each, {} s", backend,
                 options.cards, options.connections, options.in_flight, options.seconds);
    CardCase card = RunCardCase(database("card"), options);
    CaseResult ledger_case =
        RunLedgerCase(database("ledger"), kLedgerAccounts, kLedgerClients, 1, options.seconds);
    double ratio = ledger_case.transfers_per_s > 0
                       ? card.authorisations_per_s / ledger_case.transfers_per_s
                       : 0;
    if (!options.json) {
      std::printf(
          "%-10s  card host: %8.0f authorisations/s  p50 %6.2f ms  p99 %6.2f ms  (approved %lld, "
          "declined %lld, failed %lld)\n"
          "%-10s  ledger: %lld group commits, %.1f requests each; %.1f us of CPU per request "
          "(host and load generator), %.1f %% of the machine's CPU stolen by the hypervisor\n"
          "%-10s  in-process ledger: %8.0f transfers/s (64 clients, batch 1)  ratio %.3f\n",
          backend.c_str(), card.authorisations_per_s, card.p50_ms, card.p99_ms,
          static_cast<long long>(card.approved), static_cast<long long>(card.declined),
          static_cast<long long>(card.failed), "", static_cast<long long>(card.batches),
          card.per_batch, card.cpu_us, card.stolen * 100, "", ledger_case.transfers_per_s, ratio);
    }
    report[backend] = json::object{{"authorisations_per_s", card.authorisations_per_s},
                                   {"p50_ms", card.p50_ms},
                                   {"p99_ms", card.p99_ms},
                                   {"approved", card.approved},
                                   {"declined", card.declined},
                                   {"failed", card.failed},
                                   {"ledger_batches", card.batches},
                                   {"cpu_us_per_request", card.cpu_us},
                                   {"cpu_stolen_fraction", card.stolen},
                                   {"ledger_transfers_per_s", ledger_case.transfers_per_s},
                                   {"ratio", ratio}};
    if (card.failed > 0) {
      spdlog::error("bench card: {} terminals lost their connection", card.failed);
      return 1;
    }
  }
  if (options.json) std::printf("%s\n", json::serialize(report).c_str());
  return 0;
}

}  // namespace ebank::app
