#include "actors/aggregator.hpp"

#include <stdexcept>

#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"
#include "actors/sink/sink_actor.hpp"
#include "actors/system_config.hpp"

namespace logcatch {

struct aggregator::impl {
  explicit impl(const tls_config& tls) : cfg(true, tls), system(cfg) {
  }
  system_config cfg;
  caf::actor_system system;
  bool tls = false;
  caf::actor sink;
  uint16_t port = 0;
  bool stopped = false;
  bool stop_complete = true;
};

aggregator::aggregator(const aggregator_options& opts) {
  auto sink_opts = prepare_sink(opts.sink, opts.state_dir);
  sink_opts.aggregator = true;
  sink_opts.auth_token = opts.auth_token;
  impl_ = std::make_unique<impl>(opts.tls);
  impl_->tls = opts.tls.enabled();
  impl_->sink = impl_->system.spawn<caf::detached>(sink_actor, std::move(sink_opts));
  auto published =
    impl_->tls ? caf::openssl::publish(impl_->sink, opts.port, opts.host.c_str(), true)
               : impl_->system.middleman().publish(impl_->sink, opts.port, opts.host.c_str(), true);
  if (!published) {
    auto why = impl_->system.render(published.error());
    caf::anon_send_exit(impl_->sink, caf::exit_reason::user_shutdown);
    throw std::runtime_error(opts.host + ":" + std::to_string(opts.port) + ": cannot listen: " + why);
  }
  impl_->port = *published;
  if (opts.auth_token.empty())
    log_warn("aggregator", "no auth token: any collector that reaches the port is accepted");
  log_info("aggregator", "listening on " + opts.host + ":" + std::to_string(impl_->port) +
                           (impl_->tls ? " (mutual TLS)" : ""));
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
  if (impl_->tls) { // (caf/openssl/unpublish.hpp does not compile in 0.17.6)
    caf::scoped_actor self{impl_->system};
    self->request(impl_->system.openssl_manager().actor_handle(), std::chrono::seconds(5),
                  caf::unpublish_atom::value, impl_->sink.address(), impl_->port)
      .receive([] {}, [](caf::error&) {});
  } else
    impl_->system.middleman().unpublish(impl_->sink, impl_->port);
  {
    caf::scoped_actor self{impl_->system};
    self->request(impl_->sink, std::chrono::seconds(10), drain_atom::value)
      .receive([](caf::ok_atom) {}, [&](caf::error&) { impl_->stop_complete = false; });
    self->send_exit(impl_->sink, caf::exit_reason::user_shutdown);
  }
  // A handle sent to a collector stays in the registry while that peer is
  // connected, and would keep the sink's thread waiting at shutdown.
  impl_->system.registry().erase(impl_->sink->id());
  impl_->sink = nullptr;
  impl_->system.await_all_actors_done();
  return impl_->stop_complete;
}

} // namespace logcatch
