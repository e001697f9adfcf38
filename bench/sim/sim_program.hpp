#pragma once

// A random program of file operations and collector events, for the
// model-based simulation of the delivery core (in the spirit of Vector's
// file_watcher model test). A program is plain data: it is printed, replayed
// from its seed, and shrunk by dropping operations.

#include <cstdint>
#include <string>
#include <vector>

namespace logcatch::sim {

/// How a key names its files.
enum class key_shape {
  plain,               ///< one path: DIR/NAME.log
  glob_with_rotated,   ///< DIR/NAME-*.log* (matches the rotated names too)
  glob_without_rotated ///< DIR/NAME-*.log (does not match app.log.1)
};

struct sim_key {
  std::string name;
  key_shape shape = key_shape::plain;
  uint32_t streams = 1; ///< files written under the key's pattern (1 for plain)
};

enum class op_kind {
  // Files. `stream` picks the file; `n` is a count or a variant.
  append,          ///< n whole lines
  append_partial,  ///< half a line now; the writer completes it before anything else touches the file
  append_long,     ///< one line longer than max_line_bytes (it is cut)
  rotate_create,   ///< rename the file away (n: 0 numbered .1 .2.., 1 dateext), writer goes on at the path
  rotate_copy,     ///< copytruncate (n as for rotate_create)
  truncate,        ///< cut to 0 with no copy: undelivered lines may be lost
  remove,          ///< delete the file: undelivered lines may be lost
  compress,        ///< gzip the file's newest rotated copy and delete it (logrotate compress)
  // Collector.
  step,            ///< n tailer steps, each batch written by the sink at once
  commit,          ///< the sink commits (output length + positions)
  crash_tailer,    ///< the tailer dies; a new one starts where the sink says
  kill,            ///< SIGKILL: the sink goes back to its last commit; down until start
  stop,            ///< graceful: commit, then down until start
  start,           ///< the collector starts again (a no-op while it runs)
  reload_update,   ///< a reload that updates every key (a new tailer each)
  resend,          ///< an aggregator restart: the sink goes back to its last commit and
                   ///< every batch since arrives again, in order (the remote sink's resend)
};

struct op {
  op_kind kind = op_kind::step;
  uint32_t key = 0;
  uint32_t stream = 0;
  uint32_t n = 1;
};

struct program {
  uint64_t seed = 0;
  std::vector<sim_key> keys;
  uint32_t fingerprint_bytes = 1024;
  uint32_t read_block = 4096;
  uint32_t max_line_bytes = 256;
  uint32_t keep_rotated = 3; ///< rotated files kept per file; older ones are deleted
  uint32_t open_files = 0;   ///< the process's open-file budget (0: none)
  std::vector<op> ops;
};

/// What a generated program may contain (the soak can ask for more).
struct program_shape {
  uint32_t max_keys = 3;
  uint32_t max_streams = 8; ///< per glob key
  uint32_t ops = 150;
  bool collector_events = true;
  bool destructive = true; ///< truncate and remove (undelivered lines may be lost)
  bool copytruncate = true;
  /// gzip rotated copies (the .gz continuation): off by default so the
  /// other shapes keep their reach; the compress shapes (the soak's
  /// long-compress, the core simulation's compress test) turn it on.
  bool compress = false;
};

program generate(uint64_t seed, const program_shape& shape);

std::string to_string(op_kind k);
std::string to_string(const op& o);
/// The whole program, one op a line, with its seed and keys.
std::string describe(const program& p);

} // namespace logcatch::sim
