#include "actors/remote/hello_check.hpp"

#include "config/network_names.hpp"

namespace logcatch {

namespace {

/// Constant time in the position of the first difference: a peer timing
/// refusals learns nothing about the token's prefix.
bool token_accepted(const std::string& given, const std::string& expected) {
  if (expected.empty())
    return true;
  if (given.size() != expected.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return diff == 0;
}

} // namespace

hello_refusal check_hello(const std::string& node, const std::string& token,
                          const std::string& instance, const std::string& shared_token,
                          const node_token_map& node_tokens) {
  if (!valid_node_name(node))
    return {"bad node name", "bad node name"};
  auto expected = token_for(node_tokens, shared_token, node);
  if (expected.refused)
    return {"wrong auth token",
            "the node tokens file does not list it and there is no shared token"};
  if (!token_accepted(token, expected.token))
    return {"wrong auth token", "wrong or missing auth token"};
  if (instance.empty() || instance.size() > 64)
    return {"bad instance id", "bad instance id"};
  return {};
}

} // namespace logcatch
