#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <sys/types.h>
#include <deque>
#include <set>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/line_batch.hpp"
#include "actors/tailer/file_identity.hpp"
#include "actors/tailer/line_splitter.hpp"
#include "actors/tailer/open_file_budget.hpp"
#include "config/config_model.hpp"

namespace logcatch {

/// Where lines are known to be delivered: a file (by identity, so it is found
/// again after a rename) and the offset right after the last delivered line.
struct resume_position {
  file_identity file;
  uint64_t offset = 0;
  std::string path; ///< where the file was when it was opened (a hint)
  /// The reading that got there (line_batch::reading): a file resumed here
  /// goes on with it, so batches of that reading sent again (a remote sink
  /// resends after an aggregator restart) meet the same position.
  uint64_t reading = 0;
};

class file_follower;

/// Shared by the followers of one key that follows several files (a glob), so
/// that no file is read by two followers at once, and a file one follower
/// left is read on by another where it was left, not again.
class file_registry {
public:
  virtual ~file_registry() = default;
  /// Claims the file open as `fd` for `owner`; false while another follower
  /// holds it, or reads a file this one is a copy of (a copy is read once).
  /// `take_empty`: a follower going on in a copy of its file may take it
  /// from one that claimed it empty and read nothing (holds_empty_claim()).
  virtual bool claim(int fd, const file_identity& id, const file_follower* owner,
                     bool take_empty = false) = 0;
  /// Gives a claimed file back unread.
  virtual void unclaim(const file_follower* owner, const file_identity& id) = 0;
  /// Gives the file back, with the offset up to which its lines were emitted.
  virtual void release(const file_follower* owner, const file_identity& id, uint64_t offset) = 0;
  /// The open file was truncated and no uncompressed copy of what was read
  /// exists: the content read up to `at.offset` may live on compressed.
  virtual void content_gone(const resume_position& at) = 0;
  /// Where reading stopped before in the open file `fd` (same file: inode
  /// with the same first bytes, or the same content), if it was read.
  virtual std::optional<resume_position> known_offset(int fd, const file_identity& id) = 0;
};

enum class follow_status {
  progress, ///< something happened (bytes read, file switched): step again
  at_end,   ///< everything there is has been read: wait for a change
  no_file,  ///< nothing readable at the path yet: wait and retry
};

/// Something worth a line in the collector's log.
struct follower_notice {
  bool warning = false;
  std::string text;
};

/// Follows one path like `tail -F`, without threads or CAF: each step() reads
/// one block and appends the complete lines to a batch. Waits for a missing
/// file, reads a rotated file to its end before opening the new one at the
/// path, and can resume at a delivered position even when that file has been
/// renamed (same inode) or copied (same first bytes, at least as long) within
/// its folder since. A truncated file whose content was copied first (logrotate's
/// copytruncate) is read on from the copy, then from 0; without a copy it is
/// read again from 0.
class file_follower {
public:
  struct options {
    std::string path;
    read_from start = read_from::head;
    std::size_t max_line_bytes = 1024 * 1024;
    std::size_t read_block = 256 * 1024;
    /// Bytes at a file's start that identify it by content (fingerprint).
    uint32_t fingerprint_bytes = 1024;
    /// Files never taken for a copy of the followed one (the sink's output,
    /// which holds the same lines).
    std::vector<std::string> never_read;
    /// Set for the followers of a glob key (not owned).
    file_registry* registry = nullptr;
    /// A plain path's other delivered positions (files rotated away earlier):
    /// after a resume, a rotated file found among them is read on from its
    /// position, or skipped when read to its end, never read twice.
    std::vector<resume_position> delivered;
    /// A rotated copy of a followed file (named like one, not matched by the
    /// key's pattern): when the key does not know it, it is read from its
    /// start if modified since `history_before_ms` (written while the key was
    /// tracking, so it may hold lines written to the followed path), else
    /// opened at its end (rotated before the key existed).
    bool sibling = false;
    int64_t history_before_ms = 0;
    /// Open files are counted here (not owned; none: no limit).
    open_file_budget* budget = nullptr;
  };

  file_follower(options opts, std::optional<resume_position> resume);
  ~file_follower();
  file_follower(const file_follower&) = delete;
  file_follower& operator=(const file_follower&) = delete;

  /// Reads at most min(read_block, budget) bytes. `out` gets the file's
  /// identity, path and offsets, and every line completed by this step.
  follow_status step(line_batch& out, std::size_t budget);

  /// Called when a rotation of a file opened by path is detected, before the
  /// switch; the tailer's fault hook throws from here.
  std::function<void()> on_rotation;
  /// Test hook: called between the check of the open file's first bytes
  /// and the read that follows it (where a copytruncate can strike).
  std::function<void()> before_read;

