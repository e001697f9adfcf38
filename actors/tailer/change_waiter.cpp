#include "actors/tailer/change_waiter.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <poll.h>
#include <sys/inotify.h>
#include <thread>
#include <unistd.h>

namespace logcatch {

change_waiter::change_waiter(const std::string& file_path, bool any_name) : any_name_(any_name) {
  std::filesystem::path p(file_path);
  folder_ = p.parent_path().string();
  if (folder_.empty())
    folder_ = ".";
  name_ = p.filename().string();
  // LOGCATCH_NO_INOTIFY=1 forces the stat-poll fallback, as on a filesystem
  // without inotify (it is how the tests exercise that path).
  if (std::getenv("LOGCATCH_NO_INOTIFY") == nullptr)
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  try_watch();
}

change_waiter::~change_waiter() {
  if (fd_ >= 0)
    ::close(fd_);
}

void change_waiter::try_watch() {
  if (fd_ < 0 || wd_ >= 0)
    return;
  constexpr uint32_t mask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                            IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  wd_ = ::inotify_add_watch(fd_, folder_.c_str(), mask);
}

bool change_waiter::wait(millis timeout, const std::string& other_name) {
  try_watch(); // the folder may have appeared since
  if (wd_ < 0) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  pollfd pfd{fd_, POLLIN, 0};
  int rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (rc <= 0)
    return false;
  bool relevant = false;
  alignas(inotify_event) char buf[16 * 1024];
  for (;;) {
    auto n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0)
      break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        // The folder went away or was renamed: watch the path's folder again
        // once it is (back) there.
        if (ev->mask & IN_MOVE_SELF)
          ::inotify_rm_watch(fd_, wd_);
        wd_ = -1;
        relevant = true;
        continue;
      }
      std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
      if (any_name_ || name.empty() || name == name_ || (!other_name.empty() && name == other_name))
        relevant = true;
    }
  }
  return relevant;
}

} // namespace logcatch
