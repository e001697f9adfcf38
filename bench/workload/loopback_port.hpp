#pragma once

#include <cstdint>

namespace logcatch {

/// A TCP port on 127.0.0.1 nothing listens on right now (bound, then
/// released), for an aggregator that must keep its port across restarts.
uint16_t free_loopback_port();

} // namespace logcatch
