#pragma once

#include <caf/all.hpp>

#include "config/config_model.hpp"

namespace logcatch {

/// The actor system configuration every logcatch process uses: our message
/// types announced (they cross the wire), a scheduler sized to the machine,
/// and, with `network`, CAF's io middleman loaded; with `tls` enabled also
/// CAF's OpenSSL module, set up for mutual TLS.
class system_config : public caf::actor_system_config {
public:
  explicit system_config(bool network, const tls_config& tls = {});
};

} // namespace logcatch
