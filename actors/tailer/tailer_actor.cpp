#include "actors/tailer/tailer_actor.hpp"

#include <algorithm>
#include <stdexcept>

#include "actors/messages.hpp"
#include "actors/self_log.hpp"

namespace logcatch {

namespace {

using self_ptr = caf::stateful_actor<tailer_state>*;

// Blocks read per step message: enough to amortize messaging, few enough that
// acknowledgements and exit messages are handled promptly.
constexpr int blocks_per_step = 16;
constexpr auto scan_interval = std::chrono::seconds(1);
// While inotify watches the folder and the open files, a glob's folder is
// scanned and all its files looked at this often only, as a safety net
// (with a thousand files a round costs a few thousand system calls).
constexpr auto watched_safety_interval = std::chrono::seconds(30);
// While reading, the unread part of the lag is measured (fstat per open
// file) at most this often.
constexpr auto lag_look_interval = std::chrono::milliseconds(250);
// How often the positions of files no longer there are looked for, and how
// long a file must be missing before its position goes (a rename between
// folders, a folder briefly unreadable).
constexpr auto sweep_interval = std::chrono::seconds(60);
constexpr auto gone_grace = std::chrono::minutes(5);

bool has_credit(const tailer_state& st) {
  return st.inflight + st.read_block <= st.cfg.max_inflight_bytes;
}

void log_notices(tailer_state& st) {
  for (auto& n : st.files->take_notices()) {
    if (n.warning)
      log_warn(st.name, n.text);
    else
      log_info(st.name, n.text);
  }
}

void report_file_events(self_ptr self) {
  auto& st = self->state;
  auto rot = st.files->rotations();
  auto trunc = st.files->truncations();
  if (rot == st.reported_rotations && trunc == st.reported_truncations)
    return;
  self->send(st.root, file_events{st.cfg.key, rot - st.reported_rotations,
                                  trunc - st.reported_truncations});
  st.reported_rotations = rot;
  st.reported_truncations = trunc;
}

/// The key's gauges: files open, and the lag the tailer can see (unread
/// bytes in its files, measured at most every lag_look_interval while busy;
/// 0 when it just read every file to its end).
void update_gauges(tailer_state& st, bool all_read) {
  auto& m = *st.metrics;
  m.files_open = st.files->open_files().size();
  m.unacked_bytes = st.inflight;
  if (all_read && !st.files->globbing()) {
    m.unread_bytes = 0;
    return;
  }
  // An idle glob of a thousand files is not fstat'ed again and again: only
  // after it read something, or while some lag is left to see go.
  auto read_so_far = m.bytes_read.load(std::memory_order_relaxed);
  if (all_read && read_so_far == st.lag_read_mark && m.unread_bytes == 0)
    return;
  // An fstat per open file: with ten thousand of them, looked at less often.
  auto now = std::chrono::steady_clock::now();
  auto every = lag_look_interval * std::max<std::size_t>(1, m.files_open / 1000);
  if (now - st.last_lag_look >= every) {
    m.unread_bytes = st.files->unread_bytes();
    st.last_lag_look = now;
    st.lag_read_mark = read_so_far;
  }
}

/// Forgets the positions of files gone from the key's folders (after a
/// grace period) and those beyond max_tracked_files, with a warning.
void sweep_positions(self_ptr self) {
  auto& st = self->state;
  auto swept = st.files->sweep(std::chrono::steady_clock::now(), gone_grace);
  for (auto& done : st.files->take_finished())
    self->send(st.sink, forget_atom::value, st.cfg.key, done);
  st.metrics->positions_forgotten.fetch_add(swept.gone, std::memory_order_relaxed);
  st.metrics->positions_dropped.fetch_add(swept.over_bound, std::memory_order_relaxed);
  if (swept.gone > 0)
    log_info(st.name, "forgot the positions of " + std::to_string(swept.gone) +
                        " files gone from the key's folders");
  if (swept.over_bound > 0)
    log_warn(st.name, "dropped the positions of " + std::to_string(swept.over_bound) +
                        " files beyond max_tracked_files " +
                        std::to_string(st.cfg.max_tracked_files) +
                        "; they are read again, whole, if they are ever followed again");
}

void send_batch(self_ptr self, line_batch&& batch) {
  auto& st = self->state;
  auto lines = batch.line_count();
  auto& m = *st.metrics;
  m.lines_read.fetch_add(lines, std::memory_order_relaxed);
  m.bytes_read.fetch_add(batch.end_offset - batch.start_offset, std::memory_order_relaxed);
  m.lines_truncated.fetch_add(batch.cut_lines, std::memory_order_relaxed);
  st.inflight += batch.data.size();
  m.unacked_bytes = st.inflight;
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
  // New files of a glob are looked for at most every scan_interval while busy
  // (names events in a watched folder trigger a scan at once).
  auto now = std::chrono::steady_clock::now();
  auto every = st.waiter->watching() ? watched_safety_interval : scan_interval;
  if (now - st.last_scan >= every) {
    st.files->scan();
    st.last_scan = now;
  }
  if (now - st.last_sweep >= sweep_interval) {
    sweep_positions(self);
    st.last_sweep = now;
  }
  for (int i = 0; i < blocks_per_step; ++i) {
    if (!has_credit(st)) {
      if (!st.waiting_for_credit) // the sink need not wait for more: none comes
        self->send(st.sink, credit_wait_atom::value, static_cast<uint64_t>(st.inflight));
      st.waiting_for_credit = true;
      update_gauges(st, false);
      return; // the sink's acknowledgement resumes reading
    }
    line_batch batch;
    batch.key = st.cfg.key;
    batch.incarnation = st.incarnation;
    follow_status status;
    try {
      status = st.files->step(batch, st.cfg.max_inflight_bytes - st.inflight);
    } catch (...) {
      report_file_events(self); // a rotation the fault hook crashed on still counts
      throw;
    }
    log_notices(st);
    // Reported after every step: the next one may end in a (fault hook) crash.
    report_file_events(self);
    auto finished = st.files->take_finished();
    if (batch.restart || !batch.empty())
      send_batch(self, std::move(batch));
    for (auto& done : finished) // after its last batch: no position for a done file
      self->send(st.sink, forget_atom::value, st.cfg.key, done);
    if (status != follow_status::progress) {
      update_gauges(st, true);
      bool event = st.waiter->wait(st.cfg.poll_interval, st.files->open_files());
      if (event && st.waiter->names_changed())
        st.last_scan = {}; // something changed in the folder: look for new (rotated) files now
      if (st.files->globbing()) {
        // Which files to look at: those inotify names, or all of them when
        // it names none, cannot watch, or the safety round is due.
        auto touched = st.waiter->take_touched();
        auto now = std::chrono::steady_clock::now();
        if (st.waiter->watching())
          st.files->hint(touched);
        if (!st.waiter->watching() || (event && touched.empty()) ||
            now - st.last_full_look >= watched_safety_interval) {
          st.files->look_at_all();
          st.last_full_look = now;
        }
      }
      self->send(self, step_atom::value);
      return;
    }
  }
  update_gauges(st, false);
  self->send(self, step_atom::value);
}

} // namespace

tailer_state::~tailer_state() {
  if (!name.empty())
    log_info(name, "stopped after sending " + std::to_string(lines_sent) + " lines in " +
                     std::to_string(batches_sent) + " batches");
}

caf::behavior tailer_actor(self_ptr self, log_config cfg, caf::actor sink, caf::actor root,
                           uint64_t incarnation, std::vector<resume_position> known,
                           bool first_start, std::vector<std::string> never_read,
                           std::shared_ptr<key_metrics> metrics) {
  auto& st = self->state;
  st.metrics = metrics ? std::move(metrics) : std::make_shared<key_metrics>();
  st.name = "tailer[" + cfg.key + "]";
  st.sink = std::move(sink);
  st.root = std::move(root);
  st.incarnation = incarnation;
  st.read_block = std::min<std::size_t>(256 * 1024, cfg.max_inflight_bytes);
  file_set::options opts;
  opts.pattern = cfg.path;
  opts.exclude = cfg.exclude;
  opts.olddir = cfg.olddir;
  opts.ignore_older = cfg.ignore_older;
  opts.follower.path = cfg.path;
  // One rule at process start, tailer restart and reload alike: read_from
  // concerns only a key that has never delivered a line (no position). A key
  // with a checkpoint resumes the files it knows, and every file it has not
  // seen (rotated or written while logcatch was down) is read from its start.
  opts.follower.start = first_start && known.empty() ? cfg.start : read_from::head;
  opts.follower.max_line_bytes = cfg.max_line_bytes;
  opts.follower.read_block = st.read_block;
  opts.follower.fingerprint_bytes = cfg.fingerprint_bytes;
  opts.max_tracked_files = cfg.max_tracked_files;
  opts.follower.budget = &open_file_budget::process();
  opts.follower.never_read = std::move(never_read);
  st.files = std::make_unique<file_set>(opts, std::move(known));
  if (cfg.fault.crash_on_rotation)
    st.files->on_rotation([] { throw std::runtime_error("test panic: fault hook crash_on_rotation"); });
  st.waiter = std::make_unique<change_waiter>(st.files->watch_path());
  // inotify will name the files that change: the first pass visits every
  // file once, later steps only those named. Waiting for the first quiet
  // moment to switch never came while a trickle kept ten thousand files busy.
  if (st.waiter->watching())
    st.files->hint({});
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
      st.metrics->unacked_bytes = st.inflight;
      if (st.waiting_for_credit && has_credit(st)) {
        st.waiting_for_credit = false;
        run(self);
      } else if (st.waiting_for_credit) { // still out: the sink holds what it needs
        self->send(st.sink, credit_wait_atom::value, static_cast<uint64_t>(st.inflight));
      }
    },
  };
}

} // namespace logcatch
