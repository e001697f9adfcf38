#include "bench/workload/spawn_process.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace logcatch {

pid_t spawn_process(const std::vector<std::string>& argv, const child_stream& out,
                    const child_stream& err) {
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto flags = [](const child_stream& s) { return O_WRONLY | O_CREAT | (s.append ? O_APPEND : O_TRUNC); };
  const int out_flags = flags(out);
  const int err_flags = flags(err);
  sigset_t none;
  sigemptyset(&none);
  // Closed by the exec (O_CLOEXEC): the parent returns only once the child
  // is the new program, so /proc/PID describes it and not the forked copy
  // of the parent (a benchmark sampling its RSS at once read the driver's).
  int exec_done[2];
  if (::pipe2(exec_done, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(exec_done[0]);
    ::close(exec_done[1]);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::close(exec_done[0]);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int in_fd = ::open("/dev/null", O_RDONLY);
    int out_fd = ::open(out.path.c_str(), out_flags, 0644);
    int err_fd = ::open(err.path.c_str(), err_flags, 0644);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(exec_done[1]);
  char byte;
  while (::read(exec_done[0], &byte, 1) < 0 && errno == EINTR) {
  }
  ::close(exec_done[0]);
  return pid;
}

} // namespace logcatch
