#include "actors/remote/session_credential.hpp"

#include <cstdio>
#include <cstring>

#include "actors/remote/random_bytes.hpp"

namespace logcatch {

session_credential session_credential::random() {
  session_credential c;
  while (c.empty()) {
    unsigned char bytes[16];
    fill_random(bytes, sizeof bytes, "a session credential");
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
