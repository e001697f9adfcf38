#pragma once

// Unguessable bytes for secrets (session credentials, hello challenges).

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/random.h>

namespace logcatch {

/// Fills `out` with `n` bytes from the kernel's CSPRNG (getrandom), retrying
/// on EINTR and short reads. Throws std::runtime_error naming `what` when the
/// kernel refuses.
inline void fill_random(unsigned char* out, std::size_t n, const char* what) {
  std::size_t got = 0;
  while (got < n) {
    auto r = ::getrandom(out + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error(std::string("cannot draw ") + what + ": getrandom: " + std::strerror(errno));
    }
    got += static_cast<std::size_t>(r);
  }
}

} // namespace logcatch
