#pragma once

// Every atom and message type the actors exchange, in one place.
//
//   tailer -> sink   line_batch                      lines of one file + offsets
//   sink   -> tailer (ack_atom, uint64_t bytes)      credit: those bytes are written
//   tailer -> self   (step_atom)                     read on (or wait, then read on)
//   tailer -> root   file_events                     rotations / truncations seen
//   tailer -> sink   (forget_atom, key, file_identity)  that file is done for good
//   root   -> sink   (sync_atom, key) => std::vector<delivered_position>
//                    answered after every batch queued before it is written
//   root   -> sink   (drain_atom) => (ok)            all queued batches written
//   root   -> self   (restart_atom, key, incarnation) backoff expired
//   root   -> self   (health_atom, key, incarnation)  a failing key's tailer ran a
//                    whole window without failing: it is healthy again
//   main   -> root   (stop_atom) => std::vector<key_stats>  graceful stop
//   main   -> root   (stats_atom) => std::vector<key_stats>
//   sink   -> self   (retry_atom)                    retry a failed write
//   sink   -> self   (commit_atom)                   time to commit output + state file
//   sink   -> committer commit_request => (commit_atom, seq, error)
//                    fdatasync + state file save, off the sink's thread
//   config_watcher -> root  (key_add_atom, log_config)     start a new key
//                           (key_update_atom, log_config)  restart a key with new settings
//                           (key_remove_atom, key)         stop a key (its position is kept)
//                           (sink_config_atom, sink_config)        forwarded to the sink
//                           (supervision_atom, supervision_config) new restart policy
//   config_watcher -> self  (watch_atom)                    wait for a change, then look
//   main   -> config_watcher (reload_atom)                 SIGHUP: read the config now
//   main   -> sink   (reload_atom)                         SIGHUP: reopen the output by path
//   root   -> sink   (sync_atom, key) on a key's first sync also makes its baseline
//                    (a position of no file: since when the key tracks its files),
//                    answered once a commit holds it
//   collector -> aggregator (hello_atom, node, auth_token, instance) => session_credential
//                           before anything else; refused (an error naming the
//                           cause) for a wrong token or a node name another
//                           live collector instance holds
//   collector -> aggregator (challenge_atom) => std::string nonce   over TLS, first:
//                           "" when the aggregator does not check certificate
//                           names (then the hello above), else a single-use
//                           nonce for (hello_atom, node, auth_token, instance,
//                           nonce, certificate PEM, signature) => session_credential
//                           (see actors/remote/collector_sessions.hpp)
//   collector -> aggregator line_batch (its `session` set), (sync_atom,
//                           session_credential, key), (forget_atom,
//                           session_credential, key, file_identity): only with a
//                           live credential; (ack_atom, bytes) come back over
//                           the wire, in the order the batches arrived
//   aggregator -> collector (refused_atom, session_credential, why)  that
//                           session is over (a bad message, or a stale
//                           credential): say hello again
//   aggregator -> sink      (gateway_atom, actor)  answer and acknowledge
//                           collectors in this actor's name
//   Everything from the network reaches the aggregator's sink through its
//   gateway (actors/remote/gateway_actor.hpp), which drops any other message
//   type; the sink answers and acknowledges in the gateway's name.
//   tailer -> remote sink   line_batch; acked to the tailer once the aggregator acked it
//   remote sink -> self     (retry_atom, connection)   reconnect after backoff
//                           (watchdog_atom)            is the aggregator still acknowledging?
//   database sink -> database io (connect_atom) => database_reply
//                    connect (again), create/check the tables, read every position back
//   database sink -> database io database_job_ref => database_reply
//                    one transaction: the job's rows and its keys' positions
//   database sink -> self   (flush_atom)   batch.max_delay passed: write what is queued
//                           (retry_atom)   reconnect after backoff
//   tailer -> database sink line_batch, (forget_atom, ...); root -> database sink
//                    (sync_atom, key), (drain_atom): as to the file sink, each
//                    answered / acknowledged once the database committed
//   tailer -> sink   (credit_wait_atom, uint64_t inflight)  out of credit (again after an ack too small): reads
//                    nothing more until acknowledged (a database sink writes
//                    at once instead of waiting batch.max_delay; others ignore it)
//   An aggregator with a database sink: gateway -> database front (the four
//                    collector messages above; the front keeps the sessions)
//   database front -> database sink line_batch (node set), (forget_atom,
//                    node/key, file), (sync_atom, node/key), (drain_atom):
//                    as from a collector's root and tailers; the sink's
//                    (ack_atom, bytes) come back to the front in arrival
//                    order and go on to the batch's collector in the
//                    gateway's name
//   database front -> database sink (refresh_atom)  a collector said hello:
//                    read every position back once the write in flight is
//                    done, before anything after it is checked or answered
//   aggregator -> database front (gateway_atom, actor), (drain_atom) => (ok)
//   database front -> self  (flush_atom)  test hook sink.fault.ack_delay: send
//                    the acknowledgements whose delay is over

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/line_batch.hpp"
#include "actors/sink/checkpoint_file.hpp"
#include "actors/sink/database_io_actor.hpp"
#include "actors/sink/delivery_positions.hpp"
#include "actors/sink/output_writer.hpp"
#include "config/config_model.hpp"

