#include "actors/tailer/file_age.hpp"

#include <fcntl.h>

namespace logcatch {

file_age age_of(const std::string& path, const struct stat& st) {
  file_age age;
  age.modified = st.st_mtim;
  age.inode = st.st_ino;
  struct statx sx {};
  if (::statx(AT_FDCWD, path.c_str(), 0, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME) != 0)
    age.born = timespec{static_cast<time_t>(sx.stx_btime.tv_sec), static_cast<long>(sx.stx_btime.tv_nsec)};
  return age;
}

bool older(const file_age& a, const file_age& b) {
  if (later(a.modified, b.modified) || later(b.modified, a.modified))
    return later(b.modified, a.modified);
  if (later(a.born, b.born) || later(b.born, a.born))
    return later(b.born, a.born);
  return a.inode < b.inode;
}

} // namespace logcatch
