#include "bench/sim/binary_simulation.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "actors/sink/checkpoint_file.hpp"
#include "bench/sim/sim_files.hpp"
#include "bench/workload/spawn_process.hpp"

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace logcatch::sim {

namespace {

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

/// One `logcatch run` child: stdout to /dev/null, stderr appended to a file
/// shared by every start of one run.
class collector_process {
public:
  collector_process(const std::string& binary, const std::string& config,
                    const std::string& stderr_path) {
    pid_ = spawn_process({binary, "run", "--config", config}, child_stream{"/dev/null", false},
                         child_stream{stderr_path, true});
  }
  ~collector_process() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  collector_process(const collector_process&) = delete;
  collector_process& operator=(const collector_process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) {
    if (!exited_)
      ::kill(pid_, sig);
  }
  /// False once it exited (then code() is its exit code, 128+N for signal N).
  bool running() {
    if (exited_)
      return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_)
      return true;
    exited_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  /// Waits for the exit; -1 on timeout.
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = clock_type::now() + timeout;
    while (running()) {
      if (clock_type::now() >= deadline)
        return -1;
      sleep_ms(2);
    }
    return code_;
  }
  int code() const { return code_; }

private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

/// One run of a program against the binary.
class binary_run {
public:
  binary_run(const program& p, const std::string& dir, std::string binary,
             const database_target* db = nullptr, std::string run_name = {})
    : p_(p), dir_(dir), binary_(std::move(binary)), db_(db), run_name_(std::move(run_name)),
      rng_(p.seed ^ 0x5DEECE66Dull),
      files_(p, dir + "/files", rng_, [this](const line_ref& l) { return committed(l); }),
      versions_(p.keys.size(), 0), begin_(clock_type::now()) {
    fs::create_directories(dir_ + "/files");
    fs::create_directories(dir_ + "/state");
  }

  sim_result run() {
    sim_result r;
    try {
      write_config();
      start();
      for (auto& o : p_.ops) {
        log("op " + to_string(o));
        check_alive();
        apply(o);
        ++r.ops;
      }
      log("finish");
      files_.finish_writes();
      if (!collector_)
        start();
      wait_for_delivery();
      stop();
    } catch (const std::exception& e) {
      r.error = e.what();
      log("error: " + r.error);
    }
    collector_.reset(); // SIGKILL if still running (after an error)
    uint64_t malformed = 0;
    auto output = read_output(malformed);
    r.v = files_.model().judge(output);
    if (malformed > 0 && r.error.empty())
      r.error = std::to_string(malformed) + " malformed lines in the output";
    r.trace = std::move(trace_);
    return r;
  }

private:
  std::string config_path() const { return dir_ + "/logcatch.yaml"; }
  std::string output_path() const { return dir_ + "/out.log"; }
  std::string stderr_path() const { return dir_ + "/collector.stderr"; }

  /// "ms since the start (UTC time as in the collector's log): what".
  void log(const std::string& what) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - begin_);
    auto now = std::chrono::system_clock::now();
    auto t = std::chrono::system_clock::to_time_t(now);
    auto milli = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03d", utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(milli.count()));
    trace_ += std::to_string(ms.count()) + " ms (" + stamp + "): " + what + "\n";
  }

  // ---- the collector -------------------------------------------------------

  /// The config: the program's keys, each with a poll_interval that names its
  /// version (a change is an update: the root gives the key a new tailer).
  void write_config() {
    std::ostringstream c;
    c << "logs:\n";
    for (uint32_t k = 0; k < p_.keys.size(); ++k)
      c << "  " << p_.keys[k].name << ": {path: \"" << files_.pattern(k)
        << "\", fingerprint_bytes: " << p_.fingerprint_bytes
        << ", max_line_bytes: " << p_.max_line_bytes << ", poll_interval: "
        << 100 + versions_[k] % 100 << "ms}\n";
    if (db_ != nullptr)
      c << "sink: " << db_->sink_yaml(run_name_) << "\n";
    else
      c << "sink: {type: file, path: \"" << output_path() << "\", format: plain}\n";
    c << "state_dir: \"" << dir_ << "/state\"\n"
      << "log: {level: info}\n";
    // Renamed into place: the config watcher never reads half a file.
    auto tmp = config_path() + ".tmp";
    std::ofstream(tmp) << c.str();
    fs::rename(tmp, config_path());
  }

  /// How often the collector said it is running (once a start).
  std::size_t running_lines() const {
    auto err = read_whole(stderr_path());
    std::size_t n = 0;
    for (auto at = err.find("main: running "); at != std::string::npos;
         at = err.find("main: running ", at + 1))
      ++n;
    return n;
  }

  /// Starts the child and waits until it logged "running": signals are
  /// blocked by then (SIGHUP or SIGTERM earlier would kill it, a fault of the
  /// runner's timing, not of the collector) and the output was recovered.
  void start() {
    auto before = running_lines();
    {
      std::ofstream(stderr_path(), std::ios::app)
        << "---- sim: start " << ++starts_ << " ----\n";
    }
    collector_ = std::make_unique<collector_process>(binary_, config_path(), stderr_path());
    log("start: pid " + std::to_string(collector_->pid()));
    auto deadline = clock_type::now() + std::chrono::seconds(20);
    while (running_lines() <= before) {
      if (!collector_->running())
        throw std::runtime_error("the collector exited at start with " +
                                 std::to_string(collector_->code()));
      if (clock_type::now() >= deadline)
        throw std::runtime_error("the collector did not say 'running' within 20 s");
      sleep_ms(2);
    }
  }

  void check_alive() {
    if (collector_ && !collector_->running())
      throw std::runtime_error("the collector exited by itself with " +
                               std::to_string(collector_->code()));
  }

  void kill() {
    collector_->signal(SIGKILL);
    collector_->wait(std::chrono::seconds(20));
    log("killed");
    collector_.reset();
  }

  void stop() {
    collector_->signal(SIGTERM);
    int code = collector_->wait(std::chrono::seconds(60));
    log("stopped: exit " + std::to_string(code));
    collector_.reset();
    if (code != 0)
      throw std::runtime_error("the collector's graceful stop exited with " +
                               std::to_string(code));
  }

  void reload() {
    write_config();
    collector_->signal(SIGHUP);
  }

  void apply(const op& o) {
    if (o.kind == op_kind::rotate_create || o.kind == op_kind::rotate_copy) {
      // The collector orders a key's rotated files by modification time, and
      // files rotated within one clock tick may be read in either order (a
      // documented limit): a plain key's order would then be judged on a
      // tie. Rotations are spaced by more than a tick.
      sleep_ms(10);
    }
    fresh_committed_ = false; // read again if this op destroys a file
    if (files_.apply(o))
      return;
    switch (o.kind) {
      case op_kind::step:
        if (collector_)
          sleep_ms(static_cast<int>(4 * o.n));
        break;
      case op_kind::commit:
        if (collector_)
          sleep_ms(5);
        break;
      case op_kind::crash_tailer:
        if (collector_) {
          ++versions_[o.key];
          reload();
        }
        break;
      case op_kind::reload_update:
        if (collector_) {
          for (auto& v : versions_)
            ++v;
          reload();
        }
        break;
      case op_kind::kill:
        if (collector_)
          kill();
        break;
      case op_kind::stop:
        if (collector_)
          stop();
        break;
      case op_kind::start:
        if (!collector_)
          start();
        break;
      default:
        break;
    }
  }

  // ---- the output ----------------------------------------------------------

  /// The output's complete lines. The plain format says nothing of where a
  /// line came from: plain keys' lines share one reading per stream (their
  /// order is checked), each of a glob key's lines is a reading of its own.
  std::vector<delivered_line> read_output(uint64_t& malformed,
                                          std::size_t length = std::string::npos) const {
    if (db_ != nullptr) { // no order to judge: each line a reading of its own
      std::vector<delivered_line> lines;
      for (auto& text : db_->lines(run_name_)) {
        line_ref l;
        if (delivery_model::parse(text.data(), text.size(), l))
          lines.push_back(delivered_line{l, lines.size() + 1});
        else
          ++malformed;
      }
      return lines;
    }
    auto text = read_whole(output_path());
    if (length < text.size())
      text.resize(length);
    std::vector<delivered_line> lines;
    std::size_t at = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; at = nl + 1, nl = text.find('\n', at)) {
      line_ref l;
      if (!delivery_model::parse(text.data() + at, nl - at, l)) {
        ++malformed;
        continue;
      }
      bool plain = p_.keys[files_.key_of(l.stream)].shape == key_shape::plain;
      lines.push_back(delivered_line{l, plain ? 0 : lines.size() + 1});
    }
    return lines;
  }

  /// The lines within the committed output length of the state file: the
  /// output is fdatasynced before the state names its length, and the next
  /// start cuts only what lies beyond it, so these survive any kill. Read
  /// once an op, when a file op destroys lines.
  bool committed(const line_ref& l) {
    if (!fresh_committed_) {
      fresh_committed_ = true;
      committed_.clear();
      uint64_t malformed = 0;
      if (db_ != nullptr) { // the database holds only what it committed
        for (auto& d : read_output(malformed))
          committed_.insert(d.line);
        return committed_.count(l) > 0;
      }
      auto path = dir_ + "/state/logcatch.state";
      std::size_t length = 0;
      try {
        if (fs::exists(path)) {
          auto state = decode_checkpoint(read_whole(path), path);
          if (state.has_sink_length)
            length = state.sink_length;
        }
      } catch (const std::exception&) {
        length = 0; // nothing counts as committed: more lines may be lost, none must
      }
      for (auto& d : read_output(malformed, length))
        committed_.insert(d.line);
    }
    return committed_.count(l) > 0;
  }

  /// Waits until the output holds every line that must arrive, or 45 s pass
  /// without it growing; then a little longer, so late duplicates show. 45,
  /// not 30: a tailer looks at every file of its key every 30 s (the safety
  /// round), and a file only that round finds must count as late (and out of
  /// order if it is), not as lost.
  void wait_for_delivery() {
    auto last_size = static_cast<uintmax_t>(-1);
    auto last_progress = clock_type::now();
    for (;;) {
      check_alive();
      std::error_code ec;
      uintmax_t size = 0;
      if (db_ != nullptr) {
        try {
          uint64_t malformed = 0;
          size = read_output(malformed).size();
        } catch (const std::exception&) {
          size = last_size; // not answering now: no progress
        }
      } else {
        size = fs::file_size(output_path(), ec);
        if (ec)
          size = 0;
      }
      if (size != last_size) {
        last_size = size;
        last_progress = clock_type::now();
        uint64_t malformed = 0;
        if (files_.model().judge(read_output(malformed)).lost == 0)
          break;
      }
      if (clock_type::now() - last_progress > std::chrono::seconds(45)) {
        log("the output did not grow for 45 s with lines still missing");
        break;
      }
      sleep_ms(10);
    }
    log("delivered");
    sleep_ms(200);
  }

  const program& p_;
  std::string dir_;
  std::string binary_;
  const database_target* db_ = nullptr;
  std::string run_name_;
  std::mt19937_64 rng_;
  sim_files files_;
  std::vector<uint32_t> versions_;
  std::unique_ptr<collector_process> collector_;
  int starts_ = 0;
  bool fresh_committed_ = false;
  std::set<line_ref> committed_;
  clock_type::time_point begin_;
  std::string trace_;
};

