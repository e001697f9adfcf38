#include "actors/line_batch.hpp"

namespace logcatch {

std::vector<uint64_t> line_batch::line_offsets() const {
  std::vector<uint64_t> result;
  result.reserve(ends.size());
  uint64_t offset = start_offset;
  uint32_t begin = 0;
  auto adjust = size_adjust.begin();
  for (uint32_t i = 0; i < ends.size(); ++i) {
    result.push_back(offset);
    int64_t file_bytes = static_cast<int64_t>(ends[i] - begin);
    if (adjust != size_adjust.end() && adjust->line == i) {
      file_bytes += adjust->delta;
      ++adjust;
    }
    offset += static_cast<uint64_t>(file_bytes);
    begin = ends[i];
  }
  return result;
}

} // namespace logcatch
