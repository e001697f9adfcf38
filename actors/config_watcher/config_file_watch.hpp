#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/config_watcher/symlink_chain.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// Waits until something happens to the config file, or a timeout. Uses
/// inotify on each folder of the file's symlink chain, for the chain's names
/// only (an editor's rename over the file, a deleted or re-created file, a
/// swapped "..data" link), and on the file itself for writes in place.
/// Events about other names in those folders (the state file saved every
/// 200 ms next to the config, a file sink, logs) are read and ignored: they
/// must not delay a reload. The chain is computed again before every wait,
/// so after a symlink swap the new target's folder and file are watched.
/// Where inotify is unavailable it simply sleeps (the caller compares the
/// content every second).
class config_file_watch {
public:
  /// `path`: the config file as given (relative to the working folder).
  explicit config_file_watch(const std::string& path);
  ~config_file_watch();
  config_file_watch(const config_file_watch&) = delete;
  config_file_watch& operator=(const config_file_watch&) = delete;

  /// Blocks at most `timeout`; true as soon as an event concerns the config
  /// file: one of its chain's names created, renamed, deleted or changed
  /// attributes, the file written, a watched folder gone, or a queue
  /// overflow (events may be lost).
  bool wait(millis timeout);

  /// True while inotify watches the folder the chain ends in.
  bool watching() const;

  /// The names watched since the last wait (the file's symlink chain).
  const std::vector<watched_name>& names() const { return chain_; }

private:
  void refresh();
  bool drain_events(); ///< true if one concerned the config file

  std::string path_;
  std::string cwd_;
  int fd_ = -1;
  std::vector<watched_name> chain_;
  std::set<watched_name> relevant_;
  std::map<int, std::string> folder_by_wd_;
  std::map<std::string, int> wd_by_folder_;
  int file_wd_ = -1; ///< writes to the file the chain ends at
  uint64_t file_device_ = 0;
  uint64_t file_inode_ = 0;
};

} // namespace logcatch
