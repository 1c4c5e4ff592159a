#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ebank::testing {

Process::Process(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<char*> argv;
  for (const auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot start " + args[0]);
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec. The child dies with the test, even when the
    // test itself crashes, so that no server outlives it.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0 || dup2(null, 0) < 0) {
      _exit(127);
    }
    execve(argv[0], argv.data(), environ);
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    Signal(SIGKILL);
    Wait(10);
  }
}

void Process::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

bool Process::running() {
  if (reaped_) return false;
  pid_t done = waitpid(pid_, &status_, WNOHANG);
  if (done == pid_) reaped_ = true;
  return !reaped_;
}

int Process::Wait(double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) return INT_MIN;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return -WTERMSIG(status_);
  return INT_MIN;
}

}  // namespace ebank::testing
