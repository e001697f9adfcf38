#include "actors/tailer/tailer_actor.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<tailer_state>*;

// Blocks read per step message: enough to amortize messaging, few enough that
// acknowledgements and exit messages are handled promptly.
constexpr int blocks_per_step = 16;

bool has_credit(const tailer_state& st) {
  return st.inflight + st.read_block <= st.cfg.max_inflight_bytes;
}

void log_notices(tailer_state& st) {
  for (auto& n : st.follower->take_notices()) {
    if (n.warning)
      log_warn(st.name, n.text);
    else
      log_info(st.name, n.text);
  }
}

void report_file_events(self_ptr self) {
  auto& st = self->state;
  auto rot = st.follower->rotations();
  auto trunc = st.follower->truncations();
  if (rot == st.reported_rotations && trunc == st.reported_truncations)
    return;
  self->send(st.root, file_events{st.cfg.key, rot - st.reported_rotations,
                                  trunc - st.reported_truncations});
  st.reported_rotations = rot;
  st.reported_truncations = trunc;
}

void send_batch(self_ptr self, line_batch&& batch) {
  auto& st = self->state;
  auto lines = batch.line_count();
  st.inflight += batch.data.size();
  st.lines_sent += lines;
  ++st.batches_sent;
  self->send(st.sink, std::move(batch));
  // The fault hook fires only after the batch is on its way: the crash then
  // tests that a restart neither repeats nor loses the lines just sent.
  st.lines_since_crash += lines;
  auto every = st.cfg.fault.crash_every_lines;
  if (every > 0 && st.lines_since_crash >= every)
    throw std::runtime_error("test panic: fault hook crash_every_lines=" + std::to_string(every));
}

/// stat -> classify -> reopen/seek -> read -> split -> send, a few blocks at a
/// time; then either step again, wait for a change, or wait for credit.
void run(self_ptr self) {
  auto& st = self->state;
  for (int i = 0; i < blocks_per_step; ++i) {
    if (!has_credit(st)) {
      st.waiting_for_credit = true;
      return; // the sink's acknowledgement resumes reading
    }
    line_batch batch;
    batch.key = st.cfg.key;
    batch.incarnation = st.incarnation;
    auto status = st.follower->step(batch, st.cfg.max_inflight_bytes - st.inflight);
    log_notices(st);
    // Reported after every step: the next one may end in a (fault hook) crash.
    report_file_events(self);
    auto finished = st.follower->take_finished();
    if (batch.restart || !batch.empty())
      send_batch(self, std::move(batch));
    if (finished) // after its last batch: the sink keeps no position for a done file
      self->send(st.sink, forget_atom::value, st.cfg.key, *finished);
    if (status != follow_status::progress) {
      auto open_name = std::filesystem::path(st.follower->open_path()).filename().string();
      st.waiter->wait(st.cfg.poll_interval, open_name);
      break;
    }
  }
  self->send(self, step_atom::value);
}

} // namespace

tailer_state::~tailer_state() {
  if (!name.empty())
    log_info(name, "stopped after sending " + std::to_string(lines_sent) + " lines in " +
                     std::to_string(batches_sent) + " batches");
}

caf::behavior tailer_actor(self_ptr self, log_config cfg, caf::actor sink, caf::actor root,
                           uint64_t incarnation, std::optional<resume_position> resume,
                           bool first_start, std::vector<std::string> never_read) {
  auto& st = self->state;
  st.name = "tailer[" + cfg.key + "]";
  st.sink = std::move(sink);
  st.root = std::move(root);
  st.incarnation = incarnation;
  st.read_block = std::min<std::size_t>(256 * 1024, cfg.max_inflight_bytes);
  file_follower::options opts;
  opts.path = cfg.path;
  opts.start = first_start ? cfg.start : read_from::head;
  opts.max_line_bytes = cfg.max_line_bytes;
  opts.read_block = st.read_block;
  opts.fingerprint_bytes = cfg.fingerprint_bytes;
  opts.never_read = std::move(never_read);
  st.follower = std::make_unique<file_follower>(opts, std::move(resume));
  if (cfg.fault.crash_on_rotation)
    st.follower->on_rotation = [] {
      throw std::runtime_error("test panic: fault hook crash_on_rotation");
    };
  st.waiter = std::make_unique<change_waiter>(cfg.path);
  st.cfg = std::move(cfg);
  // The exit reason carries the exception's text, so the root can log and
  // keep the last failure reason.
  self->set_exception_handler([self](std::exception_ptr& eptr) -> caf::error {
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      log_warn(self->state.name, std::string("crashed: ") + e.what());
      return caf::make_error(caf::sec::runtime_error, e.what());
    } catch (...) {
      log_warn(self->state.name, "crashed: unknown exception");
      return caf::make_error(caf::sec::runtime_error, "unknown exception");
    }
  });
  self->send(self, step_atom::value);
  return {
    [self](step_atom) { run(self); },
    [self](ack_atom, uint64_t bytes) {
      auto& st = self->state;
      st.inflight -= std::min(bytes, st.inflight);
      if (st.waiting_for_credit && has_credit(st)) {
        st.waiting_for_credit = false;
        run(self);
      }
    },
  };
}

} // namespace logcatch
