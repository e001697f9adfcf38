#include "main/signals.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>

namespace logcatch {

namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

} // namespace

void block_signals() {
  auto set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A file size limit (ulimit -f) makes write() fail with EFBIG, reported
  // like a full disk, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
}

int wait_for_signal(std::chrono::milliseconds timeout) {
  auto set = handled_signals();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1000000);
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0)
      return sig;
    if (errno != EINTR)
      return 0;
  }
}

} // namespace logcatch
