#pragma once

// Real-tool rotation tests: steady writers that reopen their log after a
// rotation (as a program does on logrotate's postrotate signal), Debian's
// /usr/sbin/logrotate on a private config and state file, the real
// `logcatch run` started, stopped, killed and frozen, and an exactly-once
// check of its file sink that knows where each writer's files begin (order
// is promised within a file only) and which lines logrotate compressed while
// logcatch was down (a documented limit).

#include <catch2/catch.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "bench/workload/numbered_writer.hpp"
#include "process_support.hpp"
#include "test_support.hpp"

namespace logcatch::test {

/// Writers appending numbered lines ("STREAM SEQ PADDING") to their files at
/// a steady rate, one thread for all. A rotation runs while no writer writes
/// (rotate() holds their lock), and each writer reopens its path right after
/// it: the perfect postrotate reopen, so a line is never written to a file
/// after it was rotated (a write-after-rotation is a documented limit, not
/// what these tests look at). Each writer remembers the first number written
/// after every rotation: lines are in order within one file only.
class steady_writers {
public:
  struct stream {
    std::string name; ///< first word of each line
    std::string path; ///< the file written (O_APPEND, created when missing)
    double lines_per_second = 300;
  };

  explicit steady_writers(std::vector<stream> streams) {
    for (auto& s : streams) {
      numbered_writer::options o;
      o.path = s.path;
      o.stream = s.name;
      o.min_length = 20;
      o.max_length = 120;
      auto w = std::make_unique<writer>();
      w->spec = s;
      w->format = std::make_unique<numbered_writer>(o);
      writers_.push_back(std::move(w));
    }
  }
  ~steady_writers() {
    stop();
    for (auto& w : writers_)
      if (w->fd >= 0)
        ::close(w->fd);
  }
  steady_writers(const steady_writers&) = delete;
  steady_writers& operator=(const steady_writers&) = delete;

  void start() {
    if (running_.exchange(true))
      return;
    thread_ = std::thread([this] { loop(); });
  }

  void stop() {
    if (!running_.exchange(false))
      return;
    thread_.join();
  }

  /// Runs `rotation` (logrotate, a rename...) while no writer writes; then
  /// every writer reopens its path and starts a new file segment.
  template <class Rotation>
  auto rotate(Rotation&& rotation) {
    std::lock_guard<std::mutex> guard{mtx_};
    struct reopen {
      steady_writers& self;
      ~reopen() {
        for (auto& w : self.writers_) {
          if (w->fd >= 0)
            ::close(w->fd);
          w->fd = -1;
          if (w->segments.back() != w->written)
            w->segments.push_back(w->written);
        }
      }
    } after{*this};
    return rotation();
  }

  /// stream -> lines written.
  std::map<std::string, uint64_t> written() {
    std::lock_guard<std::mutex> guard{mtx_};
    std::map<std::string, uint64_t> result;
    for (auto& w : writers_)
      result[w->spec.name] = w->written;
    return result;
  }

  /// stream -> first number of each file it wrote (0 first).
  std::map<std::string, std::vector<uint64_t>> segments() {
    std::lock_guard<std::mutex> guard{mtx_};
    std::map<std::string, std::vector<uint64_t>> result;
    for (auto& w : writers_)
      result[w->spec.name] = w->segments;
    return result;
  }

  std::string error() {
    std::lock_guard<std::mutex> guard{mtx_};
    return error_;
  }

private:
  struct writer {
    stream spec;
    std::unique_ptr<numbered_writer> format; // formats lines only
    int fd = -1;
    uint64_t written = 0;
    std::vector<uint64_t> segments{0};
  };

