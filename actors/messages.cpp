#include "actors/messages.hpp"

namespace logcatch {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<file_identity>("file_identity");
  cfg.add_message_type<size_adjustment>("size_adjustment");
  cfg.add_message_type<std::vector<size_adjustment>>("std::vector<size_adjustment>");
  cfg.add_message_type<session_credential>("session_credential");
  cfg.add_message_type<line_batch>("line_batch");
  cfg.add_message_type<delivered_position>("delivered_position");
  cfg.add_message_type<std::vector<delivered_position>>("std::vector<delivered_position>");
  cfg.add_message_type<file_events>("file_events");
  cfg.add_message_type<key_stats>("key_stats");
  cfg.add_message_type<std::vector<key_stats>>("std::vector<key_stats>");
}

} // namespace logcatch
