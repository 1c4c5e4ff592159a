// Child processes for integration tests: start, signal, wait; killed when dropped.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ebank::testing {

class Process {
 public:
  // Starts `args[0]` with `args`, stdout and stderr appended to `log_path`.
  Process(const std::vector<std::string>& args, const std::string& log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void Signal(int signal);
  // Waits up to `timeout_s` for the process to end; its exit code, or -signal, or
  // INT32_MIN on timeout.
  int Wait(double timeout_s);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace ebank::testing
