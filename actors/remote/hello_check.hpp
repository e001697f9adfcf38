#pragma once

// Whether a collector's hello may open a session: its node name, its token
// against the configured ones, its instance id. Plain logic, no actor code:
// an aggregator's front keeps the sessions and asks this first.

#include <string>

#include "config/node_tokens.hpp"

namespace logcatch {

/// Why a hello is refused; both empty when it is accepted.
struct hello_refusal {
  std::string reply; ///< what the collector is told ("wrong auth token"): nothing it could probe with
  std::string log;   ///< what the aggregator's log says, a little more precisely

  bool refused() const { return !reply.empty(); }
};

/// Checks a hello for `node` with `token` and `instance` against the shared
/// token and the per-node tokens (no token configured at all: any is
/// accepted). The token is compared in time independent of where it differs.
hello_refusal check_hello(const std::string& node, const std::string& token,
                          const std::string& instance, const std::string& shared_token,
                          const node_token_map& node_tokens);

} // namespace logcatch
