#pragma once

// Drives a database_destination the way the database sink does, without an
// actor system: batches of numbered lines from several files, checked and
// committed with delivery_positions, written, and after a failure prepared
// again, the positions read back and every file resumed from them (what a
// restarted collector does). Lines have a fixed width per file, so a
// position says which line comes next.

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "actors/sink/database_destination.hpp"
#include "actors/sink/delivery_positions.hpp"

namespace logcatch::test {

struct driven_file {
  std::string key;
  std::string path;
  uint64_t inode = 0;
  uint64_t lines = 0; ///< how many lines the file has in all
  // Progress:
  uint64_t next = 0;   ///< the next line to send
  bool resumed = false; ///< its position was read back (no restart batch)
  bool gone = false;   ///< forgotten (deleted): never read again
};

/// The text of line `i` of `f` (without '\n'): every line of a file has the same width.
inline std::string driven_line(const driven_file& f, uint64_t i) {
  char number[21];
  std::snprintf(number, sizeof number, "%010llu", static_cast<unsigned long long>(i));
  return f.key + " " + f.path + " line " + number + " some payload to make it log-sized";
}

inline uint64_t driven_width(const driven_file& f) {
  return driven_line(f, 0).size() + 1;
}

inline file_identity identity_of(const driven_file& f) {
  return file_identity{1, f.inode, 0, 0};
}

inline int64_t wall_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

class destination_driver {
public:
  destination_driver(database_destination& dest, std::vector<driven_file> files,
                     std::size_t lines_per_batch)
    : dest_(dest), files_(std::move(files)), lines_per_batch_(lines_per_batch) {}

  /// prepare() and load_positions(), then every file resumes from its position.
  destination_result start() {
    if (auto r = dest_.prepare(); !r.ok())
      return r;
    stored_positions stored;
    if (auto r = dest_.load_positions(stored); !r.ok())
      return r;
    positions_ = delivery_positions{};
    for (auto& [key, list] : stored)
      for (auto& p : list)
        positions_.restore(key, p);
    for (auto& f : files_) {
      f.next = 0;
      f.resumed = false;
      for (auto& p : positions_.get(f.key))
        if (p.file.inode == f.inode) {
          f.next = p.offset / driven_width(f);
          f.resumed = true;
        }
    }
    started_ = true;
    return destination_result::success();
  }

  bool done() const {
    for (auto& f : files_)
      if (!f.gone && (f.next < f.lines || forget_when_done))
        return false;
    return true;
  }

  /// One write: a batch from every file with lines left, each key's
  /// baseline on its first write, and a forget for files `forget_when_done`.
  destination_result step() {
    auto next = positions_;
    destination_write w;
    w.collected_us = wall_us();
    std::vector<line_batch> batches;
    batches.reserve(files_.size());
    std::vector<std::pair<driven_file*, uint64_t>> moved;
    auto now_ms = w.collected_us / 1000;
    for (auto& f : files_) {
      if (next.ensure_baseline(f.key, now_ms))
        w.positions[f.key];
      if (f.gone || f.next >= f.lines) {
        if (forget_when_done && !f.gone && f.next >= f.lines) {
          next.forget(f.key, identity_of(f));
          w.positions[f.key];
          moved.emplace_back(&f, UINT64_MAX);
        }
        continue;
      }
      line_batch b;
      b.key = f.key;
      b.path = f.path;
      b.file = identity_of(f);
      b.reading = f.inode * 7919;
      b.restart = !f.resumed && f.next == 0;
      uint64_t width = driven_width(f);
      b.start_offset = f.next * width;
      uint64_t upto = std::min(f.lines, f.next + lines_per_batch_);
      for (uint64_t i = f.next; i < upto; ++i) {
        b.data += driven_line(f, i) + "\n";
        b.ends.push_back(static_cast<uint32_t>(b.data.size()));
      }
      b.end_offset = upto * width;
      auto check = next.check(b);
      next.commit(b, now_ms);
      w.positions[f.key];
      moved.emplace_back(&f, upto);
      batches.push_back(std::move(b));
      if (!check.drop)
        w.batches.push_back({&batches.back(), check.first_line});
    }
    for (auto& [key, list] : w.positions)
      list = next.recorded(key);
    auto r = dest_.write(w);
    if (r.ok()) {
      ++writes;
      positions_ = std::move(next);
      for (auto& [f, upto] : moved) {
        if (upto == UINT64_MAX)
          f->gone = true;
        else
          f->next = upto, f->resumed = true;
      }
    }
    return r;
  }

  /// Steps until every line is written, starting again after each failure
  /// (as the sink does: prepare, read the positions back, resume), for at
  /// most `limit`. `each_step` runs after every write.
  bool run(std::chrono::seconds limit, const std::function<void()>& each_step = {}) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    bool need_start = !started_;
    while (std::chrono::steady_clock::now() < deadline) {
      if (need_start) {
        auto r = start();
        if (!r.ok()) {
          ++failures;
          last_error = r.error;
          if (r.permanent)
            return false;
          std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the sink's backoff
          continue;
        }
        need_start = false;
      }
      if (done())
        return true;
      auto r = step();
      if (each_step)
        each_step();
      if (!r.ok()) {
        ++failures;
        last_error = r.error;
        if (r.outcome == write_outcome::unknown)
          ++unknown_outcomes;
        need_start = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    return done();
  }

  uint64_t total_lines() const {
    uint64_t n = 0;
    for (auto& f : files_)
      n += f.lines;
    return n;
  }
  const std::vector<driven_file>& files() const { return files_; }
  const delivery_positions& positions() const { return positions_; }

  bool forget_when_done = false;
  std::size_t writes = 0; ///< written ones
  std::size_t failures = 0;
  std::size_t unknown_outcomes = 0;
  std::string last_error;

private:
  database_destination& dest_;
  std::vector<driven_file> files_;
  std::size_t lines_per_batch_;
  delivery_positions positions_;
  bool started_ = false;
};

/// `keys` keys of `files_per_key` files of `lines` lines each.
inline std::vector<driven_file> driven_files(int keys, int files_per_key, uint64_t lines) {
  std::vector<driven_file> files;
  uint64_t inode = 100;
  for (int k = 0; k < keys; ++k)
    for (int f = 0; f < files_per_key; ++f) {
      driven_file file;
      file.key = "key" + std::to_string(k);
      file.path = "/var/log/app" + std::to_string(k) + "/part" + std::to_string(f) + ".log";
      file.inode = inode++;
      file.lines = lines;
      files.push_back(file);
    }
  return files;
}

} // namespace logcatch::test
