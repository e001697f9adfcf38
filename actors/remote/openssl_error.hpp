#pragma once

// OpenSSL's error queue as text, for the certificate checks' messages.

#include <string>

#include <openssl/err.h>

namespace logcatch {

/// The newest OpenSSL error as text ("" when there is none); clears the queue.
inline std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

} // namespace logcatch
