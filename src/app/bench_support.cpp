#include "app/bench_support.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "ledger/verify.h"
#include "store/open.h"
#include "store/postgres.h"

namespace ebank::app {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kOpeningBalanceMinor = 100'000'000;  // 1,000,000.00 per account.

}  // namespace

namespace {
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The machine's steal and total CPU time so far, in clock ticks (/proc/stat's first line:
// user nice system idle iowait irq softirq steal ...); zeros where there is none.
std::pair<int64_t, int64_t> MachineStealAndTotal() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;
  int64_t total = 0, steal = 0, value = 0;
  for (int field = 0; field < 8 && stat >> value; ++field) {
    total += value;
    if (field == 7) steal = value;
  }
  return {steal, total};
}
}  // namespace

CpuMeter::CpuMeter() : process_start_s_(ProcessCpuSeconds()) {
  std::tie(steal_start_, total_start_) = MachineStealAndTotal();
}

void CpuMeter::Stop() {
  process_cpu_s_ = ProcessCpuSeconds() - process_start_s_;
  auto [steal, total] = MachineStealAndTotal();
  stolen_fraction_ = total > total_start_ ? static_cast<double>(steal - steal_start_) /
                                                static_cast<double>(total - total_start_)
                                          : 0;
}

double Percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0;
  size_t index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(index), values.end());
  return values[index];
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "ebank-bench-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

fs::path ScriptPath(const std::string& name) {
  if (const char* dir = std::getenv("EBANK_SOURCE_DIR")) return fs::path(dir) / "scripts" / name;
  fs::path exe = fs::read_symlink("/proc/self/exe");
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (fs::exists(dir / "scripts" / name)) return dir / "scripts" / name;
  }
  return fs::path("scripts") / name;
}

Cluster::Cluster()
    : state_(fs::temp_directory_path() / fmt::format("ebank-bench-pg-{}", getpid())) {
  std::string command = fmt::format("'{}' start '{}' >&2",
                                    ScriptPath("pg-test-cluster.sh").string(), state_.string());
  if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot start PostgreSQL");
  std::ifstream(state_ / "url") >> url_;
}

Cluster::~Cluster() {
  std::string command =
      fmt::format("'{}' stop '{}' >&2", ScriptPath("pg-test-cluster.sh").string(), state_.string());
  if (std::system(command.c_str()) != 0) spdlog::warn("could not stop the benchmark cluster");
  fs::remove_all(state_);
}

std::string Cluster::Database(const std::string& name) {
  auto admin = store::PgConnection::Connect(url_);
  if (!admin.ok()) throw std::runtime_error(admin.status().ToString());
  Status status = (*admin)->Exec("CREATE DATABASE " + name);
  if (!status.ok()) throw std::runtime_error(status.ToString());
  return url_.substr(0, url_.rfind('/') + 1) + name;
}

std::vector<ledger::AccountId> OpenAccounts(ledger::Ledger& ledger, int count) {
  auto funding = ledger.Execute(
      ledger::Request{"", ledger::OpenAccount{"", Currency::Cny(), ledger::Side::kDebit, {}}});
  if (!funding.status.ok()) throw std::runtime_error(funding.status.ToString());
  std::vector<ledger::AccountId> accounts;
  while (static_cast<int>(accounts.size()) < count) {
    std::vector<ledger::Request> opens;
    for (int i = 0; i < 4000 && static_cast<int>(accounts.size() + opens.size()) < count; ++i) {
      opens.push_back({"", ledger::OpenAccount{"", Currency::Cny(), ledger::Side::kCredit, 0}});
    }
    for (const auto& outcome : ledger.Execute(std::move(opens))) {
      if (!outcome.status.ok()) throw std::runtime_error(outcome.status.ToString());
      accounts.push_back(outcome.id);
    }
  }
  for (size_t start = 0; start < accounts.size(); start += 4000) {
    std::vector<ledger::Request> funds;
    for (size_t i = start; i < std::min(accounts.size(), start + 4000); ++i) {
      funds.push_back({"", ledger::Transfer{{{funding.id, -kOpeningBalanceMinor},
                                             {accounts[i], kOpeningBalanceMinor}},
                                            ""}});
    }
    for (const auto& outcome : ledger.Execute(std::move(funds))) {
      if (!outcome.status.ok()) throw std::runtime_error(outcome.status.ToString());
    }
  }
  return accounts;
}

CaseResult RunCase(ledger::Ledger& ledger, const std::vector<ledger::AccountId>& accounts,
                   int clients, int batch, double seconds) {
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> refused{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 random(static_cast<uint64_t>(c) * 7919 + static_cast<uint64_t>(batch));
      std::uniform_int_distribution<size_t> pick(0, accounts.size() - 1);
      while (std::chrono::steady_clock::now() < deadline) {
        std::vector<ledger::Request> requests;
        requests.reserve(static_cast<size_t>(batch));
        for (int i = 0; i < batch; ++i) {
          size_t from = pick(random), to = pick(random);
          if (from == to) to = (to + 1) % accounts.size();
          int64_t amount = static_cast<int64_t>(random() % 100 + 1);
          requests.push_back(
              {"", ledger::Transfer{{{accounts[from], -amount}, {accounts[to], amount}}, ""}});
        }
        auto sent = std::chrono::steady_clock::now();
        auto outcomes = ledger.Execute(std::move(requests));
        latencies[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                .count());
        for (const auto& outcome : outcomes) {
          if (outcome.status.ok()) {
            ++done;
          } else {
            ++refused;
          }
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<double> all;
  for (auto& list : latencies)
    all.insert(all.end(), list.begin(), list.end());
  CaseResult result;
  result.clients = clients;
  result.batch = batch;
  result.transfers_per_s = static_cast<double>(done.load()) / elapsed;
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  result.refused = refused.load();
  return result;
}

CaseResult RunLedgerCase(const std::string& database, int accounts, int clients, int batch,
                         double seconds) {
  auto store = store::OpenLedgerStore(database);
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  ledger::Ledger ledger(std::move(*store), SystemClock::Instance());
  CaseResult result = RunCase(ledger, OpenAccounts(ledger, accounts), clients, batch, seconds);
  auto report = ledger::VerifyLedger(ledger.store());
  if (!report.ok())
    throw std::runtime_error("ledger failed verification: " + report.status().ToString());
  return result;
}

}  // namespace ebank::app
