#include "app/bench_http.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "app/bench_support.h"

extern char** environ;

namespace ebank::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

namespace {

constexpr double kServerStartTimeoutS = 30;
// `ebank serve` drains requests in flight for up to 10 s after SIGTERM.
constexpr double kServerStopTimeoutS = 30;
constexpr double kSmsWaitTimeoutS = 10;
constexpr int kHttpTimeoutS = 30;
constexpr size_t kHttpBodyBytesMax = 1024 * 1024;
constexpr int kWrkThreads = 2;
// A request wrk has waited this long for counts as a timeout.
constexpr int kWrkTimeoutS = 10;
constexpr double kWrkSlackS = 60;  // How long past --seconds wrk may take before it is killed.
// The in-process comparison: the `ebank bench ledger` case with 64 clients and batch 1.
constexpr int kLedgerAccounts = 10000;
constexpr int kLedgerClients = 64;
constexpr int kLedgerBatch = 1;

constexpr const char* kStaffLogin = "bench01";
constexpr const char* kStaffPassword = "Counter#2026";
constexpr const char* kCustomerLogin = "bench001";
constexpr const char* kCustomerPassword = "Secret#2026";
constexpr const char* kIdNumber = "11010519491231002X";
constexpr const char* kMobile = "13800138000";
constexpr const char* kFundingAmount = "1000000.00";
// Moved to the second account before wrk starts, so that transfers in both directions
// always find money whatever order they commit in.
constexpr const char* kSeedAmount = "10000.00";

// Variables a child must not inherit from whoever runs the benchmark: the server would
// take its operator token from the environment instead of the token file we read.
constexpr const char* kScrubbedVariables[] = {"EBANK_OPERATOR_TOKEN", "EBANK_STAFF_PASSWORD",
                                              "EBANK_BENCH_TOKEN", "EBANK_BENCH_RESULT"};

// This process's environment without kScrubbedVariables, plus `extra` ("NAME=value").
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    bool scrubbed =
        std::any_of(std::begin(kScrubbedVariables), std::end(kScrubbedVariables),
                    [&](const char* name) { return text.substr(0, text.find('=')) == name; });
    if (!scrubbed) out.emplace_back(text);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child process, its stdout and stderr appended to a log file. One still running when
// this is dropped is killed and reaped, so that none outlives the benchmark.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& environment,
        const fs::path& log_path)
      : name_(fs::path(args.at(0)).filename().string()) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv, envp;
    for (const auto& arg : args)
      argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    for (const auto& variable : environment)
      envp.push_back(const_cast<char*>(variable.c_str()));
    envp.push_back(nullptr);
    int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
      throw std::runtime_error(fmt::format("cannot start {}: {}", args[0], strerror(rc)));
  }
  ~Child() {
    if (Running()) {
      kill(pid_, SIGKILL);
      Reap(0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool Running() {
    if (!reaped_) Reap(WNOHANG);
    return !reaped_;
  }
  // Waits up to `timeout_s` for the child to end: its exit code, or -signal; nullopt when
  // it is still running.
  std::optional<int> Wait(double timeout_s) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    while (Running()) {
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    return -WTERMSIG(status_);
  }
  // The CPU time (user and system, all threads) it has used so far, from /proc.
  double CpuSeconds() const {
    std::string stat = ReadFile(fmt::format("/proc/{}/stat", pid_));
    // Fields after the command name (which may hold spaces) in parentheses: utime and
    // stime are the 12th and 13th.
    size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) return 0;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 1; i <= 13 && fields >> field; ++i) {
      if (i == 12) utime = std::atoll(field.c_str());
      if (i == 13) stime = std::atoll(field.c_str());
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  // SIGTERM, then SIGKILL when it has not ended within `grace_s`; returns as Wait does.
  int Stop(double grace_s) {
    if (Running()) kill(pid_, SIGTERM);
    if (auto code = Wait(grace_s)) return *code;
    spdlog::warn("{} did not stop within {} s of SIGTERM; killing it", name_, grace_s);
    kill(pid_, SIGKILL);
    Reap(0);
    return -SIGKILL;
  }

 private:
  void Reap(int flags) {
    pid_t done = waitpid(pid_, &status_, flags);
    if (done == pid_ || (done < 0 && errno == ECHILD)) reaped_ = true;
  }

  std::string name_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

struct Reply {
  int status = 0;
  std::string body;
};

// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1. Not thread-safe.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  // Sends `body` (JSON when not empty) with `token` as the bearer; throws when no answer
  // comes back.
  Reply Send(beast::http::verb verb, const std::string& target, const std::string& body,
             const std::string& token, const std::map<std::string, std::string>& headers = {}) {
    if (!socket_.is_open()) Connect();
    beast::http::request<beast::http::string_body> request{verb, target, 11};
    request.set(beast::http::field::host, "127.0.0.1");
    request.set(beast::http::field::user_agent, "ebank-bench");
    if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
    if (!body.empty()) request.set(beast::http::field::content_type, "application/json");
    for (const auto& [name, value] : headers)
      request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    boost::system::error_code error;
    beast::http::write(socket_, request, error);
    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(kHttpBodyBytesMax);
    if (!error) beast::http::read(socket_, buffer_, parser, error);
    if (error) {
      socket_.close(error);
      throw std::runtime_error(
          fmt::format("{} {}: no answer", std::string(to_string(verb)), target));
    }
    Reply reply{static_cast<int>(parser.get().result_int()), parser.get().body()};
    if (!parser.get().keep_alive()) socket_.close(error);
    return reply;
  }

 private:
  void Connect() {
    boost::system::error_code error;
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), error);
    if (error) throw std::runtime_error("cannot connect to the server: " + error.message());
    timeval timeout{kHttpTimeoutS, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    socket_.set_option(tcp::no_delay(true));
    buffer_.clear();
  }

  uint16_t port_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

// The body of `reply` as a JSON object, when its status is `expected`; throws otherwise.
json::object Expect(const Reply& reply, int expected, const std::string& what) {
  if (reply.status != expected) {
    throw std::runtime_error(
        fmt::format("{}: HTTP {} (expected {}): {}", what, reply.status, expected, reply.body));
  }
  boost::system::error_code error;
  json::value value = json::parse(reply.body, error);
  if (error || !value.is_object()) throw std::runtime_error(what + ": the answer is not JSON");
  return value.as_object();
}

std::string StringField(const json::object& object, const char* name, const std::string& what) {
  const json::value* value = object.if_contains(name);
  if (!value || !value->is_string()) throw std::runtime_error(what + ": no " + name);
  return std::string(value->as_string());
}

// Lines of the development SMS gateway's file sent to `mobile`.
std::vector<std::string> SmsTexts(const fs::path& outbox, const std::string& mobile) {
  std::vector<std::string> texts;
  std::ifstream in(outbox);
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code error;
    json::value message = json::parse(line, error);
    if (error || !message.is_object()) continue;
    const json::value* to = message.as_object().if_contains("to");
    const json::value* text = message.as_object().if_contains("text");
    if (to && text && to->is_string() && text->is_string() && to->as_string() == mobile) {
      texts.emplace_back(text->as_string());
    }
  }
  return texts;
}

// The 6-digit code of the first message to `mobile` after the first `seen_before`.
std::string WaitForSmsCode(const fs::path& outbox, const std::string& mobile, size_t seen_before) {
  static const std::regex kCode("(^|[^0-9])([0-9]{6})([^0-9]|$)");
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(kSmsWaitTimeoutS);
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> texts = SmsTexts(outbox, mobile);
    std::smatch match;
    if (texts.size() > seen_before && std::regex_search(texts[seen_before], match, kCode)) {
      return match[2];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("no SMS code reached " + mobile);
}

// `ebank serve` on a free loopback port, stopped with SIGTERM when dropped.
class Server {
 public:
  Server(const std::string& executable, const std::string& database, const fs::path& dir,
         size_t handler_threads)
      : child_({executable, "serve", "--db", database, "--listen", "127.0.0.1:0", "--port-file",
                (dir / "port").string(), "--token-file", (dir / "operator-token").string(),
                "--data-dir", dir.string(), "--no-access-log", "--card-listen", "127.0.0.1:0",
                "--handler-threads", std::to_string(handler_threads)},
               ChildEnvironment({}), dir / "serve.log"),
        log_(dir / "serve.log") {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(kServerStartTimeoutS);
    int port = 0;
    while (!(std::ifstream(dir / "port") >> port) || port <= 0 || port > 65535) {
      if (!child_.Running() || std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("ebank serve did not start; its log:\n" + ReadFile(log_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    port_ = static_cast<uint16_t>(port);
    std::ifstream(dir / "operator-token") >> operator_token_;
    if (operator_token_.empty()) throw std::runtime_error("ebank serve wrote no operator token");
  }
  ~Server() { Stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  const std::string& operator_token() const { return operator_token_; }
  double CpuSeconds() const { return child_.CpuSeconds(); }
  // Stops the server (once); its exit code.
  int Stop() {
    if (!exit_code_) exit_code_ = child_.Stop(kServerStopTimeoutS);
    return *exit_code_;
  }
  std::string Log() const { return ReadFile(log_); }

 private:
  Child child_;
  fs::path log_;
  uint16_t port_ = 0;
  std::string operator_token_;
  std::optional<int> exit_code_;
};

// What the benchmark needs of the bank it set up.
struct Bank {
  std::string customer_token;
  std::string first_account;
  std::string second_account;
};

// Adds the staff member with `ebank staff add`, run as a child with the password in its
// environment (never on the command line).
void AddStaff(const std::string& executable, const std::string& database, const fs::path& dir) {
  Child child({executable, "staff", "add", "--db", database, "--login", kStaffLogin, "--name",
               "Bench", "--role", "teller"},
              ChildEnvironment({std::string("EBANK_STAFF_PASSWORD=") + kStaffPassword}),
              dir / "staff.log");
  std::optional<int> code = child.Wait(kServerStartTimeoutS);
  if (code != 0) {
    throw std::runtime_error("ebank staff add failed: " + ReadFile(dir / "staff.log"));
  }
}

// Over HTTP, as a teller would at the counter and a customer at home: a customer with a
// class I and a bound class II account, signed up for e-banking, the first account funded
// from the general ledger, the second seeded from the first, and the customer logged in.
Bank SetUpBank(const Server& server, const fs::path& dir) {
  using beast::http::verb;
  HttpClient client(server.port());
  std::string teller =
      StringField(Expect(client.Send(verb::post, "/api/v1/staff/sessions",
                                     json::serialize(json::object{{"login", kStaffLogin},
                                                                  {"password", kStaffPassword}}),
                                     ""),
                         201, "staff login"),
                  "token", "staff login");
  std::string customer = StringField(
      Expect(client.Send(verb::post, "/api/v1/customers",
                         json::serialize(json::object{
                             {"name", "Bench"}, {"id_number", kIdNumber}, {"mobile", kMobile}}),
                         teller),
             201, "create customer"),
      "number", "create customer");
  Bank bank;
  bank.first_account =
      StringField(Expect(client.Send(verb::post, "/api/v1/customers/" + customer + "/accounts",
                                     R"({"product":"DEMAND_CARD_I"})", teller),
                         201, "open class I account"),
                  "number", "open class I account");
  bank.second_account = StringField(
      Expect(client.Send(verb::post, "/api/v1/customers/" + customer + "/accounts",
                         json::serialize(json::object{{"product", "DEMAND_CARD_II"},
                                                      {"bound_account", bank.first_account}}),
                         teller),
             201, "open class II account"),
      "number", "open class II account");
  Expect(client.Send(verb::post, "/api/v1/customers/" + customer + "/signing",
                     json::serialize(json::object{{"login_id", kCustomerLogin},
                                                  {"password", kCustomerPassword},
                                                  {"reserved_info", "bench"}}),
                     teller),
         201, "sign up");

  const std::string& operator_token = server.operator_token();
  json::object general =
      Expect(client.Send(verb::post, "/internal/ledger/accounts",
                         R"({"currency":"CNY","side":"debit","floor":null})", operator_token),
             201, "open general-ledger account");
  json::object found =
      Expect(client.Send(verb::get, "/internal/ledger/accounts?code=" + bank.first_account, "",
                         operator_token),
             200, "find the ledger account");
  const json::array* accounts = found.contains("accounts") && found.at("accounts").is_array()
                                    ? &found.at("accounts").as_array()
                                    : nullptr;
  if (!accounts || accounts->empty()) throw std::runtime_error("no ledger account for the card");
  Expect(client.Send(verb::post, "/internal/ledger/transfers",
                     json::serialize(json::object{{"debit_account", general.at("id")},
                                                  {"credit_account", accounts->at(0).at("id")},
                                                  {"amount", kFundingAmount},
                                                  {"currency", "CNY"}}),
                     operator_token),
         201, "fund the account");

  std::string ticket =
      StringField(Expect(client.Send(verb::post, "/api/v1/sessions",
                                     json::serialize(json::object{{"login_id", kCustomerLogin},
                                                                  {"password", kCustomerPassword}}),
                                     ""),
                         201, "customer login"),
                  "ticket", "customer login");
  fs::path outbox = dir / "sms-outbox.jsonl";
  size_t seen_before = SmsTexts(outbox, kMobile).size();
  Expect(client.Send(verb::post, "/api/v1/sessions/challenge",
                     json::serialize(json::object{{"ticket", ticket}, {"tool", "sms"}}), ""),
         200, "login challenge");
  std::string code = WaitForSmsCode(outbox, kMobile, seen_before);
  bank.customer_token = StringField(
      Expect(client.Send(verb::post, "/api/v1/sessions/verify",
                         json::serialize(json::object{{"ticket", ticket}, {"answer", code}}), ""),
             201, "login verification"),
      "token", "login verification");

  Expect(client.Send(verb::post, "/api/v1/me/transfers",
                     json::serialize(json::object{{"from_account", bank.first_account},
                                                  {"to_account", bank.second_account},
                                                  {"amount", kSeedAmount},
                                                  {"currency", "CNY"}}),
                     bank.customer_token, {{"Idempotency-Key", "bench-seed"}}),
         201, "seed transfer");
  return bank;
}

// What scripts/wrk-transfers.lua's done() reports.
struct WrkResult {
  double duration_s = 0;
  int64_t requests = 0;
  int64_t created = 0;    // 201: a transfer done.
  int64_t other_2xx = 0;  // Replays (200) or transfers waiting for a second factor (202).
  int64_t non_2xx = 0;
  int64_t socket_errors = 0;  // connect, read, write and timeout errors.
  double p50_ms = 0;
  double p99_ms = 0;
  double server_cpu_s = 0;  // What ebank serve used while wrk ran.
  std::string first_failure;
};

int64_t IntField(const json::object& object, const char* name) {
  const json::value* value = object.if_contains(name);
  if (!value || !value->is_number()) {
    throw std::runtime_error(std::string("wrk's summary has no number ") + name);
  }
  return value->to_number<int64_t>();
}

WrkResult ParseWrkResult(const std::string& text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) throw std::runtime_error("wrk's summary is not JSON: " + text);
  const json::object& summary = value.as_object();
  WrkResult result;
  result.duration_s = static_cast<double>(IntField(summary, "duration_us")) / 1e6;
  result.requests = IntField(summary, "requests");
  result.created = IntField(summary, "created");
  result.other_2xx = IntField(summary, "other_2xx");
  result.non_2xx = IntField(summary, "non_2xx");
  const json::object& errors = summary.at("errors").as_object();
  result.socket_errors = IntField(errors, "connect") + IntField(errors, "read") +
                         IntField(errors, "write") + IntField(errors, "timeout");
  const json::object& latency = summary.at("latency_us").as_object();
  result.p50_ms = static_cast<double>(IntField(latency, "p50")) / 1e3;
  result.p99_ms = static_cast<double>(IntField(latency, "p99")) / 1e3;
  if (const json::value* failure = summary.if_contains("first_failure");
      failure && failure->is_string()) {
    result.first_failure = std::string(failure->as_string());
  }
  return result;
}

WrkResult RunWrk(const Server& server, const Bank& bank, const BenchHttpOptions& options,
                 const fs::path& dir) {
  fs::path script = ScriptPath("wrk-transfers.lua");
  if (!fs::exists(script)) throw std::runtime_error("cannot find " + script.string());
  int seconds = std::max(1, static_cast<int>(std::lround(options.seconds)));
  fs::path summary = dir / "wrk-summary.json";
  std::string url = fmt::format("http://127.0.0.1:{}/api/v1/me/transfers", server.port());
  // The session token goes through the environment, not the command line `ps` shows.
  Child wrk({"wrk", "-t", std::to_string(kWrkThreads), "-c", std::to_string(options.connections),
             "-d", fmt::format("{}s", seconds), "--timeout", fmt::format("{}s", kWrkTimeoutS),
             "--latency", "-s", script.string(), url, "--", bank.first_account, bank.second_account,
             fmt::format("bench{}", getpid())},
            ChildEnvironment({"EBANK_BENCH_TOKEN=" + bank.customer_token,
                              "EBANK_BENCH_RESULT=" + summary.string()}),
            dir / "wrk.log");
  double cpu_before = server.CpuSeconds();
  std::optional<int> code = wrk.Wait(seconds + kWrkSlackS);
  double cpu_used = server.CpuSeconds() - cpu_before;
  if (!code) throw std::runtime_error("wrk did not finish");
  spdlog::debug("wrk:\n{}", ReadFile(dir / "wrk.log"));
  if (*code != 0 || !fs::exists(summary)) {
    throw std::runtime_error(
        fmt::format("wrk failed (exit {}):\n{}", *code, ReadFile(dir / "wrk.log")));
  }
  WrkResult result = ParseWrkResult(ReadFile(summary));
  result.server_cpu_s = cpu_used;
  return result;
}

struct BackendResult {
  std::string backend;
  WrkResult http;
  double http_transfers_per_s = 0;
  double ledger_transfers_per_s = 0;
  double ratio = 0;  // HTTP over in-process.
  // The server's CPU time per transfer: steadier than the rate on a shared machine.
  double server_cpu_us_per_transfer = 0;
};

BackendResult BenchBackend(const std::string& backend, Cluster* cluster,
                           const BenchHttpOptions& options) {
  std::string executable = fs::read_symlink("/proc/self/exe").string();
  TempDir dir;
  std::string database = backend == "postgresql" ? cluster->Database("ebank_bench_http")
                                                 : (dir.path() / "bench.db").string();
  AddStaff(executable, database, dir.path());
  BackendResult result;
  result.backend = backend;
  {
    Server server(executable, database, dir.path(), options.handler_threads);
    spdlog::info("{}: ebank serve on port {}; setting up the bank", backend, server.port());
    Bank bank = SetUpBank(server, dir.path());
    spdlog::info("{}: wrk, {} connections, {:.0f} s", backend, options.connections,
                 options.seconds);
    result.http = RunWrk(server, bank, options, dir.path());
    HttpClient client(server.port());
    Expect(
        client.Send(beast::http::verb::get, "/internal/ledger/verify", "", server.operator_token()),
        200, "journal verification");
    int code = server.Stop();
    if (code != 0) {
      throw std::runtime_error(
          fmt::format("ebank serve exited with {}; its log:\n{}", code, server.Log()));
    }
  }
  const WrkResult& http = result.http;
  result.http_transfers_per_s =
      http.duration_s > 0 ? static_cast<double>(http.created) / http.duration_s : 0;
  result.server_cpu_us_per_transfer =
      http.created > 0 ? http.server_cpu_s * 1e6 / static_cast<double>(http.created) : 0;
  spdlog::info(
      "{}: HTTP {:.0f} transfers/s (201: {}, other 2xx: {}, non-2xx: {}, socket "
      "errors: {}), p50 {:.2f} ms, p99 {:.2f} ms",
      backend, result.http_transfers_per_s, http.created, http.other_2xx, http.non_2xx,
      http.socket_errors, http.p50_ms, http.p99_ms);
  if (!http.first_failure.empty())
    spdlog::warn("{}: first failure: {}", backend, http.first_failure);
  if (http.created < (http.requests + 1) / 2) {
    spdlog::warn("{}: only {} of {} answers were 201", backend, http.created, http.requests);
  }

  std::string ledger_database = backend == "postgresql" ? cluster->Database("ebank_bench_ledger")
                                                        : (dir.path() / "ledger.db").string();
  CaseResult ledger = RunLedgerCase(ledger_database, kLedgerAccounts, kLedgerClients, kLedgerBatch,
                                    options.seconds);
  result.ledger_transfers_per_s = ledger.transfers_per_s;
  result.ratio =
      ledger.transfers_per_s > 0 ? result.http_transfers_per_s / ledger.transfers_per_s : 0;
  spdlog::info("{}: in-process ledger {:.0f} transfers/s (clients {}, batch {})", backend,
               ledger.transfers_per_s, kLedgerClients, kLedgerBatch);
  return result;
}

// One JSON document, written by hand so that numbers print as people read them.
std::string ResultsJson(const std::vector<BackendResult>& results,
                        const BenchHttpOptions& options) {
  std::string out = fmt::format(
      "{{\"seconds\": {}, \"connections\": {}, \"wrk_threads\": {}, \"ledger_clients\": {}, "
      "\"ledger_batch\": {}",
      options.seconds, options.connections, kWrkThreads, kLedgerClients, kLedgerBatch);
  for (const BackendResult& r : results) {
    out += fmt::format(
        ", \"{}\": {{\"http_transfers_per_s\": {:.0f}, \"http_p50_ms\": {:.3f}, "
        "\"http_p99_ms\": {:.3f}, \"transfers\": {}, \"other_2xx\": {}, \"non_2xx\": {}, "
        "\"socket_errors\": {}, \"ledger_transfers_per_s\": {:.0f}, "
        "\"ratio_http_to_ledger\": {:.3f}, \"server_cpu_us_per_transfer\": {:.1f}}}",
        r.backend, r.http_transfers_per_s, r.http.p50_ms, r.http.p99_ms, r.http.created,
        r.http.other_2xx, r.http.non_2xx, r.http.socket_errors, r.ledger_transfers_per_s, r.ratio,
        r.server_cpu_us_per_transfer);
  }
  out += "}";
  return out;
}

void PrintTable(const std::vector<BackendResult>& results) {
  std::printf("%-11s %16s %9s %9s %8s %8s %18s %12s %14s\n", "backend", "HTTP transfers/s",
              "p50 ms", "p99 ms", "non-2xx", "errors", "ledger transfers/s", "HTTP/ledger",
              "CPU us/transfer");
  for (const BackendResult& r : results) {
    std::printf("%-11s %16.0f %9.3f %9.3f %8lld %8lld %18.0f %12.3f %14.1f\n", r.backend.c_str(),
                r.http_transfers_per_s, r.http.p50_ms, r.http.p99_ms,
                static_cast<long long>(r.http.non_2xx),
                static_cast<long long>(r.http.socket_errors), r.ledger_transfers_per_s, r.ratio,
                r.server_cpu_us_per_transfer);
  }
}

}  // namespace

int BenchHttp(const BenchHttpOptions& options) {
  spdlog::set_level(spdlog::level::info);
  if (options.connections < kWrkThreads) {
    spdlog::error("--connections must be at least {} (one per wrk thread)", kWrkThreads);
    return 2;
  }
  if (!(options.seconds > 0)) {
    spdlog::error("--seconds must be positive");
    return 2;
  }
  for (const std::string& backend : options.backends) {
    if (backend != "sqlite" && backend != "postgresql") {
      spdlog::error("unknown backend '{}' (sqlite or postgresql)", backend);
      return 2;
    }
  }
  std::optional<Cluster> cluster;  // Started only when PostgreSQL is measured.
  if (std::find(options.backends.begin(), options.backends.end(), "postgresql") !=
      options.backends.end()) {
    cluster.emplace();
  }
  std::vector<BackendResult> results;
  for (const std::string& backend : options.backends) {
    results.push_back(BenchBackend(backend, cluster ? &*cluster : nullptr, options));
  }
  if (options.json) {
    std::printf("%s\n", ResultsJson(results, options).c_str());
  } else {
    PrintTable(results);
  }
  return 0;
}

}  // namespace ebank::app
