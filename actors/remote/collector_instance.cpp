#include "actors/remote/collector_instance.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include "actors/remote/session_credential.hpp"

namespace logcatch {

bool valid_instance_id(const std::string& id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

std::string one_run_instance_id() {
  auto a = session_credential::random();
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(a.hi),
                static_cast<unsigned long long>(a.lo));
  return text;
}

std::string collector_instance_id(const std::string& state_dir) {
  std::string path = (state_dir.empty() ? std::string(".") : state_dir) + "/collector-instance";
  std::ifstream in(path);
  if (in) {
    std::string id;
    std::getline(in, id);
    if (!valid_instance_id(id))
      throw std::runtime_error(path + ": not a collector instance id (expected hex digits); "
                               "delete it to draw a new one");
    return id;
  }
  if (::access(path.c_str(), F_OK) == 0)
    throw std::runtime_error(path + ": cannot read it");
  std::string id = one_run_instance_id();
  // Written to a temporary name and renamed: a crash leaves the old state
  // (none) or the whole id, never half of one.
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(tmp + ": cannot create: " + std::strerror(errno));
  std::string line = id + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    saved = ok ? errno : saved;
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot write: " + std::strerror(saved));
  }
  return id;
}

} // namespace logcatch
