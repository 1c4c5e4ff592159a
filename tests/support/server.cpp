#include "support/server.h"

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testing/testing.h"

namespace ebank::testing {

ServerProcess::ServerProcess(const std::string& database, const std::string& dir,
                             const std::string& name)
    : log_path_(dir + "/" + name + ".log") {
  std::string port_file = dir + "/" + name + ".port";
  std::string token_file = dir + "/operator-token";
  std::string card_port_file = dir + "/" + name + ".card-port";
  std::filesystem::remove(port_file);
  std::filesystem::remove(card_port_file);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{EbankBinary(), "serve", "--db", database, "--listen", "127.0.0.1:0",
                               "--port-file", port_file, "--token-file", token_file, "--data-dir",
                               dir, "--threads", "2", "--no-access-log", "--card-listen",
                               "127.0.0.1:0", "--card-port-file", card_port_file},
      log_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (port_ == 0) {
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) break;
    port_ = 0;
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("ebank serve did not start; log:\n" + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream(token_file) >> token_;
  // The card host's port is written before the HTTP one.
  std::ifstream(card_port_file) >> card_port_;
}

ServerProcess::~ServerProcess() = default;

void ServerProcess::Kill() {
  process_->Signal(SIGKILL);
  process_->Wait(30);
}

int ServerProcess::Stop() {
  process_->Signal(SIGTERM);
  return process_->Wait(30);
}

std::string ServerProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ebank::testing
