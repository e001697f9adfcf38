#pragma once

#include <string>

#include "config/config_model.hpp"

namespace logcatch {

/// Waits until something happens to a file in a folder, or a timeout. Uses
/// inotify on the folder (so creation, rename and deletion of the file are seen
/// as well as writes); where inotify is unavailable (some network or FUSE
/// filesystems, exhausted watch limits) it simply sleeps, and the caller's
/// stat-poll finds the change.
class change_waiter {
public:
  /// `file_path`: the followed path; its folder is watched (it may not exist
  /// yet). With `any_name`, every event in the folder counts (a config file
  /// swapped in by renaming a symlink such as Kubernetes' "..data").
  explicit change_waiter(const std::string& file_path, bool any_name = false);
  ~change_waiter();
  change_waiter(const change_waiter&) = delete;
  change_waiter& operator=(const change_waiter&) = delete;

  /// Blocks at most `timeout`; returns true if an event concerning the
  /// followed name (or `other_name`, e.g. the rotated file still being read)
  /// or the folder itself arrived.
  bool wait(millis timeout, const std::string& other_name = {});

  /// True while an inotify watch on the folder is in place.
  bool watching() const { return wd_ >= 0; }

private:
  void try_watch();

  std::string folder_;
  std::string name_;
  bool any_name_ = false;
  int fd_ = -1;
  int wd_ = -1;
};

} // namespace logcatch
