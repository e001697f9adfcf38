#include "actors/collector.hpp"

#include <chrono>

#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>

#include "actors/config_watcher/config_watcher_actor.hpp"
#include "actors/metrics/metrics_server.hpp"
#include "actors/messages.hpp"
#include "actors/remote/collector_instance.hpp"
#include "actors/root/root_actor.hpp"
#include "actors/sink/database_sink_actor.hpp"
#include "actors/sink/database_start_baselines.hpp"
#include "actors/sink/remote_sink_actor.hpp"
#include "actors/self_log.hpp"
#include "actors/system_config.hpp"

namespace logcatch {

struct collector::impl {
  explicit impl(const sink_config& sink)
    : cfg(sink.type == sink_type::remote, sink.tls), system(cfg) {
  }
  system_config cfg;
  caf::actor_system system;
  caf::actor sink;
  caf::actor root;
  caf::actor watcher;
  bool local_sink = false; ///< a file or stdout sink (not remote): it reopens its output on SIGHUP
  bool stopped = false;
  bool stop_complete = true;
  std::vector<key_stats> final_stats;
  std::shared_ptr<metrics_registry> metrics = std::make_shared<metrics_registry>();
  std::unique_ptr<metrics_server> server; ///< when metrics.listen is set
};

collector::collector(const collector_config& cfg, batch_observer observer,
                     const std::string& config_path) {
  if (cfg.sink.type == sink_type::remote) {
    // Positions live at the aggregator: no local output, no state file;
    // only the instance id that tells the aggregator "the same collector".
    std::string instance;
    try {
      instance = collector_instance_id(cfg.state_dir);
    } catch (const std::exception& e) {
      // Still a collector: with an id for this run only, a restart is taken
      // for another collector until the aggregator sees the old one gone.
      instance = one_run_instance_id();
      log_warn("remote sink", std::string(e.what()) + "; using instance id " + instance +
                                " for this run only");
    }
    impl_ = std::make_unique<impl>(cfg.sink);
    auto& sys = impl_->system;
    auto connector = cfg.sink.tls.enabled() ? sys.openssl_manager().actor_handle()
                                            : sys.middleman().actor_handle();
    impl_->sink = sys.spawn(remote_sink_actor, cfg.sink, connector, impl_->metrics, instance);
  } else if (cfg.sink.type == sink_type::postgresql || cfg.sink.type == sink_type::clickhouse) {
    // Positions live in the database with the rows: no state file. A first
    // connect here makes a wrong password or a table of the wrong schema
    // fail the start; an unreachable database is retried by the sink.
    std::shared_ptr<database_destination> destination = make_database_destination(cfg.sink);
    auto first = destination->prepare();
    if (!first.ok() && first.permanent)
      throw std::runtime_error("sink " + destination->name() + ": " + first.error);
    if (!first.ok())
      log_error("sink", destination->name() + ": " + first.error +
                          "; starting anyway, the sink reconnects with backoff");
    if (first.ok()) {
      // Durable before any tailer runs, so that a SIGKILL in the sink's
      // first second cannot leave the keys without one.
      std::vector<std::string> keys;
      for (auto& log : cfg.logs)
        keys.push_back(log.key);
      auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
      auto baselines = write_start_baselines(*destination, keys, now_ms);
      if (!baselines.ok()) {
        log_warn("sink", destination->name() + ": the keys' baselines: " + baselines.error +
                           "; the sink writes them once connected");
        first = baselines; // the sink prepares again (an unknown outcome is settled there)
      }
    }
    impl_ = std::make_unique<impl>(cfg.sink);
    database_sink_options opts{cfg.sink, std::move(destination), std::move(observer),
                               impl_->metrics, first.ok()};
    // Detached like the file sink: every tailer batch is a message to it,
    // and on the scheduler each one woke a worker that then polled in 50 us
    // sleeps (CAF's moderate phase): 2 to 3x the collector's CPU (RESULTS).
    impl_->sink = impl_->system.spawn<caf::detached>(database_sink_actor, std::move(opts));
  } else {
    // Recovery and opening the output throw before any actor exists.
    auto opts = prepare_sink(cfg.sink, cfg.state_dir);
    opts.observer = std::move(observer);
    impl_ = std::make_unique<impl>(cfg.sink);
    opts.metrics = impl_->metrics;
    impl_->sink = impl_->system.spawn<caf::detached>(sink_actor, std::move(opts));
    impl_->local_sink = true;
  }
  if (cfg.metrics.enabled) {
    try {
      impl_->server =
        std::make_unique<metrics_server>(impl_->metrics, cfg.metrics.host, cfg.metrics.port);
    } catch (...) {
      // Nothing runs yet but the sink: stop it before reporting.
      caf::anon_send_exit(impl_->sink, caf::exit_reason::user_shutdown);
      impl_->system.await_all_actors_done();
      throw;
    }
  }
  impl_->root = impl_->system.spawn(root_actor, cfg, impl_->sink, impl_->metrics);
  if (!config_path.empty())
    impl_->watcher = impl_->system.spawn<caf::detached>(config_watcher_actor, config_path, cfg,
                                                        impl_->root, impl_->metrics);
}

void collector::reload() {
  if (!impl_ || impl_->stopped)
    return;
  // Ahead of the batches in its mailbox: logrotate compresses the rotated
  // output right after its postrotate signal, so every line written to the
  // old file after that is at risk.
  if (impl_->local_sink)
    caf::anon_send<caf::message_priority::high>(impl_->sink, reload_atom::value);
  if (impl_->watcher)
    caf::anon_send(impl_->watcher, reload_atom::value);
}

collector::~collector() {
  stop();
}

bool collector::stop() {
  if (!impl_ || impl_->stopped)
    return impl_ ? impl_->stop_complete : true;
  impl_->stopped = true;
  { // a scoped_actor counts as running: it must be gone before the await below
    caf::scoped_actor self{impl_->system};
    if (impl_->watcher) // no reload may reach a stopping root
      self->send_exit(impl_->watcher, caf::exit_reason::user_shutdown);
    self->request(impl_->root, caf::infinite, stop_atom::value)
      .receive([&](std::vector<key_stats>& s) { impl_->final_stats = std::move(s); },
               [&](caf::error&) { impl_->stop_complete = false; });
    self->send_exit(impl_->sink, caf::exit_reason::user_shutdown);
  }
  impl_->system.await_all_actors_done();
  return impl_->stop_complete;
}

std::vector<key_stats> collector::stats() {
  std::vector<key_stats> result;
  if (!impl_)
    return result;
  if (impl_->stopped)
    return impl_->final_stats;
  caf::scoped_actor self{impl_->system};
  self->request(impl_->root, std::chrono::seconds(10), stats_atom::value)
    .receive([&](std::vector<key_stats>& s) { result = std::move(s); },
             [&](caf::error&) {});
  return result;
}

} // namespace logcatch
