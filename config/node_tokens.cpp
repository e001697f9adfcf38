#include "config/node_tokens.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"
#include "config/network_names.hpp"

namespace logcatch {

namespace {

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

} // namespace

node_token_map parse_node_tokens(const std::string& text, const std::string& file) {
  node_token_map tokens;
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    auto content = trim(raw);
    if (content.empty() || content[0] == '#')
      continue;
    auto colon = content.find(':');
    if (colon == std::string::npos)
      throw config_error(file, line, 1, "expected 'node: token'");
    auto node = trim(content.substr(0, colon));
    auto token = trim(content.substr(colon + 1));
    if (token.size() >= 2 && (token.front() == '"' || token.front() == '\'') &&
        token.back() == token.front())
      token = token.substr(1, token.size() - 2);
    if (!valid_node_name(node))
      throw config_error(file, line, 1,
                         "'" + node + "' is not a node name (1-128 characters, no spaces or '/')");
    if (token.empty())
      throw config_error(file, line, static_cast<int>(colon) + 2,
                         "the token of node '" + node + "' is empty");
    if (!tokens.emplace(node, token).second)
      throw config_error(file, line, 1, "node '" + node + "' is listed twice");
  }
  return tokens;
}

node_token_map read_node_tokens_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config_error(path, 0, 0, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  auto tokens = parse_node_tokens(text.str(), path);
  if (tokens.empty())
    throw config_error(path, 0, 0, "lists no node (expected lines of 'node: token')");
  return tokens;
}

expected_token token_for(const node_token_map& tokens, const std::string& shared,
                         const std::string& node) {
  auto it = tokens.find(node);
  if (it != tokens.end())
    return {it->second, false};
  return {shared, !tokens.empty() && shared.empty()};
}

} // namespace logcatch
