#pragma once

// Every field of a batch that came over the network, checked before the sink
// touches it. A local tailer builds its batches itself; a remote peer can
// send any bytes that deserialize, and the sink indexes `data` by `ends`.

#include <cstdint>
#include <string>

#include "actors/line_batch.hpp"

namespace logcatch {

/// Bounds of a legitimate batch. A tailer sends at most its window
/// (max_inflight_bytes, at most 1 GiB in a config) in one batch and cuts
/// lines at max_line_bytes (at most 1 GiB): nothing honest comes near these.
struct incoming_batch_limits {
  std::size_t max_data_bytes = std::size_t{1} << 30;
  std::size_t max_key_bytes = 4096;
  std::size_t max_path_bytes = 4096;
};

/// Empty when `batch` is well formed; otherwise what is wrong with it, in
/// words for a log line ("ends[3] = 900 is past the 800 bytes of data").
/// Checks: key and path bounded and free of control characters (the key is
/// also non-empty), ends strictly increasing, inside the data and covering
/// all of it, every line ending in '\n', size adjustments sorted, unique, for
/// existing lines and leaving no line negative in the file, cut_lines at
/// most the number of lines, and the offsets agreeing with the lines' file
/// bytes (end_offset = start_offset + the lines' length in the file).
std::string check_incoming_batch(const line_batch& batch,
                                 const incoming_batch_limits& limits = {});

} // namespace logcatch
