#include "actors/sink/output_writer.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace logcatch {

output_writer::output_writer(const sink_config& cfg) {
  if (cfg.type == sink_type::stdout_sink) {
    fd_ = STDOUT_FILENO;
    name_ = "stdout";
    return;
  }
  name_ = cfg.path;
  // Readable too: its first bytes identify it in checkpoints.
  fd_ = ::open(cfg.path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(cfg.path + ": cannot open sink file: " + std::strerror(errno));
  owned_ = true;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    int err = errno;
    ::close(fd_);
    throw std::runtime_error(cfg.path + ": cannot stat sink file: " + std::strerror(err));
  }
  device_ = static_cast<uint64_t>(st.st_dev);
  inode_ = static_cast<uint64_t>(st.st_ino);
  length_at_open_ = static_cast<uint64_t>(st.st_size);
}

namespace {
constexpr uint32_t fingerprint_bytes = 1024;
}

file_identity output_writer::identity(uint64_t length) {
  if (full_prefix_.valid())
    return full_prefix_;
  file_identity id{device_, inode_, 0, 0};
  if (!owned_)
    return id;
  auto len = static_cast<uint32_t>(length < fingerprint_bytes ? length : fingerprint_bytes);
  if (auto hash = prefix_hash_of(fd_, len)) { // none: cut outside logcatch, no content check
    id.prefix_len = len;
    id.prefix_hash = *hash;
  }
  if (id.prefix_len == fingerprint_bytes)
    full_prefix_ = id;
  return id;
}

output_writer::path_state output_writer::check_path() const {
  if (!owned_)
    return path_state::same;
  struct stat at_path {};
  if (::stat(name_.c_str(), &at_path) != 0)
    return path_state::missing; // ENOENT, or a folder gone or unreadable: reopening tells
  if (static_cast<uint64_t>(at_path.st_dev) != device_ || static_cast<uint64_t>(at_path.st_ino) != inode_) {
    struct stat open_file {};
    if (::fstat(fd_, &open_file) == 0 && open_file.st_nlink == 0)
      return path_state::deleted;
    return path_state::replaced;
  }
  return path_state::same;
}

const char* to_string(output_writer::path_state s) {
  switch (s) {
    case output_writer::path_state::same:
      return "still at its path";
    case output_writer::path_state::replaced:
      return "renamed away (another file is at its path)";
    case output_writer::path_state::missing:
      return "renamed away or deleted (nothing is at its path)";
    case output_writer::path_state::deleted:
      return "deleted (another file is at its path)";
  }
  return "?";
}

output_writer::~output_writer() {
  if (owned_)
    ::close(fd_);
}

bool output_writer::sync() {
  if (!owned_)
    return true;
  if (::fdatasync(fd_) != 0) {
    last_error_ = errno;
    return false;
  }
  return true;
}

int output_writer::sync_errno() const {
  if (!owned_)
    return 0;
  return ::fdatasync(fd_) == 0 ? 0 : errno;
}

std::size_t output_writer::write(const char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    auto r = ::write(fd_, data + done, n - done);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      last_error_ = errno;
      return done;
    }
    done += static_cast<std::size_t>(r);
  }
  last_error_ = 0;
  return done;
}

} // namespace logcatch
