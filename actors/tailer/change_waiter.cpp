#include "actors/tailer/change_waiter.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fnmatch.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <thread>
#include <unistd.h>

#include "actors/tailer/inotify_events.hpp"

namespace logcatch {

change_waiter::change_waiter(const std::string& file_path) {
  std::filesystem::path p(file_path);
  folder_ = p.parent_path().string();
  if (folder_.empty())
    folder_ = ".";
  name_ = p.filename().string();
  glob_ = name_.find_first_of("*?[") != std::string::npos;
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
  // Writes are watched per open file; the folder tells about names.
  uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                  IN_DELETE_SELF | IN_MOVE_SELF;
  wd_ = ::inotify_add_watch(fd_, folder_.c_str(), mask);
}

bool change_waiter::update_file_watches(const std::vector<open_file>& open_files) {
  // Called before every wait, with a glob's thousand files too: no stat and
  // no quadratic search unless the set of open files changed.
  uint64_t sig = open_files.size();
  for (const auto& f : open_files)
    sig = sig * 1000003u ^ (f.inode * 31u + f.device + f.path.size());
  if (sig == files_sig_ && files_.size() == open_files.size())
    return false; // the same files, all watched
  files_sig_ = sig;
  bool added = false;
  std::map<std::string, const open_file*> wanted;
  for (const auto& f : open_files)
    wanted.emplace(f.path, &f);
  for (auto it = files_.begin(); it != files_.end();) {
    auto want = wanted.find(it->first);
    if (want == wanted.end() || want->second->device != it->second.device ||
        want->second->inode != it->second.inode) {
      ::inotify_rm_watch(fd_, it->second.wd);
      forget_watch(it->second.wd, it->first);
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [path, f] : wanted) {
    if (files_.count(path) > 0)
      continue;
    // Only where the path still names the open file (a rotated file read
    // under its old name is left to the folder's events and the poll).
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_dev) != f->device ||
        static_cast<uint64_t>(st.st_ino) != f->inode)
      continue;
    constexpr uint32_t mask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
    int wd = ::inotify_add_watch(fd_, path.c_str(), mask);
    if (wd < 0)
      continue;
    files_[path] = file_watch{wd, f->device, f->inode};
    paths_by_wd_.emplace(wd, path);
    added = true;
  }
  return added;
}

bool change_waiter::wait(millis timeout, const std::vector<open_file>& open_files) {
  try_watch(); // the folder may have appeared since
  if (wd_ < 0) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  names_changed_ = false;
  if (update_file_watches(open_files))
    return true;
  // Events about other files in the folder (other keys' logs, a busy folder
  // like /var/log) do not end the wait.
  return wait_for_relevant_events(fd_, timeout, [this] { return drain_events(); });
}

std::vector<std::string> change_waiter::take_touched() {
  std::vector<std::string> result;
  result.swap(touched_);
  if (events_lost_) { // which files had events is unknown: all of them deserve a look
    events_lost_ = false;
    result.clear();
  }
  return result;
}

bool change_waiter::concerns(const std::string& name) const {
  if (name.empty() || name == name_)
    return true;
  // A glob key's own files: any name its pattern matches.
  if (glob_ && ::fnmatch(name_.c_str(), name.c_str(), FNM_PERIOD) == 0)
    return true;
  // A rotated copy of one of them (NAME.1, NAME-20261129, NAME.1.gz): the key
  // looks for it at once, so a copy made before the file at the path was
  // read further is read first, not at the next safety round.
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (std::strchr(".-_", name[i]) == nullptr)
      continue;
    auto base = name.substr(0, i);
    if (base == name_ || (glob_ && ::fnmatch(name_.c_str(), base.c_str(), FNM_PERIOD) == 0))
      return true;
  }
  return false;
}

void change_waiter::forget_watch(int wd, const std::string& path) {
  for (auto [a, b] = paths_by_wd_.equal_range(wd); a != b; ++a)
    if (a->second == path) {
      paths_by_wd_.erase(a);
      return;
    }
}

bool change_waiter::drain_events() {
  bool relevant = false;
  for_each_inotify_event(fd_, [&](const inotify_event* ev) {
    if (ev->mask & IN_Q_OVERFLOW) {
      // The kernel's queue overflowed: events of any file or name may be
      // lost, so the caller looks for new files and at every file now
      // rather than at its next safety round.
      events_lost_ = true;
      relevant = true;
      names_changed_ = true;
      return;
    }
    if (ev->wd != wd_) {
      // A file being read: written, renamed, deleted.
      relevant = true;
      std::vector<std::string> paths;
      for (auto [a, b] = paths_by_wd_.equal_range(ev->wd); a != b; ++a)
        paths.push_back(a->second);
      for (auto& path : paths) {
        if (touched_.empty() || touched_.back() != path)
          touched_.push_back(path);
        if (ev->mask & IN_IGNORED) {
          files_.erase(path);
          forget_watch(ev->wd, path);
        }
      }
      return;
    }
    if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
      // The folder went away or was renamed: watch the path's folder again
      // once it is (back) there.
      if (ev->mask & IN_MOVE_SELF)
        ::inotify_rm_watch(fd_, wd_);
      wd_ = -1;
      relevant = true;
      names_changed_ = true;
      return;
    }
    if (concerns(ev->len > 0 ? std::string(ev->name) : std::string())) {
      relevant = true;
      if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE))
        names_changed_ = true;
    }
  });
  return relevant;
}

} // namespace logcatch
