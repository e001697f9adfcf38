#pragma once

// A process the benchmark runs (logcatch, cat, a peer collector), with what
// the OS says it cost: CPU seconds and peak RSS from wait4, and live samples
// from /proc while it runs.

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace logcatch::bench {

struct child_usage {
  int exit_code = -1;      ///< 128+N when killed by signal N
  double user_seconds = 0;
  double system_seconds = 0;
  /// wait4's ru_maxrss: not the child's own peak when it is smaller than
  /// the driver (the forked copy of the driver counts); use peak_rss_kib().
  long max_rss_kib = 0;
  double cpu_seconds() const { return user_seconds + system_seconds; }
};

class child {
public:
  /// Starts argv[0] (a path) with stdout to `stdout_path` (/dev/null if
  /// empty) and stderr to `stderr_path`.
  child(const std::vector<std::string>& argv, const std::string& stdout_path,
        const std::string& stderr_path);
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig);
  /// Waits for the exit (up to `timeout`; then SIGKILL) and returns its cost.
  child_usage wait(std::chrono::milliseconds timeout = std::chrono::minutes(5));
  bool running();

  /// CPU seconds (user+system) used so far, from /proc/PID/stat.
  double cpu_seconds_now() const;
  /// Resident memory now in KiB, from /proc/PID/status.
  long rss_kib_now() const;
  /// Peak resident memory since exec in KiB (VmHWM); read it before the exit.
  long peak_rss_kib() const;

private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  child_usage usage_;
};

/// The folder of the running executable (where build/logcatch sits next
/// to build/logcatch-bench).
std::string own_folder();

} // namespace logcatch::bench
