#include "actors/sink/output_writer.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace logcatch {

output_writer::output_writer(const sink_config& cfg) {
  if (cfg.type == sink_type::stdout_sink) {
    fd_ = STDOUT_FILENO;
    name_ = "stdout";
    return;
  }
  name_ = cfg.path;
  fd_ = ::open(cfg.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(cfg.path + ": cannot open sink file: " + std::strerror(errno));
  owned_ = true;
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
