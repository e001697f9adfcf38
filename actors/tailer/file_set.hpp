#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <deque>
#include <set>
#include <unordered_map>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "actors/tailer/change_waiter.hpp"
#include "actors/tailer/file_follower.hpp"
#include "actors/tailer/compressed_copy.hpp"
#include "actors/tailer/known_files.hpp"
#include "actors/tailer/line_splitter.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// True for names of compressed files (.gz, .bz2, .xz, .zst, .zip, .lz4).
bool compressed_name(const std::string& path);

/// True if `path` has glob wildcards (*, ? or [).
bool is_glob(const std::string& path);

/// All files of one key: one file_follower for a plain path; for a glob, one
/// per matching path, found by scan() (new files are picked up while
/// running). The followers share a file_registry, so a file is never read by
/// two of them at once, and a file renamed from one matching name to another
/// (rotation within the glob) is read on where it was left, not again.
class file_set : public file_registry {
public:
  struct options {
    std::string pattern;              ///< absolute path or glob
    std::vector<std::string> exclude; ///< globs: on the full path if they hold '/', else the name
    std::vector<std::string> olddir;  ///< where rotated files go (relative: to the file's folder)
    millis ignore_older{0};           ///< skip new files not modified for this long (0 = off)
    file_follower::options follower;  ///< template for every follower (path set per file)
    std::size_t max_tracked_files = 100000; ///< positions kept beyond the open files
    /// A file read to its end and not read from for this long may be closed
    /// when the open-file budget is used up (then reopened when it grows).
    std::chrono::milliseconds idle_close_after{1000};
  };

  /// `known`: the key's delivered positions, most recent first; among them
  /// the key's baseline (see baseline_identity()), when it has one.
  file_set(options opts, std::vector<resume_position> known);

  /// The identity of a key's baseline record: not a file, but the position
  /// whose offset is the unix time (ms) since which the key tracks its files.
  /// A rotated copy the key does not know is read whole when it was modified
  /// since then, and taken as history when older. The sink makes it (and
  /// commits it) when a key first asks for its positions; without one the
  /// key tracks since now.
  static bool is_baseline(const file_identity& id) { return id.device == 0 && id.inode == 0; }
  int64_t tracking_since_ms() const { return since_ms_; }
  ~file_set() override;

  /// Looks for matching files (glob keys; a plain path has its one follower).
  void scan();
  /// One step of the next follower with something to do, round robin. A
  /// glob key steps only the followers hinted at (their files had events)
  /// until look_at_all(): with a thousand files, stepping each one on every
  /// event cost a core.
  follow_status step(line_batch& out, std::size_t budget);
  /// Files (paths as opened) that had events: their followers get a look.
  /// Steps look only at hinted followers (and those without a file)
  /// between look_at_all() passes.
  void hint(const std::vector<std::string>& open_paths);
  /// The next steps visit every follower once, each until it is at its end
  /// (no events to go by, or a safety round).
  void look_at_all() { look_all_ = true; }

  bool globbing() const { return glob_; }
  /// The folder to watch for changes (the pattern's, when it has no wildcard).
  std::string watch_path() const;
  /// The open files (path as opened, device, inode), for the change waiter.
  const std::vector<open_file>& open_files();
  std::size_t files() const { return followers_.size(); }
  /// Bytes in the open files beyond the last line handed out (fstat of each:
  /// call it now and then, not per step). Part of the key's lag.
  uint64_t unread_bytes() const;
  uint64_t rotations() const;
  uint64_t truncations() const;
  std::vector<follower_notice> take_notices();
  std::vector<file_identity> take_finished();

  /// Looks in the key's folders for the files it keeps positions of (the
  /// open ones aside): one not found for `grace` is gone, and beyond
  /// max_tracked_files the least recent positions go. Both are handed out
  /// by take_finished(), for the sink to forget. A readdir and a stat per
  /// folder entry: call it now and then, not per step.
  struct sweep_result {
    std::size_t gone = 0;
    std::size_t over_bound = 0;
  };
  sweep_result sweep(std::chrono::steady_clock::time_point now, std::chrono::milliseconds grace);

  /// Sets a hook called on every rotation a follower detects (fault hook).
  void on_rotation(std::function<void()> hook);

