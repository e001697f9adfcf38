#include "actors/metrics/http_request_head.hpp"

namespace logcatch {

http_request_head parse_http_request_head(const std::string& received, std::size_t max_bytes) {
  http_request_head head;
  auto end = received.find("\r\n\r\n");
  if (end == std::string::npos) {
    // A bare "\n\n" ends a head too for lenient clients.
    end = received.find("\n\n");
    if (end == std::string::npos) {
      head.status = received.size() > max_bytes ? http_request_head::state::too_large
                                                : http_request_head::state::incomplete;
      return head;
    }
  }
  if (end > max_bytes) {
    head.status = http_request_head::state::too_large;
    return head;
  }
  auto line_end = received.find_first_of("\r\n");
  auto line = received.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  head.status = http_request_head::state::bad;
  if (sp1 == std::string::npos || sp2 == std::string::npos || sp1 == 0)
    return head;
  auto version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return head;
  head.method = line.substr(0, sp1);
  for (char c : head.method)
    if (c < 'A' || c > 'Z')
      return head;
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (head.target.empty() || head.target[0] != '/')
    return head;
  head.target = head.target.substr(0, head.target.find('?'));
  head.status = http_request_head::state::complete;
  return head;
}

std::string http_response(int status, const std::string& content_type, const std::string& body,
                          bool head_only) {
  const char* reason = status == 200   ? "OK"
                       : status == 400 ? "Bad Request"
                       : status == 404 ? "Not Found"
                       : status == 405 ? "Method Not Allowed"
                       : status == 431 ? "Request Header Fields Too Large"
                       : status == 503 ? "Service Unavailable"
                                       : "Error";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                    "\r\nContent-Type: " + content_type +
                    "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n\r\n";
  if (!head_only)
    out += body;
  return out;
}

} // namespace logcatch
