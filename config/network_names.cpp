#include "config/network_names.hpp"

#include <charconv>
#include <unistd.h>

namespace logcatch {

std::optional<host_port> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host.find_first_of(" \t/") != std::string::npos)
    return std::nullopt;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  unsigned long port = 0;
  auto [stop, err] = std::from_chars(first, last, port);
  if (first == last || stop != last || err != std::errc() || port > 65535)
    return std::nullopt;
  return host_port{host, static_cast<uint16_t>(port)};
}

bool valid_node_name(const std::string& node) {
  if (node.empty() || node.size() > 128)
    return false;
  for (unsigned char c : node)
    if (c <= ' ' || c == '/' || c == 0x7f)
      return false;
  return true;
}

std::string default_node_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
    return "localhost";
  std::string result = name;
  return valid_node_name(result) ? result : "localhost";
}

} // namespace logcatch
