#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <string>
#include <vector>

#include "config/config_model.hpp"

namespace logcatch {

/// A file being read, as the waiter watches it for writes.
struct open_file {
  std::string path;
  uint64_t device = 0;
  uint64_t inode = 0;
};

/// Waits until something happens to a followed file, or a timeout. Uses
/// inotify: on the folder for names (creation, rename, deletion, permission
/// changes) and on each file being read for its writes, so a busy neighbour
/// in the same folder (another key's log) wakes nobody but its own tailer.
/// Where inotify is unavailable (some network or FUSE filesystems,
/// exhausted watch limits) it simply sleeps, and the caller's stat-poll
/// finds the change.
class change_waiter {
public:
  /// `file_path`: the followed path or glob; its folder is watched (it may
  /// not exist yet).
  explicit change_waiter(const std::string& file_path);
  ~change_waiter();
  change_waiter(const change_waiter&) = delete;
  change_waiter& operator=(const change_waiter&) = delete;

  /// Blocks at most `timeout`; returns true as soon as something concerning
  /// us happens: a write to one of `open_files` (full paths of the files
  /// being read), or a name event for the followed name (any name a glob
  /// matches) or the folder itself. Events about other files are read and do
  /// not end the wait. Returns true at once when it starts watching a file
  /// (a write just before the watch would otherwise go unseen).
  bool wait(millis timeout, const std::vector<open_file>& open_files = {});

  /// After a wait that returned true: a file concerning us was created,
  /// renamed or deleted (a glob looks for new files then, not on writes).
  bool names_changed() const { return names_changed_; }

  /// The open files that had events since the last call (writes, renames,
  /// deletion). Empty after a wait that ended for another reason (a name
  /// event in the folder, a new watch, events lost to a queue overflow):
  /// then every file deserves a look.
  std::vector<std::string> take_touched();

  /// True while an inotify watch on the folder is in place.
  bool watching() const { return wd_ >= 0; }

private:
  struct file_watch {
    int wd = -1;
    uint64_t device = 0;
    uint64_t inode = 0;
  };

  void try_watch();
  bool update_file_watches(const std::vector<open_file>& open_files);
  bool concerns(const std::string& name) const;
  bool drain_events(); ///< true if one concerned us

  std::string folder_;
  std::string name_;
  bool glob_ = false; ///< name_ is a pattern
  bool names_changed_ = false;
  int fd_ = -1;
  int wd_ = -1;
  std::map<std::string, file_watch> files_; ///< open file path -> its watch
  /// watch -> paths (one inode watched under two names shares its watch):
  /// an event finds its file without a walk over ten thousand watches.
  std::unordered_multimap<int, std::string> paths_by_wd_;
  void forget_watch(int wd, const std::string& path);
  std::vector<std::string> touched_;
  bool events_lost_ = false; ///< the inotify queue overflowed since take_touched()
  uint64_t files_sig_ = 0; ///< of the open files last watched
};

} // namespace logcatch
