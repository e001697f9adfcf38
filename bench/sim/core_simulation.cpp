#include "bench/sim/core_simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

#include "actors/sink/delivery_positions.hpp"
#include "actors/tailer/file_set.hpp"
#include "bench/sim/sim_files.hpp"

namespace fs = std::filesystem;

namespace logcatch::sim {

std::string sim_result::summary() const {
  std::ostringstream s;
  s << ops << " ops, " << v.written << " lines written (" << v.must << " must arrive), "
    << v.delivered << " delivered, lost " << v.lost << ", duplicated " << v.duplicated
    << ", out of order " << v.out_of_order;
  if (!error.empty())
    s << "; error: " << error;
  return s.str();
}

namespace {

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// One run of a program: the files and the model on one side, the core
/// (tailers' file_sets, the sink's positions and output) on the other.
class core_run {
public:
  core_run(const program& p, std::string dir, std::string* trace)
    : p_(p), rng_(p.seed ^ 0x5DEECE66Dull), trace_(trace), budget_(p.open_files),
      files_(p, std::move(dir), rng_, [this](const line_ref& l) { return committed(l); }) {}

  sim_result run() {
    sim_result r;
    try {
      start(true);
      for (auto& o : p_.ops) {
        log("op " + to_string(o));
        apply(o);
        ++r.ops;
      }
      log("finish");
      files_.finish_writes();
      if (!running_)
        start(true);
      drain();
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    r.v = files_.model().judge(output_);
    r.forgotten = forgotten_;
    if (malformed_ > 0 && r.error.empty())
      r.error = std::to_string(malformed_) + " malformed lines in the output";
    return r;
  }

private:
  struct key_state {
    std::unique_ptr<file_set> files;
    /// Steps as with inotify: only hinted files (a random part of the open
    /// ones, as if events were late) and, now and then, all of them (the
    /// tailer's safety round). Otherwise every step looks at all.
    bool hinted = false;
  };

  bool committed(const line_ref& l) const { return committed_lines_.count(l) > 0; }

  // ---- collector ---------------------------------------------------------

  void start_tailer(uint32_t key, bool first_start) {
    // The root's sync: the sink makes the key's baseline if it has none, and
    // answers once it is committed.
    auto& name = p_.keys[key].name;
    if (positions_.ensure_baseline(name, wall_ms()))
      committed_positions_.ensure_baseline(name, wall_ms());
    auto positions = positions_.get(name);
    std::vector<resume_position> known;
    for (auto& pos : positions)
      known.push_back(resume_position{pos.file, pos.offset, pos.path, pos.reading});
    file_set::options opts;
    opts.pattern = files_.pattern(key);
    opts.follower.path = opts.pattern;
    // As the tailer actor decides it (read_from is head in the simulation).
    opts.follower.start = first_start && known.empty() ? read_from::head : read_from::head;
    opts.follower.max_line_bytes = p_.max_line_bytes;
    opts.follower.read_block = p_.read_block;
    opts.follower.fingerprint_bytes = p_.fingerprint_bytes;
    opts.follower.budget = p_.open_files > 0 ? &budget_ : nullptr;
    opts.idle_close_after = std::chrono::milliseconds(0); // a step is a long time here
    tailers_[key].files = std::make_unique<file_set>(opts, std::move(known));
    tailers_[key].files->scan();
    tailers_[key].hinted = rng_() % 2 == 0;
    if (tailers_[key].hinted)
      tailers_[key].files->hint({});
  }

  void start(bool first_start) {
    running_ = true;
    tailers_.resize(p_.keys.size());
    for (uint32_t k = 0; k < p_.keys.size(); ++k)
      start_tailer(k, first_start);
  }

  void down() {
    running_ = false;
    tailers_.clear();
  }

  /// A forget reaches the sink once every batch sent before it is
  /// acknowledged (the remote sink holds it until then).
  void forget(const std::string& key, const file_identity& file) {
    held_forgets_.emplace_back(key, file);
    send_forgets();
  }
  void send_forgets() {
    if (!since_commit_.empty())
      return;
    for (auto& [key, file] : held_forgets_)
      positions_.forget(key, file);
    held_forgets_.clear();
  }

  void commit() {
    // Acknowledged once committed, and the remote sink lets them go; but an
    // aggregator may commit and die before its acknowledgements arrive:
    // then they are sent again although the commit holds them.
    if (rng_() % 3 != 0)
      since_commit_.clear();
    for (auto i = committed_len_; i < output_.size(); ++i)
      committed_lines_.insert(output_[i].line);
    committed_len_ = output_.size();
    committed_positions_ = positions_;
    send_forgets();
  }

  void log(const std::string& what) {
    if (trace_ != nullptr)
      *trace_ += what + "\n";
  }

  void deliver(line_batch& b) {
    since_commit_.push_back(b); // unacknowledged until the next commit
    auto check = positions_.check(b);
    if (trace_ != nullptr) {
      std::string lines;
      b.for_each_line(0, [&](const char* data, std::size_t n) {
        line_ref l;
        if (lines.size() < 60 && delivery_model::parse(data, n, l))
          lines += " " + std::to_string(l.seq);
      });
      log("  batch " + b.key + " " + b.path + " ino " + std::to_string(b.file.inode) + "/" +
          std::to_string(b.file.prefix_len) + " reading " + std::to_string(b.reading % 1000) +
          (b.restart ? " restart" : "") + " [" + std::to_string(b.start_offset) + "," +
          std::to_string(b.end_offset) + ") seqs" + lines +
          (check.drop ? " DROPPED" : "") +
          (check.first_line > 0 ? " from line " + std::to_string(check.first_line) : "") +
          (check.note.empty() ? "" : " (" + check.note + ")"));
    }
    if (check.drop)
      return;
    b.for_each_line(check.first_line, [&](const char* data, std::size_t n) {
      line_ref l;
      if (delivery_model::parse(data, n, l))
        output_.push_back(delivered_line{l, b.reading});
      else
        ++malformed_;
    });
    positions_.commit(b, clock_ms_);
    clock_ms_ += static_cast<int64_t>(rng_() % 3); // ties happen in a real sink too
  }

  /// One tailer step, as the tailer actor takes it; true if it did something.
  bool step(uint32_t key) {
    auto& files = *tailers_[key].files;
    if (rng_() % 2 == 0)
      files.scan();
    // The tailer's sweep of gone files' positions. Time is the key's steps:
    // a file missing for 200 of them is gone (a running tailer looks at
    // every file many times within the real grace of minutes).
    auto now = std::chrono::steady_clock::time_point(std::chrono::milliseconds(++steps_[key]));
    if (rng_() % 8 == 0) {
      files.sweep(now, std::chrono::milliseconds(200));
      for (auto& gone : files.take_finished()) {
        log("  forget " + std::to_string(gone.inode));
        ++forgotten_;
        forget(p_.keys[key].name, gone);
      }
    }
    if (tailers_[key].hinted) {
      if (rng_() % 8 == 0) {
        files.look_at_all();
      } else {
        std::vector<std::string> touched;
        for (auto& f : files.open_files())
          if (rng_() % 2 == 0)
            touched.push_back(f.path);
        files.hint(touched);
      }
    }
    line_batch batch;
    batch.key = p_.keys[key].name;
    auto status = files.step(batch, 8 * 1024 * 1024);
    for (auto& n : files.take_notices())
      log("  notice: " + n.text);
    auto finished = files.take_finished();
    bool did = status == follow_status::progress || batch.restart || !batch.empty();
    if (batch.restart || !batch.empty())
      deliver(batch);
    for (auto& done : finished)
      forget(batch.key, done);
    return did;
  }

  void drain() {
    int quiet_rounds = 0;
    for (int round = 0; round < 200000 && quiet_rounds < 3; ++round) {
      bool any = false;
      for (uint32_t k = 0; k < p_.keys.size(); ++k) {
        tailers_[k].files->scan();
        tailers_[k].files->look_at_all(); // the safety round finds what hints missed
        for (std::size_t i = 0; i < tailers_[k].files->files() + 2; ++i)
          any = step(k) || any;
      }
      quiet_rounds = any ? 0 : quiet_rounds + 1;
    }
    if (quiet_rounds < 3)
      throw std::runtime_error("the tailers never settled after the last operation");
  }

  void apply(const op& o) {
    if (files_.apply(o))
      return;
    switch (o.kind) {
      case op_kind::step:
        if (running_)
          for (uint32_t i = 0; i < o.n; ++i)
            step(o.key);
        break;
      case op_kind::commit:
        if (running_)
          commit();
        break;
      case op_kind::crash_tailer:
        if (running_)
          start_tailer(o.key, false);
        break;
      case op_kind::kill:
        if (running_) {
          down();
          positions_ = committed_positions_;
          output_.resize(committed_len_);
          since_commit_.clear(); // the collector's resend queue dies with it
          held_forgets_.clear();
        }
        break;
      case op_kind::resend:
        if (running_) {
          // The aggregator restarted from its last commit; the collector
          // sends every batch it has no acknowledgement for again, in order.
          positions_ = committed_positions_;
          output_.resize(committed_len_);
          auto again = std::move(since_commit_);
          since_commit_.clear();
          for (auto& b : again)
            deliver(b);
        }
        break;
      case op_kind::stop:
        if (running_) {
          commit();
          down();
        }
        break;
      case op_kind::start:
        if (!running_)
          start(true);
        break;
      case op_kind::reload_update:
        if (running_)
          for (uint32_t k = 0; k < p_.keys.size(); ++k)
            start_tailer(k, true);
        break;
      default:
        break;
    }
  }

  const program& p_;
  std::mt19937_64 rng_;
  std::string* trace_;
  open_file_budget budget_;
  sim_files files_;

  bool running_ = false;
  std::vector<key_state> tailers_;
  std::map<uint32_t, int64_t> steps_; // per key: the sweep's clock
public:
  uint64_t forgotten_ = 0;

private:
  delivery_positions positions_;
  std::vector<delivered_line> output_;
  delivery_positions committed_positions_;
  std::size_t committed_len_ = 0;
  std::vector<line_batch> since_commit_; // sent since the last commit (a remote sink's resend queue)
  std::vector<std::pair<std::string, file_identity>> held_forgets_;
  std::set<line_ref> committed_lines_;
  int64_t clock_ms_ = 1'700'000'000'000;
  uint64_t malformed_ = 0;
};

} // namespace

sim_result run_in_core(const program& p, const std::string& scratch, bool keep, bool trace) {
  static uint64_t counter = 0;
  auto dir = scratch + "/sim-" + std::to_string(p.seed) + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(++counter);
  fs::create_directories(dir);
  sim_result r;
  {
    std::string log;
    core_run run(p, dir, trace ? &log : nullptr);
    r = run.run();
    r.trace = std::move(log);
  }
  if (!keep) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return r;
}

program shrink(const program& failing, const std::string& scratch, int budget) {
  return shrink(failing, [&](const program& p) { return run_in_core(p, scratch); }, budget);
}

program shrink(const program& failing, const std::function<sim_result(const program&)>& run,
               int budget) {
  program best = failing;
  // The smaller program must fail the same way: a duplicate, a line out of
  // order or an error is not traded for a loss (losses are easier to get).
  auto first = run(failing);
  auto kind = [](const sim_result& r) {
    return !r.error.empty() ? 3 : r.v.duplicated > 0 ? 2 : r.v.out_of_order > 0 ? 1 : 0;
  };
  auto wanted = kind(first);
  auto fails = [&](const program& p) {
    --budget;
    auto r = run(p);
    return !r.ok() && kind(r) == wanted;
  };
  for (std::size_t chunk = std::max<std::size_t>(1, best.ops.size() / 2); chunk >= 1 && budget > 0;
       chunk /= 2) {
    for (std::size_t i = 0; i < best.ops.size() && budget > 0;) {
      program candidate = best;
      auto end = std::min(best.ops.size(), i + chunk);
      candidate.ops.erase(candidate.ops.begin() + static_cast<long>(i),
                          candidate.ops.begin() + static_cast<long>(end));
      if (fails(candidate))
        best = std::move(candidate); // same i: the next chunk slid into place
      else
        i += chunk;
    }
    if (chunk == 1)
      break;
  }
  return best;
}

} // namespace logcatch::sim
