#include "bench/workload/spawn_process.hpp"

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
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
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
  return pid;
}

} // namespace logcatch
