#include "actors/tailer/file_identity.hpp"

#include <cerrno>
#include <dirent.h>
#include <memory>
#include <sys/stat.h>

namespace logcatch {

std::string file_identity::to_string() const {
  return "dev " + std::to_string(device) + " ino " + std::to_string(inode);
}

namespace {

path_status from_stat(int rc, const struct stat& st) {
  path_status s;
  if (rc != 0) {
    if (errno != ENOENT && errno != ENOTDIR)
      s.error = errno;
    return s;
  }
  s.exists = true;
  s.regular = S_ISREG(st.st_mode);
  s.id = file_identity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  s.size = static_cast<uint64_t>(st.st_size);
  s.links = static_cast<uint64_t>(st.st_nlink);
  return s;
}

} // namespace

path_status stat_path(const std::string& path) {
  struct stat st {};
  int rc = ::stat(path.c_str(), &st);
  return from_stat(rc, st);
}

path_status stat_fd(int fd) {
  struct stat st {};
  int rc = ::fstat(fd, &st);
  return from_stat(rc, st);
}

std::optional<std::string> find_by_identity(const std::string& folder, const file_identity& id) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir{::opendir(folder.c_str()), ::closedir};
  if (!dir)
    return std::nullopt;
  while (auto* entry = ::readdir(dir.get())) {
    std::string candidate = folder + "/" + entry->d_name;
    auto st = stat_path(candidate);
    if (st.exists && st.regular && st.id == id)
      return candidate;
  }
  return std::nullopt;
}

} // namespace logcatch
