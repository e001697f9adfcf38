#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace logcatch {

enum class rotation_mode { rename, copytruncate };

/// Appends numbered lines "STREAM SEQ PADDING\n" to a log file, rotating it
/// like logrotate, so a reader can later check every line arrived exactly
/// once and in order. Used by the demo, the tests and the benchmark driver.
class numbered_writer {
public:
  struct options {
    std::string path;
    std::string stream;          ///< first word of every line
    double lines_per_second = 0; ///< 0 = as fast as possible
    uint64_t rotate_every = 0;   ///< lines per file; 0 = never rotate
    rotation_mode mode = rotation_mode::rename;
    std::size_t min_length = 20; ///< line lengths vary between these (excluding '\n')
    std::size_t max_length = 120;
    /// Each line's third word is "@NS": CLOCK_MONOTONIC nanoseconds when it
    /// was written (the benchmark measures append -> sink latency with it).
    bool timestamps = false;
  };

  explicit numbered_writer(options opts);
  ~numbered_writer();
  numbered_writer(const numbered_writer&) = delete;
  numbered_writer& operator=(const numbered_writer&) = delete;

  /// Writes `n` lines now (rotating where due). Throws std::runtime_error on I/O errors.
  void write_lines(uint64_t n);
  /// Rotates now: rename to PATH.N (rename mode) or copy to PATH.N and truncate.
  void rotate();

  /// Runs write_lines at the configured rate on a thread until stop().
  void start();
  void stop();

  uint64_t written() const { return written_.load(); }
  /// The error that stopped the writing thread, if any.
  std::string error();
  uint64_t rotations() const { return rotations_.load(); }
  const options& opts() const { return opts_; }

  /// The line with number `seq`, without '\n' (deterministic).
  std::string line(uint64_t seq) const;
  /// Appends line `seq` and its '\n' to `out`; with timestamps, stamped `now_ns`.
  void append_line(uint64_t seq, uint64_t now_ns, std::string& out) const;
  /// CLOCK_MONOTONIC in nanoseconds (what timestamps hold).
  static uint64_t monotonic_ns();

private:
  void write_chunk(uint64_t n); // n lines, none past a rotation
  void open_file();

  options opts_;
  std::mutex mtx_;
  int fd_ = -1;
  uint64_t in_file_ = 0;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> rotations_{0};
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::string error_;
};

} // namespace logcatch
