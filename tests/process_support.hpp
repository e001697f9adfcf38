#pragma once

// Runs the real logcatch binary as a child process, with stdout and stderr
// captured in files, for tests of the CLI contract and of signals.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "bench/workload/spawn_process.hpp"
#include "test_support.hpp"

namespace logcatch::test {

/// Reaps `pid` once it exits (polling, up to `timeout`): sets `exited` and
/// `code` (the exit code, 128+N for a signal); returns `code`, or -1 on timeout.
inline int wait_for_exit(pid_t pid, bool& exited, int& code, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return code;
}

class child_process {
public:
  /// Starts `argv` (argv[0] is the program path) with output into files in `dir`.
  child_process(std::vector<std::string> argv, const std::string& dir) {
    // Numbered, so a test that starts several children keeps each one's output.
    static int counter = 0;
    auto n = std::to_string(++counter);
    out_path_ = dir + "/child-" + n + ".stdout";
    err_path_ = dir + "/child-" + n + ".stderr";
    // The test binary may block signals (CAF threads); the child starts clean.
    pid_ = spawn_process(argv, child_stream{out_path_, false}, child_stream{err_path_, false});
  }
  ~child_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void signal(int sig) { ::kill(pid_, sig); }
  pid_t pid() const { return pid_; }

  /// Resident memory of the running child in KiB (0 once it is gone).
  long rss_kib() const {
    std::string status = read_file("/proc/" + std::to_string(pid_) + "/status");
    auto at = status.find("VmRSS:");
    return at == std::string::npos ? 0 : std::stol(status.substr(at + 6));
  }

  /// Waits for the exit; returns the exit code, 128+N for a signal, or -1 on timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    return wait_for_exit(pid_, exited_, code_, timeout);
  }

  std::string out() const { return read_file(out_path_); }
  std::string err() const { return read_file(err_path_); }

private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
  std::string out_path_;
  std::string err_path_;
};

/// Runs logcatch with `args` to completion.
struct run_result {
  int code;
  std::string out;
  std::string err;
};

inline run_result run_logcatch(const std::vector<std::string>& args, const temp_dir& dir) {
  std::vector<std::string> argv{LOGCATCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process child{argv, dir.path()};
  int code = child.wait();
  return run_result{code, child.out(), child.err()};
}

/// The child's highest RSS (KiB) sampled every 50 ms until `until`: a
/// window that is the test's subject (memory staying flat during a fault),
/// not a wait for a condition.
inline long peak_rss_kib_until(const child_process& child,
                               std::chrono::steady_clock::time_point until) {
  long peak = 0;
  for (; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(50)))
    peak = std::max(peak, child.rss_kib());
  return peak;
}

} // namespace logcatch::test