  bool has_file() const { return fd_ >= 0; }
  /// Closes the open file, read to its end, to give its slot to another
  /// (the budget is used up). The next steps only stat the path, and open
  /// it again (where it was left, by identity) once it changed.
  /// False when the file cannot be closed as idle (it was truncated).
  bool close_idle();
  bool idle_closed() const { return idle_.has_value(); }
  /// True (once) after a step could not open a file for want of a slot.
  bool take_wants_slot() {
    auto w = wants_slot_;
    wants_slot_ = false;
    return w;
  }
  /// Changes whenever a file is opened or closed: whoever keeps a list of
  /// open files knows when to look again.
  uint64_t open_generation() const { return open_generation_; }
  const std::string& open_path() const { return open_path_; }
  /// (device, inode) of the open file.
  const file_identity& open_identity() const { return id_; }
  /// The open file's identity, with a content hash of its first
  /// min(offset, fingerprint_bytes) bytes.
  file_identity identity_at(uint64_t offset);
  const file_identity& open_file() const { return id_; }
  /// The current reading's id (line_batch::reading).
  uint64_t reading_id() const { return reading_; }
  /// The open file's identity with the content hash computed so far.
  file_identity read_identity() const {
    auto id = id_;
    id.prefix_len = hashed_len_;
    id.prefix_hash = hashed_hash_;
    return id;
  }
  /// The open file's identity hashed over every byte read so far (within
  /// the fingerprint), a held partial line included: what a copy of it
  /// starts with.
  file_identity content_check() const {
    auto id = id_;
    if (read_check_len_ >= hashed_len_) {
      id.prefix_len = read_check_len_;
      id.prefix_hash = read_check_hash_;
    } else {
      id.prefix_len = hashed_len_;
      id.prefix_hash = hashed_hash_;
    }
    return id;
  }
  /// The open file's descriptor (-1 when none), for content comparisons.
  int open_fd() const { return fd_; }
  /// The open file was empty when this follower claimed it, and nothing of
  /// it has been read: no claim check compared its content. Once it has
  /// bytes the claim is checked again before any is used; meanwhile a
  /// follower going on in it (a copytruncate copy) may take it.
  bool holds_empty_claim() const { return fd_ >= 0 && claimed_empty_; }
  /// Offset right after the last line emitted from the open file.
  uint64_t emitted_offset() const { return offset_ - splitter_.held_bytes(); }
  uint64_t rotations() const { return rotations_; }
  uint64_t truncations() const { return truncations_; }

  /// A file this follower finished for good (read to its end after it was
  /// rotated away or deleted) since the last call: its position can go.
  std::optional<file_identity> take_finished() {
    auto f = finished_;
    finished_.reset();
    return f;
  }

  /// Notices gathered since the last call (resume outcomes, rotations,
  /// truncations, new problems opening the path).
  std::vector<follower_notice> take_notices();

private:
  bool open_next();
  bool open_resumed(const resume_position& at);
  bool open_path_now();
  void close_file();
  void problem(const std::string& text);
  void notice(bool warning, std::string text);
  void begin_batch(line_batch& out);
  /// Reads at most `want` bytes straight into `out` and splits them; the
  /// bytes read, or -1 (errno).
  ssize_t read_into(line_batch& out, std::size_t want);
  follow_status consume(std::size_t n, line_batch& out); // n bytes just read
  follow_status on_truncated(); // the open file was cut (or rewritten) under us
  bool prefix_changed();
  /// Hash of the open file's first `len` bytes (nothing if it has fewer);
  /// keeps the bytes for prefix_changed when they are the longer check.
  std::optional<uint64_t> hash_head(uint32_t len, bool read_check);
  bool switch_to_copy();
  bool adopt(int fd, const std::string& path, const file_identity& id);
  copy_search copies() const;
  void queue_rotated_after(const struct timespec& finished_mtime);
  bool open_caught_up();
  /// Where a delivered position of this key ends in the open file `fd`.
  std::optional<uint64_t> delivered_offset(int fd, const path_status& st) const;

  options opts_;
  std::optional<resume_position> resume_;
  line_splitter splitter_;
  // Size of the next read's first attempt: a whole block while the file
  // gives whole blocks, less after short reads (caught up, idle), so that a
  // wake-up with little or nothing to read does not clear a whole block.
  std::size_t read_hint_;
  int fd_ = -1;
  uint64_t open_generation_ = 0;
  file_identity id_;
  std::string open_path_;
  uint64_t offset_ = 0;           // read offset in the open file
  uint32_t hashed_len_ = 0;       // content hash of the open file's first hashed_len_ bytes
  uint64_t hashed_hash_ = 0;
  uint32_t read_check_len_ = 0;   // hash of the first read_check_len_ bytes read (truncation check)
  uint64_t read_check_hash_ = 0;
  std::string head_;              // the bytes of the longer of the two, as hashed (prefix_changed)
  bool first_open_ = true;        // read_from applies only to the very first file
  bool resumed_ = false;          // the open file was found by identity
  bool pending_restart_ = false;  // the next batch starts a new reading
  bool content_replaced_ = false; // the file being closed was truncated under us
  bool read_torn_ = false;        // the last read_into() met a truncation under it: dropped
  bool holds_slot_ = false;       // the open file counts in opts_.budget
  bool wants_slot_ = false;
  bool copy_waits_for_slot_ = false; // a copy to read on from was found, but no slot
  bool claimed_empty_ = false;       // claimed while empty: claimed again once it has bytes
  void give_back_unread();
  bool recheck_empty_claim();
  struct idle_file {
    file_identity id;
    uint64_t size = 0;
    struct timespec mtime {};
  };
  std::optional<idle_file> idle_; // closed while idle: what the path held then
  bool take_slot();
  uint64_t reading_ = 0;          // id of the current reading (line_batch::reading)
  uint64_t continue_reading_ = 0; // the reading the next restart goes on with (a resume)
  std::string problem_;           // last reported problem, to report each once
  uint64_t rotations_ = 0;
  uint64_t truncations_ = 0;
  std::vector<follower_notice> notices_;
  std::optional<file_identity> finished_;
  // Rotated files a resumed key has not read (two rotations or more while it
  // was not being read), oldest first: read before the file at the path.
  std::deque<std::string> catch_up_;
  std::set<std::pair<uint64_t, uint64_t>> caught_up_;
};

} // namespace logcatch
