#pragma once

// How old a rotated copy's content is, to read a plain path's rotated
// files oldest first. File times come from the kernel's coarse clock, so a
// burst of rotations gives several files one modification time: those are
// ordered by birth time (statx), then, last resort, by inode number (ext4
// hands freed low inode numbers out again, so inode order alone does not
// always follow creation order).

#include <ctime>
#include <string>
#include <sys/stat.h>

namespace logcatch {

struct file_age {
  struct timespec modified {};
  struct timespec born {}; ///< zero where the filesystem keeps no birth time
  ino_t inode = 0;
};

/// The age of the file at `path`, whose stat is `st` (its birth time is
/// read with statx).
file_age age_of(const std::string& path, const struct stat& st);

/// True when `a` holds older content than `b`.
bool older(const file_age& a, const file_age& b);

/// True when `a` is strictly later than `b`.
inline bool later(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

} // namespace logcatch