  void loop() {
    using clock = std::chrono::steady_clock;
    auto begin = clock::now();
    std::string text;
    while (running_.load()) {
      {
        std::lock_guard<std::mutex> guard{mtx_};
        auto elapsed = std::chrono::duration<double>(clock::now() - begin).count();
        for (auto& w : writers_) {
          // Paced by elapsed time: a moment spent waiting for a rotation is
          // caught up right after it.
          auto due = static_cast<uint64_t>(elapsed * w->spec.lines_per_second);
          if (due <= w->written || !error_.empty())
            continue;
          text.clear();
          for (auto seq = w->written; seq < due; ++seq)
            w->format->append_line(seq, 0, text);
          if (!write_all(*w, text))
            continue;
          w->written = due;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(4));
    }
  }

  bool write_all(writer& w, const std::string& text) {
    if (w.fd < 0)
      w.fd = ::open(w.spec.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (w.fd < 0) {
      error_ = w.spec.path + ": cannot open: " + std::strerror(errno);
      return false;
    }
    std::size_t done = 0;
    while (done < text.size()) {
      auto n = ::write(w.fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        error_ = w.spec.path + ": write failed: " + std::strerror(errno);
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  std::vector<std::unique_ptr<writer>> writers_;
  std::mutex mtx_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::string error_;
};

/// Debian's logrotate on a config of the test's own, with a private state
/// file; every run is forced (-f), its output appended to DIR/logrotate.out.
class logrotate_tool {
public:
  static constexpr const char* binary = "/usr/sbin/logrotate";

  logrotate_tool(const temp_dir& dir, const std::string& config_text)
    : config_(dir / "logrotate.conf"), state_(dir / "logrotate.state"),
      output_(dir / "logrotate.out") {
    write_file(config_, config_text, false);
    std::filesystem::permissions(config_, std::filesystem::perms(0644));
  }

  /// One forced rotation; the exit code (0 = fine).
  int run() {
    ++runs_;
    auto command = std::string(binary) + " -s '" + state_ + "' -f '" + config_ + "' >> '" +
                   output_ + "' 2>&1";
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }

  int runs() const { return runs_; }
  std::string output() const { return read_file(output_); }

private:
  std::string config_;
  std::string state_;
  std::string output_;
  int runs_ = 0;
};

/// One stream's figures in the sink.
struct stream_figures {
  std::string stream;
  uint64_t written = 0;
  uint64_t unique = 0;
  uint64_t lost = 0;         ///< written, never seen, and not excused
  uint64_t excused = 0;      ///< never seen, but only in a file compressed while logcatch was down
  uint64_t duplicated = 0;   ///< extra copies
  uint64_t out_of_order = 0; ///< seen after a higher number of the same file
  std::string lost_ranges;   ///< the first few lost numbers, as ranges
};

/// Reads a sink of numbered lines, incrementally while it grows (a sink is
/// cut only when logcatch starts again: reset() then).
class sink_reader {
public:
  explicit sink_reader(std::string path) : path_(std::move(path)) {}

  /// Reads what was appended since the last call.
  void update() {
    std::ifstream in(path_, std::ios::binary);
    if (!in)
      return;
    in.seekg(0, std::ios::end);
    auto size = static_cast<uint64_t>(in.tellg());
    if (size < consumed_)
      reset();
    if (size == consumed_)
      return;
    in.seekg(static_cast<std::streamoff>(consumed_));
    std::string chunk(size - consumed_, '\0');
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.resize(static_cast<std::size_t>(in.gcount()));
    auto last_newline = chunk.rfind('\n');
    if (last_newline == std::string::npos)
      return;
    chunk.resize(last_newline + 1);
    consumed_ += chunk.size();
    std::size_t at = 0;
    while (at < chunk.size()) {
      auto end = chunk.find('\n', at);
      feed(chunk.substr(at, end - at));
      at = end + 1;
    }
  }

  void reset() {
    consumed_ = 0;
    seen_.clear();
    order_.clear();
    malformed_ = 0;
  }

  uint64_t unique(const std::string& stream) const {
    auto it = seen_.find(stream);
    return it == seen_.end() ? 0 : it->second.size();
  }
  uint64_t malformed() const { return malformed_; }

  /// Distinct numbers of `stream` seen, with their copy counts.
  const std::map<uint64_t, uint64_t>& seen(const std::string& stream) { return seen_[stream]; }
  /// Numbers of `stream` in the order they arrived.
  const std::vector<uint64_t>& arrival(const std::string& stream) { return order_[stream]; }

private:
  void feed(const std::string& line) {
    auto space = line.find(' ');
    auto second = space == std::string::npos ? space : line.find(' ', space + 1);
    if (space == std::string::npos || second == std::string::npos || second == space + 1) {
      ++malformed_;
      return;
    }
    auto number = line.substr(space + 1, second - space - 1);
    if (number.find_first_not_of("0123456789") != std::string::npos) {
      ++malformed_;
      return;
    }
    auto stream = line.substr(0, space);
    auto seq = std::stoull(number);
    ++seen_[stream][seq];
    order_[stream].push_back(seq);
  }

  std::string path_;
  uint64_t consumed_ = 0;
  std::map<std::string, std::map<uint64_t, uint64_t>> seen_;
  std::map<std::string, std::vector<uint64_t>> order_;
  uint64_t malformed_ = 0;
};

/// The lines ("STREAM SEQ") a gzip file holds, through `gzip -dc`.
inline std::set<std::pair<std::string, uint64_t>> lines_in_gzip(const std::string& path) {
  std::set<std::pair<std::string, uint64_t>> result;
  auto command = "gzip -dc '" + path + "' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe{::popen(command.c_str(), "r"), ::pclose};
  if (!pipe)
    return result;
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe.get())) > 0;)
    text.append(buf, n);
  for (auto& line : lines_of(text)) {
    std::istringstream in(line);
    std::string stream;
    uint64_t seq = 0;
    if (in >> stream >> seq)
      result.insert({stream, seq});
  }
  return result;
}

/// The scenario every test runs: a test folder (logs in DIR/logs, the sink
/// DIR/out.log, the state in DIR/state), writers, logrotate and the
/// collector, which may be started, stopped, killed and frozen; finish()
/// waits for every line and checks exactly-once.
class rotation_scenario {
public:
  /// `seed`: for a test made of several scenarios (derive each from one
  /// test_seed()); by default test_seed().
  explicit rotation_scenario(std::string name, std::optional<unsigned> seed = std::nullopt)
    : name_(std::move(name)), seed_(seed ? *seed : test_seed()), rng_(seed_) {
    std::filesystem::create_directories(logs());
    std::filesystem::create_directories(dir_ / "conf");
    std::cout << "[logrotate_test] " << name_ << ": seed " << seed_ << " (LOGCATCH_TEST_SEED="
              << seed_ << " replays), folder " << dir_.path() << std::endl;
  }
  ~rotation_scenario() {
    if (collector_ && running_)
      collector_->signal(SIGKILL);
    if (collector_ && stopped_)
      collector_->signal(SIGCONT);
  }

  const temp_dir& dir() const { return dir_; }
  std::string logs() const { return dir_ / "logs"; }
  std::string log(const std::string& name) const { return logs() + "/" + name; }
  /// In a folder of its own: the config watcher counts every event in the
  /// config's folder as an edit, and a sink or log written next to it would
  /// hold every reload back (events never pause for its 150 ms debounce).
  std::string config_path() const { return dir_ / "conf/config.yaml"; }
  std::string sink_path() const { return dir_ / "out.log"; }
  unsigned seed() const { return seed_; }
  /// A random whole number in [from, to].
  int pick(int from, int to) {
    return from + static_cast<int>(rng_() % static_cast<unsigned>(to - from + 1));
  }
  /// A random whole number of milliseconds in [from, to].
  std::chrono::milliseconds millis(int from, int to) { return std::chrono::milliseconds(pick(from, to)); }

  /// Writes the collector's config (atomically: a temporary file renamed
  /// over it, so a reload never reads half of it): `logs_section` then the
  /// file sink and the state folder, and `extra` (top-level keys).
  void write_config(const std::string& logs_section, const std::string& extra = "") {
    auto text = logs_section + "sink:\n  type: file\n  path: " + sink_path() +
                "\nstate_dir: " + (dir_ / "state") + "\n" + extra;
    auto tmp = config_path() + ".tmp";
    write_file(tmp, text, false);
    std::filesystem::rename(tmp, config_path());
  }

  void set_writers(std::vector<steady_writers::stream> streams) {
    writers_ = std::make_unique<steady_writers>(std::move(streams));
  }
  steady_writers& writers() { return *writers_; }

  void set_logrotate(const std::string& config_text) {
    logrotate_ = std::make_unique<logrotate_tool>(dir_, config_text);
  }

  /// One forced logrotate run between two writes; REQUIREs it succeeded.
  void logrotate() {
    int code = writers_->rotate([&] { return logrotate_->run(); });
    INFO("logrotate output:\n" << logrotate_->output());
    REQUIRE(code == 0);
    if (collector_down())
      ++rotations_while_down_;
    else
      ++rotations_while_up_;
  }

  /// Renames `from` to `to` between two writes (a rotation by another tool).
  void rename_rotation(const std::string& from, const std::string& to) {
    writers_->rotate([&] { std::filesystem::rename(from, to); });
    if (collector_down())
      ++rotations_while_down_;
    else
      ++rotations_while_up_;
  }

  /// Lines in `gz` (compressed while logcatch was down) may be missing: the
  /// documented limit of compress without delaycompress.
  void excuse_compressed(const std::string& gz) {
    for (auto& line : lines_in_gzip(gz))
      excused_.insert(line);
  }

  /// Starts `logcatch run`; returns once it logged that it is collecting,
  /// with `wait_following` once its tailers opened their files (so
  /// read_from: tail has taken its starting point), with `at_once` right
  /// after the spawn.
  void start_collector(bool wait_following = false, bool at_once = false) {
    collector_ = std::make_unique<child_process>(
      std::vector<std::string>{LOGCATCH_BINARY, "run", "--config", config_path()}, dir_.path());
    running_ = true;
    stopped_ = false;
    ++starts_;
    if (at_once)
      return;
    REQUIRE(eventually([&] { return contains(collector_->err(), "collecting"); },
                       std::chrono::seconds(30)));
    if (wait_following)
      REQUIRE(eventually(
        [&] {
          auto err = collector_->err();
          return contains(err, "following ") || contains(err, "resumed ");
        },
        std::chrono::seconds(30)));
  }

  /// SIGTERM: a graceful stop that must exit 0.
  void stop_collector() {
    collector_->signal(SIGTERM);
    int code = collector_->wait(std::chrono::seconds(60));
    keep_log();
    running_ = false;
    INFO("collector stderr:\n" << tail_of(collector_->err(), 4000));
    REQUIRE(code == 0);
  }

  void kill_collector() {
    collector_->signal(SIGKILL);
    int code = collector_->wait(std::chrono::seconds(30));
    keep_log();
    running_ = false;
    REQUIRE(code == 128 + SIGKILL);
  }

  void freeze_collector() {
    collector_->signal(SIGSTOP);
    stopped_ = true;
  }
  void thaw_collector() {
    collector_->signal(SIGCONT);
    stopped_ = false;
  }
  bool collector_down() const { return !collector_ || !running_ || stopped_; }

  /// The running (or last) collector's stderr.
  std::string collector_err() const { return collector_ ? collector_->err() : std::string(); }

  /// Stops the writers, makes sure logcatch runs, waits (up to `deadline`)
  /// until the sink holds every line, stops logcatch with SIGTERM and checks
  /// the sink: nothing lost (beyond excused), nothing duplicated, nothing
  /// out of order within a file, nothing malformed.
  /// Returns whether the sink was clean.
  bool finish(std::chrono::seconds deadline = std::chrono::seconds(60)) {
    writers_->stop();
    REQUIRE(writers_->error().empty());
    if (stopped_)
      thaw_collector();
    if (!running_)
      start_collector();
    auto written = writers_->written();
    auto segments = writers_->segments();
    sink_reader reader{sink_path()};
    auto begin = std::chrono::steady_clock::now();
    auto all_there = [&] {
      reader.update();
      for (auto& [stream, count] : written) {
        uint64_t excused = 0;
        for (auto& [s, seq] : excused_)
          excused += s == stream && seq < count;
        if (reader.unique(stream) + excused < count)
          return false;
      }
      return true;
    };
    bool complete = false;
    while (!(complete = all_there()) && std::chrono::steady_clock::now() - begin < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    stop_collector();
    sink_reader final_reader{sink_path()};
    final_reader.update();
    std::vector<stream_figures> figures;
    for (auto& [stream, count] : written)
      figures.push_back(figures_of(final_reader, stream, count, segments[stream]));

    std::ostringstream summary;
    summary << "[logrotate_test] " << name_ << ": seed " << seed_ << ", " << starts_
            << " starts, " << rotations_while_up_ << " rotations while running, "
            << rotations_while_down_ << " while down, "
            << (complete ? "complete" : "INCOMPLETE") << " after " << waited << " s, "
            << final_reader.malformed() << " malformed\n";
    for (auto& f : figures)
      summary << "  " << f.stream << ": written " << f.written << ", unique " << f.unique
              << ", lost " << f.lost << ", excused " << f.excused << ", duplicated "
              << f.duplicated << ", out of order " << f.out_of_order
              << (f.lost_ranges.empty() ? "" : ", lost numbers " + f.lost_ranges) << "\n";
    std::cout << summary.str() << std::flush;
    bool clean = final_reader.malformed() == 0;
    for (auto& f : figures)
      clean = clean && f.lost == 0 && f.duplicated == 0 && f.out_of_order == 0;
    // One failure with the figures and the collector's log (per stream
    // checks would repeat them for every stream).
    if (!clean)
      FAIL_CHECK(summary.str() << "collector warnings (all runs):\n" << warnings());
    return clean;
  }

  /// WARN and ERROR lines of every collector run so far (plus the current one).
  std::string warnings() const {
    std::string result;
    auto all = logs_;
    if (collector_ && running_)
      all.push_back(collector_->err());
    for (std::size_t i = 0; i < all.size(); ++i) {
      result += "--- run " + std::to_string(i + 1) + "\n";
      for (auto& line : lines_of(all[i]))
        if (contains(line, " WARN ") || contains(line, " ERROR ") || contains(line, "resumed ") ||
            contains(line, "following "))
          result += line + "\n";
    }
    return tail_of(result, 6000);
  }

private:
  static std::string tail_of(const std::string& text, std::size_t n) {
    return text.size() <= n ? text : "..." + text.substr(text.size() - n);
  }

  void keep_log() { logs_.push_back(collector_->err()); }

  stream_figures figures_of(sink_reader& reader, const std::string& stream, uint64_t written,
                            const std::vector<uint64_t>& segments) {
    stream_figures f;
    f.stream = stream;
    f.written = written;
    auto& seen = reader.seen(stream);
    for (auto& [seq, copies] : seen) {
      if (seq < written)
        ++f.unique;
      f.duplicated += copies - 1;
    }
    uint64_t ranges = 0;
    for (uint64_t seq = 0; seq < written;) {
      if (seen.count(seq) > 0) {
        ++seq;
        continue;
      }
      auto first = seq;
      uint64_t lost_here = 0;
      for (; seq < written && seen.count(seq) == 0; ++seq) {
        if (excused_.count({stream, seq}) > 0)
          ++f.excused;
        else
          ++lost_here;
      }
      f.lost += lost_here;
      if (lost_here > 0 && ++ranges <= 6)
        f.lost_ranges += (f.lost_ranges.empty() ? "" : ",") + std::to_string(first) + "-" +
                         std::to_string(seq - 1);
    }
    // Out of order: a number seen after a higher one of the same file.
    // Only a number's first copy counts here (a later copy is a duplicate).
    std::map<std::size_t, uint64_t> highest;
    std::set<uint64_t> arrived;
    for (auto seq : reader.arrival(stream)) {
      if (!arrived.insert(seq).second)
        continue;
      auto segment = static_cast<std::size_t>(
        std::upper_bound(segments.begin(), segments.end(), seq) - segments.begin());
      auto it = highest.find(segment);
      if (it != highest.end() && seq < it->second)
        ++f.out_of_order;
      else
        highest[segment] = seq;
    }
    return f;
  }

  temp_dir dir_;
  std::string name_;
  unsigned seed_;
  std::mt19937 rng_;
  std::unique_ptr<steady_writers> writers_;
  std::unique_ptr<logrotate_tool> logrotate_;
  std::unique_ptr<child_process> collector_;
  bool running_ = false;
  bool stopped_ = false;
  int starts_ = 0;
  int rotations_while_up_ = 0;
  int rotations_while_down_ = 0;
  std::vector<std::string> logs_; // stderr of the collector runs that ended
  std::set<std::pair<std::string, uint64_t>> excused_;
};

} // namespace logcatch::test
