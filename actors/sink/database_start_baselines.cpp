#include "actors/sink/database_start_baselines.hpp"

#include "actors/sink/delivery_positions.hpp"
#include "actors/tailer/file_set.hpp"

namespace logcatch {

destination_result write_start_baselines(database_destination& destination,
                                         const std::vector<std::string>& keys, int64_t now_ms) {
  stored_positions stored;
  if (auto r = destination.load_positions(stored); !r.ok())
    return r;
  delivery_positions positions;
  destination_write w;
  w.collected_us = now_ms * 1000;
  for (auto& key : keys) {
    if (auto it = stored.find(key); it != stored.end())
      for (auto& pos : it->second)
        positions.restore(key, pos);
    // ensure_baseline is false when the key has one: nothing to write.
    if (positions.ensure_baseline(key, now_ms))
      w.positions[key] = positions.recorded(key);
  }
  if (w.positions.empty())
    return destination_result::success();
  return destination.write(w);
}

} // namespace logcatch
