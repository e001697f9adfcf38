#pragma once

#include <cstdint>

#include "actors/tailer/file_identity.hpp"

namespace logcatch {

/// What happened to a followed file, decided when a read hits its end.
enum class file_change {
  none,      ///< same file at the path, nothing new: wait
  truncated, ///< the open file is shorter than our offset: read it again from 0
  rotated,   ///< the open file was renamed away (the path names another file, or
             ///< none yet): finish the old one, then follow the path
  deleted,   ///< the open file was unlinked and nothing is at the path: finish,
             ///< then wait for the path
};

/// Classifies a followed file from the open descriptor's state and the path's.
/// `prefix_changed`: the bytes at the file's start differ from those read
/// (truncated and written again past the old offset between two looks).
/// Truncation wins over rotation: the open file's own bytes are what we read.
file_change classify_file_change(const path_status& open_file, uint64_t read_offset,
                                 const path_status& at_path, bool prefix_changed = false);

const char* to_string(file_change change);

} // namespace logcatch