  // file_registry
  bool claim(int fd, const file_identity& id, const file_follower* owner,
             bool take_empty = false) override;
  void unclaim(const file_follower* owner, const file_identity& id) override;
  void release(const file_follower* owner, const file_identity& id, uint64_t offset) override;
  std::optional<resume_position> known_offset(int fd, const file_identity& id) override;
  void content_gone(const resume_position& at) override;

private:
  struct claim_entry {
    const file_follower* owner;
    /// The owner's file's first bytes, as they were when its content check
    /// was (head_for_len, head_for_hash): what a copy being written would
    /// start with.
    std::string head;
    uint32_t head_for_len = 0;
    uint64_t head_for_hash = 0;
  };
  bool excluded(const std::string& path) const;
  follow_status step_in_order(line_batch& out, std::size_t budget);
  /// Round robin over every follower, until one does something.
  follow_status step_all(line_batch& out, std::size_t budget);
  /// Steps one follower into a fresh batch: true, with `out` set, if it did
  /// something (read, switched files, or has a marker to send).
  bool try_step(const std::string& path, file_follower& f, line_batch& out, std::size_t budget,
                bool& any_file);
  /// Steps one follower and keeps what the step changed (notices, a finished
  /// file, counts, its open file), so that what a tailer asks after every
  /// step and wait needs no walk over a thousand followers.
  follow_status step_one(const std::string& path, file_follower& f, line_batch& out,
                         std::size_t budget);
  file_follower& add(const std::string& path, std::optional<resume_position> resume,
                     bool sibling = false);
  /// Rotated copies of the followed files that the pattern does not match
  /// (app.log.1 for app.log or *.log): followed too, so that a file rotated
  /// while logcatch was down or behind is read to its end.
  void scan_siblings(const std::set<std::string>& matched, std::set<std::string>& found,
                     std::set<std::string>& compressed);
  /// A compressed copy (.gz) that holds the rest of a file the key was
  /// reading: read from that file's position, through zlib, once.
  struct compressed_job {
    std::unique_ptr<compressed_copy> copy;
    resume_position from;
    bool started = false;
    uint64_t reading = 0;
    std::unique_ptr<line_splitter> splitter;
  };
  void look_at_compressed(const std::string& path);
  follow_status step_compressed(line_batch& out, std::size_t budget);
  std::deque<compressed_job> compressed_jobs_;
  /// A .gz file as a look found it: the inode alone does not tell one .gz
  /// from the next (compress deletes the old .gz and writes the new one,
  /// which often gets the freed inode; gzip -c over it keeps it).
  struct compressed_look {
    uint64_t bytes = 0;
    std::optional<gzip_trailer> trailer;
    bool operator==(const compressed_look& o) const {
      return bytes == o.bytes && trailer == o.trailer;
    }
  };
  // .gz files read (or being read), by (device, inode).
  std::map<std::pair<uint64_t, uint64_t>, compressed_look> compressed_seen_;
  std::set<std::string> compressed_unmatched_; // .gz files that matched no position yet

  options opts_;
  bool glob_;
  bool first_scan_ = true;
  int64_t since_ms_ = 0;
  std::vector<std::string> sibling_order_; // a plain path's rotated files, oldest first
  // Folders the last scan searched for rotated copies (the sweep looks there too).
  std::set<std::string> search_folders_;
  // Known positions whose file was not found, since when (by identity).
  std::map<std::tuple<uint64_t, uint64_t, uint32_t, uint64_t>, std::chrono::steady_clock::time_point>
    missing_since_;
  known_files known_;
  std::map<std::string, std::unique_ptr<file_follower>> followers_; // by path
  std::map<std::pair<uint64_t, uint64_t>, claim_entry> claims_;     // by (device, inode)
  bool look_all_ = true;
  bool hinting_ = false; // set by the first hint(): until then every step looks at all
  std::string next_path_; // step_all's round robin: where the next walk starts
  std::vector<open_file> open_cache_; // what open_files() returned last
  std::unordered_multimap<std::string, std::string> follower_by_open_path_; // rebuilt with it
  bool open_changed_ = true;          // a file was opened or closed since
  std::set<std::string> hinted_; // follower paths to step before the next full round
  std::set<std::string> without_file_; // follower paths with no file open (idle-closed aside)
  std::string next_without_file_;      // where the next look at them starts
  // When each follower last handed out something, and whether its last step
  // found its file read to the end: the longest idle one gives its slot up.
  std::map<std::string, std::chrono::steady_clock::time_point> last_active_;
  std::set<std::string> at_end_;
  /// Closes the file idle longest (at least idle_close_after); false if none.
  bool make_room(const std::string& wanting);
  uint64_t idle_closes_ = 0;

public:
  /// Files closed while idle to give their slot to another, so far.
  uint64_t idle_closes() const { return idle_closes_; }

private:
  uint64_t rotations_ = 0; // of every follower, removed ones included
  uint64_t truncations_ = 0;
  std::vector<file_identity> finished_;
  std::function<void()> rotation_hook_;
  std::vector<follower_notice> notices_;
};

} // namespace logcatch