namespace logcatch {

// Project atoms live in our namespace: CAF predefines many common names.
using step_atom = caf::atom_constant<caf::atom("lc_step")>;
using ack_atom = caf::atom_constant<caf::atom("lc_ack")>;
using sync_atom = caf::atom_constant<caf::atom("lc_sync")>;
using drain_atom = caf::atom_constant<caf::atom("lc_drain")>;
using restart_atom = caf::atom_constant<caf::atom("lc_restart")>;
using stop_atom = caf::atom_constant<caf::atom("lc_stop")>;
using stats_atom = caf::atom_constant<caf::atom("lc_stats")>;
using retry_atom = caf::atom_constant<caf::atom("lc_retry")>;
using commit_atom = caf::atom_constant<caf::atom("lc_commit")>;
using forget_atom = caf::atom_constant<caf::atom("lc_forget")>;
using hello_atom = caf::atom_constant<caf::atom("lc_hello")>;
using key_add_atom = caf::atom_constant<caf::atom("lc_kadd")>;
using key_update_atom = caf::atom_constant<caf::atom("lc_kupdate")>;
using key_remove_atom = caf::atom_constant<caf::atom("lc_kremove")>;
using sink_config_atom = caf::atom_constant<caf::atom("lc_sinkcfg")>;
using supervision_atom = caf::atom_constant<caf::atom("lc_superv")>;
using watch_atom = caf::atom_constant<caf::atom("lc_watch")>;
using reload_atom = caf::atom_constant<caf::atom("lc_reload")>;
using watchdog_atom = caf::atom_constant<caf::atom("lc_wdog")>;
using health_atom = caf::atom_constant<caf::atom("lc_health")>;
using connect_atom = caf::atom_constant<caf::atom("lc_dbconn")>;
using flush_atom = caf::atom_constant<caf::atom("lc_flush")>;
using refused_atom = caf::atom_constant<caf::atom("lc_refused")>;
using gateway_atom = caf::atom_constant<caf::atom("lc_gateway")>;
using credit_wait_atom = caf::atom_constant<caf::atom("lc_cwait")>;
using refresh_atom = caf::atom_constant<caf::atom("lc_refresh")>;
using challenge_atom = caf::atom_constant<caf::atom("lc_chall")>;

/// One commit, as the sink captured it: the output length and every
/// position at one instant, and the output to make durable first.
struct commit_request {
  uint64_t seq = 0;
  std::shared_ptr<output_writer> out;
  std::shared_ptr<checkpoint_file> state;
  sink_checkpoint checkpoint;
};

/// Rotations and truncations a tailer saw since its last report.
struct file_events {
  std::string key;
  uint64_t rotations = 0;
  uint64_t truncations = 0;
};

/// The root's view of one key, for summaries (and, later, metrics).
struct key_stats {
  std::string key;
  uint64_t restarts = 0;
  uint64_t rotations = 0;
  uint64_t truncations = 0;
  bool failing = false;
  std::string last_failure;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_identity& x) {
  return f(caf::meta::type_name("file_identity"), x.device, x.inode, x.prefix_len, x.prefix_hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, size_adjustment& x) {
  return f(caf::meta::type_name("size_adjustment"), x.line, x.delta);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_credential& x) {
  return f(caf::meta::type_name("session_credential"), x.hi, x.lo);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, line_batch& x) {
  return f(caf::meta::type_name("line_batch"), x.key, x.node, x.incarnation, x.file, x.path, x.restart,
           x.reading, x.start_offset, x.end_offset, x.data, x.ends, x.size_adjust, x.cut_lines,
           x.session);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivered_position& x) {
  return f(caf::meta::type_name("delivered_position"), x.known, x.file, x.offset, x.path,
           x.updated_ms, x.reading);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_events& x) {
  return f(caf::meta::type_name("file_events"), x.key, x.rotations, x.truncations);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, key_stats& x) {
  return f(caf::meta::type_name("key_stats"), x.key, x.restarts, x.rotations, x.truncations,
           x.failing, x.last_failure);
}

/// Announces the message types (needed once they cross the wire); call in the
/// config's constructor, before the actor_system exists.
void register_message_types(caf::actor_system_config& cfg);

} // namespace logcatch

// Config values travel only between actors of one process (watcher -> root ->
// sink); they never cross the wire, so they need no serialization.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(logcatch::log_config)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(logcatch::sink_config)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(logcatch::supervision_config)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(logcatch::commit_request) // sink -> its committer, same process
// Database sink <-> its I/O worker, same process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(logcatch::database_job_ref)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(logcatch::database_reply)
