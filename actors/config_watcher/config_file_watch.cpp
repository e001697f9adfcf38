#include "actors/config_watcher/config_file_watch.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "actors/tailer/inotify_events.hpp"

namespace logcatch {

namespace {

// Names only: writes are watched on the file itself, so a busy file next to
// the config (a file sink, a log) does not even wake the watcher.
constexpr uint32_t folder_mask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                                 IN_DELETE_SELF | IN_MOVE_SELF;
constexpr uint32_t file_mask = IN_MODIFY | IN_CLOSE_WRITE;

std::string current_folder() {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return ec ? std::string("/") : cwd.string();
}

} // namespace

config_file_watch::config_file_watch(const std::string& path) : path_(path), cwd_(current_folder()) {
  // LOGCATCH_NO_INOTIFY=1 forces the fallback, as on a filesystem without
  // inotify (it is how the tests exercise that path).
  if (std::getenv("LOGCATCH_NO_INOTIFY") == nullptr)
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  refresh();
}

config_file_watch::~config_file_watch() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool config_file_watch::watching() const {
  return !chain_.empty() && wd_by_folder_.count(chain_.back().folder) > 0;
}

void config_file_watch::refresh() {
  chain_ = symlink_chain(path_, cwd_);
  relevant_ = std::set<watched_name>(chain_.begin(), chain_.end());
  if (fd_ < 0)
    return;
  std::set<std::string> folders;
  for (const auto& n : chain_)
    folders.insert(n.folder);
  for (auto it = wd_by_folder_.begin(); it != wd_by_folder_.end();) {
    if (folders.count(it->first) == 0) {
      ::inotify_rm_watch(fd_, it->second);
      folder_by_wd_.erase(it->second);
      it = wd_by_folder_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& folder : folders) {
    if (wd_by_folder_.count(folder) > 0)
      continue;
    int wd = ::inotify_add_watch(fd_, folder.c_str(), folder_mask);
    if (wd < 0)
      continue; // not there (yet): the next refresh tries again
    wd_by_folder_[folder] = wd;
    folder_by_wd_[wd] = folder;
  }
  // The file at the end of the chain, by inode: a new file renamed over the
  // old one needs a new watch.
  struct stat st {};
  auto file = chain_.empty() ? std::string() : chain_.back().folder + "/" + chain_.back().name;
  bool present = !file.empty() && ::stat(file.c_str(), &st) == 0;
  bool same = present && file_wd_ >= 0 && static_cast<uint64_t>(st.st_dev) == file_device_ &&
              static_cast<uint64_t>(st.st_ino) == file_inode_;
  if (same)
    return;
  if (file_wd_ >= 0) {
    ::inotify_rm_watch(fd_, file_wd_);
    file_wd_ = -1;
  }
  if (!present)
    return;
  file_wd_ = ::inotify_add_watch(fd_, file.c_str(), file_mask);
  file_device_ = static_cast<uint64_t>(st.st_dev);
  file_inode_ = static_cast<uint64_t>(st.st_ino);
}

bool config_file_watch::wait(millis timeout) {
  refresh(); // a swapped link or a re-created folder since the last wait
  if (fd_ < 0 || wd_by_folder_.empty()) {
    std::this_thread::sleep_for(timeout);
    return false;
  }
  return wait_for_relevant_events(fd_, timeout, [this] { return drain_events(); });
}

bool config_file_watch::drain_events() {
  bool relevant = false;
  for_each_inotify_event(fd_, [&](const inotify_event* ev) {
    if (ev->mask & IN_Q_OVERFLOW) {
      relevant = true; // what was lost may have been ours
      return;
    }
    if (ev->wd == file_wd_) {
      relevant = true;
      if (ev->mask & IN_IGNORED)
        file_wd_ = -1; // the file is gone; the next refresh watches its successor
      return;
    }
    auto folder = folder_by_wd_.find(ev->wd);
    if (folder == folder_by_wd_.end())
      return; // a watch removed since (its IN_IGNORED)
    if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
      // The folder was deleted or renamed: the path may now lead elsewhere;
      // watch it again once it is (back) there.
      if (!(ev->mask & IN_IGNORED))
        ::inotify_rm_watch(fd_, ev->wd);
      wd_by_folder_.erase(folder->second);
      folder_by_wd_.erase(folder);
      relevant = true;
      return;
    }
    if (ev->len > 0 && relevant_.count(watched_name{folder->second, ev->name}) > 0)
      relevant = true;
  });
  return relevant;
}

} // namespace logcatch
