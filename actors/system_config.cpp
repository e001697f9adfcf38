#include "actors/system_config.hpp"

#include <algorithm>
#include <thread>

#include <caf/io/all.hpp>

#include "actors/messages.hpp"

namespace logcatch {

system_config::system_config(bool network) {
  register_message_types(*this);
  // CAF defaults to max(cores, 4) workers; tailers and the sink are detached
  // threads, so the scheduler mostly runs the root.
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(std::min(cores, 4u)));
  if (network) {
    load<caf::io::middleman>();
    // Silent peers are noticed (a half-open connection does not stall anyone).
    set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
    set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(5)});
  }
}

} // namespace logcatch
