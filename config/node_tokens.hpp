#pragma once

// Per-node tokens for an aggregator: a file of `node: token` lines, so that
// one leaked token lets its holder speak for one node only.
//
//   # comments and blank lines are ignored
//   web-1: 6f1c...            a node name (as valid_node_name), a colon,
//   db-2:  "a b c"            the token (the rest of the line, trimmed;
//                             surrounding quotes removed)

#include <map>
#include <string>

namespace logcatch {

using node_token_map = std::map<std::string, std::string>;

/// Parses `text` (the content of `file`); throws config_error naming
/// file:line and the cause (no colon, a bad node name, an empty token, a
/// node listed twice).
node_token_map parse_node_tokens(const std::string& text, const std::string& file);

/// Reads and parses `path`; throws config_error when it cannot be read or
/// lists nothing.
node_token_map read_node_tokens_file(const std::string& path);

/// The token `node` must present: its own if listed, else the shared one
/// (empty: any is accepted, only when neither per-node nor shared tokens are
/// configured). `refused` when the node is unlisted and only per-node tokens
/// exist: then no token is accepted.
struct expected_token {
  std::string token;
  bool refused = false; ///< per-node tokens exist, the node is not listed, no shared token
};
expected_token token_for(const node_token_map& tokens, const std::string& shared,
                         const std::string& node);

} // namespace logcatch
