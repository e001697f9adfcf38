#include "actors/remote/session_credential.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <sys/random.h>

namespace logcatch {

session_credential session_credential::random() {
  session_credential c;
  while (c.empty()) {
    unsigned char bytes[16];
    std::size_t got = 0;
    while (got < sizeof bytes) {
      auto n = ::getrandom(bytes + got, sizeof bytes - got, 0);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        throw std::runtime_error(std::string("cannot draw a session credential: getrandom: ") +
                                 std::strerror(errno));
      }
      got += static_cast<std::size_t>(n);
    }
    std::memcpy(&c.hi, bytes, 8);
    std::memcpy(&c.lo, bytes + 8, 8);
  }
  return c;
}

std::string session_credential::short_name() const {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hi >> 32));
  return text;
}

} // namespace logcatch
