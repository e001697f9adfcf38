#include "actors/tailer/rotation_detector.hpp"

namespace logcatch {

file_change classify_file_change(const path_status& open_file, uint64_t read_offset,
                                 const path_status& at_path, bool prefix_changed) {
  if (open_file.size < read_offset || prefix_changed)
    return file_change::truncated;
  if (at_path.exists && at_path.regular)
    return at_path.id == open_file.id ? file_change::none : file_change::rotated;
  // Nothing at the path: renamed away before its successor was created
  // (logrotate's create mode, between rename and create), or deleted.
  return open_file.links > 0 ? file_change::rotated : file_change::deleted;
}

const char* to_string(file_change change) {
  switch (change) {
    case file_change::none:
      return "none";
    case file_change::truncated:
      return "truncated";
    case file_change::rotated:
      return "rotated";
    case file_change::deleted:
      return "deleted";
  }
  return "?";
}

} // namespace logcatch