/// keep_failed: a failing run's folder stays too (not while shrinking).
sim_result run_binary(const program& p, const std::string& scratch, const std::string& binary,
                      bool keep, bool keep_failed, const database_target* db = nullptr) {
  static uint64_t counter = 0;
  auto run_name = "sim" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  auto dir = scratch + "/bin-" + std::to_string(p.seed) + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter);
  fs::create_directories(dir);
  std::ofstream(dir + "/program.txt") << describe(p);
  sim_result r;
  {
    binary_run run(p, dir, binary, db, run_name);
    r = run.run();
  }
  std::ofstream(dir + "/trace.txt") << r.trace;
  if (keep || (keep_failed && !r.ok())) {
    r.trace = "run folder " + dir + " (kept: program.txt, trace.txt, collector.stderr, out.log)\n" +
              r.trace;
  } else {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return r;
}

} // namespace

sim_result run_with_binary(const program& p, const std::string& scratch,
                           const std::string& logcatch_binary, bool keep) {
  return run_binary(p, scratch, logcatch_binary, keep, true);
}

sim_result run_with_binary(const program& p, const std::string& scratch,
                           const std::string& logcatch_binary, const database_target& db) {
  return run_binary(p, scratch, logcatch_binary, false, true, &db);
}

program shrink_with_binary(const program& failing, const std::string& scratch,
                           const std::string& logcatch_binary, int budget) {
  return shrink(
    failing,
    [&](const program& p) { return run_binary(p, scratch, logcatch_binary, false, false); },
    budget);
}

} // namespace logcatch::sim
