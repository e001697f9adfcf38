#pragma once

// The part of HTTP/1.x the metrics endpoint needs: is a request's head
// complete, and what does it ask for. Pure logic, no sockets.

#include <cstddef>
#include <string>

namespace logcatch {

struct http_request_head {
  enum class state { incomplete, bad, too_large, complete };
  state status = state::incomplete;
  std::string method; ///< "GET", "HEAD", ...
  std::string target; ///< "/metrics" (a query string is dropped)
};

/// Looks at the bytes received so far: incomplete until the blank line that
/// ends the head; too_large past `max_bytes` without one; bad when the
/// request line is not METHOD SP TARGET SP HTTP/1.0|1.1.
http_request_head parse_http_request_head(const std::string& received,
                                          std::size_t max_bytes = 8192);

/// A whole response (Connection: close) with `body`; HEAD gets the headers only.
std::string http_response(int status, const std::string& content_type, const std::string& body,
                          bool head_only = false);

} // namespace logcatch
