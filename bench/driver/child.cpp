#include "bench/driver/child.hpp"

#include "bench/workload/spawn_process.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace logcatch::bench {

child::child(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path) {
  pid_ = spawn_process(argv, child_stream{stdout_path.empty() ? "/dev/null" : stdout_path, false},
                       child_stream{stderr_path.empty() ? "/dev/null" : stderr_path, true});
}

child::~child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void child::signal(int sig) {
  if (!reaped_)
    ::kill(pid_, sig);
}

bool child::running() {
  if (reaped_)
    return false;
  int status = 0;
  struct rusage ru {};
  pid_t r = ::wait4(pid_, &status, WNOHANG, &ru);
  if (r != pid_)
    return true;
  reaped_ = true;
  usage_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  usage_.user_seconds = static_cast<double>(ru.ru_utime.tv_sec) + ru.ru_utime.tv_usec / 1e6;
  usage_.system_seconds = static_cast<double>(ru.ru_stime.tv_sec) + ru.ru_stime.tv_usec / 1e6;
  usage_.max_rss_kib = ru.ru_maxrss;
  return false;
}

child_usage child::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline)
      signal(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return usage_;
}

double child::cpu_seconds_now() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  if (paren == std::string::npos)
    return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  // After the command: state is field 3; utime and stime are fields 14, 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14)
      utime = std::stoul(field);
    if (i == 15)
      stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

namespace {

long status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string word;
  while (in >> word)
    if (word == field) {
      long kib = 0;
      in >> kib;
      return kib;
    }
  return 0;
}

} // namespace

long child::rss_kib_now() const {
  return status_kib(pid_, "VmRSS:");
}

long child::peak_rss_kib() const {
  return status_kib(pid_, "VmHWM:");
}

std::string own_folder() {
  char buf[4096];
  auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return ".";
  buf[n] = '\0';
  std::string path(buf, static_cast<std::size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

} // namespace logcatch::bench
