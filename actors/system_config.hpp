#pragma once

#include <caf/all.hpp>

namespace logcatch {

/// The actor system configuration every logcatch process uses: our message
/// types announced (they cross the wire), a scheduler sized to the machine,
/// and, with `network`, CAF's io middleman loaded.
class system_config : public caf::actor_system_config {
public:
  explicit system_config(bool network);
};

} // namespace logcatch
