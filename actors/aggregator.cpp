#include "actors/aggregator.hpp"

#include <filesystem>
#include <sys/resource.h>
#include <stdexcept>

#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/messages.hpp"
#include "actors/remote/collector_sessions.hpp"
#include "actors/remote/connection_guard.hpp"
#include "actors/remote/database_front_actor.hpp"
#include "actors/remote/gateway_actor.hpp"
#include "actors/remote/session_endpoints.hpp"
#include "actors/self_log.hpp"
#include "actors/sink/database_destination.hpp"
#include "actors/sink/database_sink_actor.hpp"
#include "actors/sink/sink_actor.hpp"
#include "actors/system_config.hpp"

namespace logcatch {

struct aggregator::impl {
  explicit impl(const tls_config& tls) : cfg(true, tls), system(cfg) {
  }
  system_config cfg;
  caf::actor_system system;
  bool tls = false;
  caf::actor sink;     ///< what the gateway forwards to: the file sink, or the database front
  caf::actor database; ///< the database sink behind the front (database sinks only)
  caf::actor gateway; ///< what is published: the sink is not reachable from the network
  uint16_t port = 0;
  std::unique_ptr<connection_guard> guard; ///< cuts silent and excess connections
  /// Which connections carry a session: the sink writes, the guard reads.
  std::shared_ptr<session_endpoints> sessions = std::make_shared<session_endpoints>();
  bool stopped = false;
  bool stop_complete = true;
};

namespace {

/// Positions and output must match: the state file says which collectors'
/// lines the output holds. An output with lines and no state file (a wiped
/// state_dir) would be appended to while every collector sends everything
/// again from its start: duplicates nobody asked for. A database sink has
/// no such pair: its positions are rows in the database, committed with the
/// lines, so there is nothing to check here.
void check_state_matches_output(const aggregator_options& opts) {
  if (opts.sink.type != sink_type::file || opts.state_dir.empty() ||
      opts.accept_output_without_state)
    return;
  namespace fs = std::filesystem;
  std::error_code ec;
  auto state = opts.state_dir + "/logcatch.state";
  auto size = fs::file_size(opts.sink.path, ec);
  if (ec || size == 0 || fs::exists(state, ec))
    return;
  throw std::runtime_error(
    opts.sink.path + " holds " + std::to_string(size) + " bytes but there is no state file " + state +
    ": which lines it already has is unknown, and collectors would send them again "
    "(duplicates). Restore the state_dir, or move the output away to start afresh, or start "
    "with --accept-output-without-state to append to it anyway");
}

/// The connection limit when none is configured: the fd limit less what the
/// aggregator needs besides (output, state file, CAF's pipes and epoll).
std::size_t default_max_connections() {
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur == RLIM_INFINITY)
    return 4096;
  return nofile.rlim_cur > 128 ? static_cast<std::size_t>(nofile.rlim_cur) - 64
                               : static_cast<std::size_t>(nofile.rlim_cur) / 2;
}

/// The collectors' sessions, whichever sink is behind: tokens, certificate
/// names (with tls.require_node_name), and the connections of sessions noted
/// in `endpoints`, so that known collectors' connections keep their places.
std::shared_ptr<collector_sessions> make_sessions(const aggregator_options& opts,
                                                  std::shared_ptr<session_endpoints> endpoints) {
  collector_sessions_options o;
  o.auth_token = opts.auth_token;
  o.node_tokens = opts.node_tokens;
  o.endpoints = std::move(endpoints);
  if (opts.tls.enabled() && opts.tls.require_node_name)
    o.node_name_cafile = opts.tls.cafile;
  return std::make_shared<collector_sessions>("aggregator", std::move(o));
}

bool is_database(const sink_config& sink) {
  return sink.type == sink_type::postgresql || sink.type == sink_type::clickhouse;
}

} // namespace

