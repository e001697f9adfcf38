#include "actors/tailer/file_identity.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>
#include <vector>
#include <sys/stat.h>

namespace logcatch {

bool same_file(const file_identity& a, const file_identity& b) {
  if (a.prefix_len > 0 && a.prefix_len == b.prefix_len)
    return a.prefix_hash == b.prefix_hash;
  return a.device == b.device && a.inode == b.inode;
}

uint64_t hash_bytes(const char* data, std::size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

bool starts_like(int fd, const file_identity& id) {
  if (id.prefix_len == 0)
    return true;
  auto hash = prefix_hash_of(fd, id.prefix_len);
  return hash && *hash == id.prefix_hash;
}

std::string read_head(int fd, std::size_t len) {
  std::string buf(len, '\0');
  std::size_t done = 0;
  while (done < len) {
    auto n = ::pread(fd, buf.data() + done, len - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += static_cast<std::size_t>(n);
  }
  buf.resize(done);
  return buf;
}

std::optional<uint64_t> prefix_hash_of(int fd, uint32_t len) {
  auto head = read_head(fd, len);
  if (head.size() < len)
    return std::nullopt;
  return hash_bytes(head.data(), len);
}

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

bool named_like_a_copy(const copy_search& where, const std::string& name) {
  if (name.compare(0, where.name.size(), where.name) != 0)
    return false;
  return name.size() == where.name.size() ||
         std::strchr(".-_", name[where.name.size()]) != nullptr;
}

std::optional<std::string> find_by_content(const copy_search& where, uint32_t prefix_len,
                                           uint64_t prefix_hash, uint64_t min_size,
                                           const file_identity& except) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir{::opendir(where.folder.c_str()), ::closedir};
  if (!dir)
    return std::nullopt;
  while (auto* entry = ::readdir(dir.get())) {
    std::string name = entry->d_name;
    if (!named_like_a_copy(where, name))
      continue;
    std::string candidate = where.folder + "/" + name;
    if (std::find(where.exclude.begin(), where.exclude.end(), candidate) != where.exclude.end())
      continue;
    auto st = stat_path(candidate);
    if (!st.exists || !st.regular || st.id == except || st.size < min_size || st.size < prefix_len)
      continue;
    int fd = ::open(candidate.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      continue;
    auto hash = prefix_hash_of(fd, prefix_len);
    ::close(fd);
    if (hash && *hash == prefix_hash)
      return candidate;
  }
  return std::nullopt;
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
