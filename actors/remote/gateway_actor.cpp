#include "actors/remote/gateway_actor.hpp"

#include "actors/messages.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

/// A logcatch message a collector may send; matched by type and atom value.
bool from_collector(const caf::type_erased_tuple& m) {
  if (m.match_elements<line_batch>())
    return true;
  if (m.size() == 0 || !m.match_element<caf::atom_value>(0))
    return false;
  auto atom = m.get_as<caf::atom_value>(0);
  if (atom == hello_atom::value)
    return m.match_elements<caf::atom_value, std::string, std::string, std::string>() ||
           m.match_elements<caf::atom_value, std::string, std::string, std::string, std::string,
                            std::string, std::string>();
  if (atom == challenge_atom::value)
    return m.size() == 1;
  if (atom == sync_atom::value)
    return m.match_elements<caf::atom_value, session_credential, std::string>();
  if (atom == forget_atom::value)
    return m.match_elements<caf::atom_value, session_credential, std::string, file_identity>();
  return false;
}

/// What kind of message it was, in a few words (never its whole content: it
/// may be huge).
std::string describe(const caf::type_erased_tuple& m) {
  if (m.match_elements<caf::exit_msg>())
    return "an exit message";
  if (m.match_elements<caf::down_msg>())
    return "a down message";
  if (m.match_elements<caf::error>())
    return "an error message";
  if (m.size() > 0 && m.match_element<caf::atom_value>(0))
    return "a message starting with '" + to_string(m.get_as<caf::atom_value>(0)) + "'";
  return "a message of " + std::to_string(m.size()) + " elements";
}

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

caf::actor gateway_actor::make(caf::actor_system& sys, caf::actor sink) {
  caf::actor_config cfg;
  auto handle =
    caf::make_actor<gateway_actor, caf::actor>(sys.next_actor_id(), sys.node(), &sys, cfg);
  auto* self = static_cast<gateway_actor*>(caf::actor_cast<caf::abstract_actor*>(handle));
  self->sink_ = std::move(sink);
  return handle;
}

gateway_actor::gateway_actor(caf::actor_config& cfg) : caf::monitorable_actor(cfg) {
}

void gateway_actor::enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) {
  const auto& content = what->content();
  // A forwarding stack would let a peer direct the sink's answer elsewhere.
  if (open_ && what->stages.empty() && from_collector(content)) {
    sink_->enqueue(std::move(what), host);
    return;
  }
  auto dropped = ++dropped_;
  if (!open_)
    return;
  // At most one line a second, whatever a peer sends.
  auto now = steady_ms();
  auto last = last_log_ms_.load();
  if (now - last < 1000 || !last_log_ms_.compare_exchange_strong(last, now))
    return;
  std::string from = what->sender ? "node " + to_string(what->sender->node()) + " (as it claims)"
                                  : "an anonymous sender";
  log_warn("aggregator", "dropped " + describe(content) + " from " + from +
                           ": not a logcatch message (" +
                           std::to_string(dropped) + " dropped so far)");
}

void gateway_actor::close(const caf::actor& gateway, const caf::error& reason) {
  auto* self = static_cast<gateway_actor*>(caf::actor_cast<caf::abstract_actor*>(gateway));
  if (!self || !self->open_.exchange(false))
    return;
  self->cleanup(caf::error{reason}, nullptr);
}

} // namespace logcatch