aggregator::aggregator(const aggregator_options& opts) {
  check_state_matches_output(opts);
  // Before any actor exists: a CA file that cannot be read fails the start.
  auto endpoints = std::make_shared<session_endpoints>();
  auto sessions = make_sessions(opts, endpoints);
  if (is_database(opts.sink)) {
    // As at a collector's start: a wrong password or a table of the wrong
    // schema fails the start; an unreachable database is retried.
    std::shared_ptr<database_destination> destination = make_database_destination(opts.sink);
    auto first = destination->prepare();
    if (!first.ok() && first.permanent)
      throw std::runtime_error("sink " + destination->name() + ": " + first.error);
    if (!first.ok())
      log_error("aggregator", destination->name() + ": " + first.error +
                                "; starting anyway, the sink reconnects with backoff");
    impl_ = std::make_unique<impl>(opts.tls);
    database_sink_options db_opts{opts.sink, std::move(destination), nullptr, nullptr,
                                  first.ok()};
    // Detached: see collector.cpp (a scheduled sink made the workers poll).
    impl_->database = impl_->system.spawn<caf::detached>(database_sink_actor, std::move(db_opts));
    database_front_options front{impl_->database, std::move(sessions),
                                 opts.sink.fault_ack_delay};
    impl_->sink = impl_->system.spawn(database_front_actor, std::move(front));
  } else {
    auto sink_opts = prepare_sink(opts.sink, opts.state_dir);
    sink_opts.aggregator = true;
    impl_ = std::make_unique<impl>(opts.tls);
    sink_opts.sessions = std::move(sessions);
    impl_->sink = impl_->system.spawn<caf::detached>(sink_actor, std::move(sink_opts));
  }
  impl_->sessions = std::move(endpoints);
  impl_->tls = opts.tls.enabled();
  impl_->gateway = gateway_actor::make(impl_->system, impl_->sink);
  caf::anon_send(impl_->sink, gateway_atom::value, impl_->gateway); // before anything is published
  auto published =
    impl_->tls ? caf::openssl::publish(impl_->gateway, opts.port, opts.host.c_str(), true)
               : impl_->system.middleman().publish(impl_->gateway, opts.port, opts.host.c_str(), true);
  if (!published) {
    auto why = impl_->system.render(published.error());
    gateway_actor::close(impl_->gateway, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(impl_->sink, caf::exit_reason::user_shutdown);
    if (impl_->database)
      caf::anon_send_exit(impl_->database, caf::exit_reason::user_shutdown);
    throw std::runtime_error(opts.host + ":" + std::to_string(opts.port) + ": cannot listen: " + why);
  }
  impl_->port = *published;
  auto max_connections = opts.max_connections > 0 ? opts.max_connections : default_max_connections();
  auto reserved = opts.reserved_connections ? *opts.reserved_connections
                                            : std::min<std::size_t>(64, max_connections / 8);
  if (reserved >= max_connections && max_connections > 0) {
    log_warn("aggregator", "--reserved-connections " + std::to_string(reserved) +
                             " leaves strangers no place at all: reserving " +
                             std::to_string(max_connections - 1) + " of " +
                             std::to_string(max_connections));
    reserved = max_connections - 1;
  }
  impl_->guard = std::make_unique<connection_guard>(impl_->port, opts.handshake_deadline,
                                                    max_connections, reserved, impl_->sessions);
  if (opts.auth_token.empty() && opts.node_tokens.empty())
    log_warn("aggregator", "no auth token: any collector that reaches the port is accepted");
  log_info("aggregator", "listening on " + opts.host + ":" + std::to_string(impl_->port) +
                           (impl_->tls ? " (mutual TLS" +
                                           std::string(opts.tls.require_node_name
                                                         ? "; collectors' certificates must name their nodes"
                                                         : "") +
                                           ")"
                                       : "") +
                           ", at most " +
                           std::to_string(max_connections) + " connections (" +
                           std::to_string(reserved) + " of them for collectors with a session)");
}

aggregator::~aggregator() {
  stop();
}

uint16_t aggregator::port() const {
  return impl_->port;
}

bool aggregator::stop() {
  if (!impl_ || impl_->stopped)
    return impl_ ? impl_->stop_complete : true;
  impl_->stopped = true;
  impl_->guard.reset();
  if (impl_->tls) { // (caf/openssl/unpublish.hpp does not compile in 0.17.6)
    caf::scoped_actor self{impl_->system};
    self->request(impl_->system.openssl_manager().actor_handle(), std::chrono::seconds(5),
                  caf::unpublish_atom::value, impl_->gateway.address(), impl_->port)
      .receive([] {}, [](caf::error&) {});
  } else
    impl_->system.middleman().unpublish(impl_->gateway, impl_->port);
  // Nothing from the network reaches the sink from here on.
  gateway_actor::close(impl_->gateway, caf::exit_reason::user_shutdown);
  {
    caf::scoped_actor self{impl_->system};
    self->request(impl_->sink, std::chrono::seconds(10), drain_atom::value)
      .receive([](caf::ok_atom) {}, [&](caf::error&) { impl_->stop_complete = false; });
    self->send_exit(impl_->sink, caf::exit_reason::user_shutdown);
    if (impl_->database) // drained through the front above
      self->send_exit(impl_->database, caf::exit_reason::user_shutdown);
  }
  // A handle sent to a collector stays in the registry while that peer is
  // connected, and would keep the sink's thread waiting at shutdown.
  impl_->system.registry().erase(impl_->gateway->id());
  impl_->system.registry().erase(impl_->sink->id());
  impl_->sink = nullptr;
  impl_->database = nullptr;
  impl_->system.await_all_actors_done();
  return impl_->stop_complete;
}

} // namespace logcatch
